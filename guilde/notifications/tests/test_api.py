"""Notifications, subscriptions and preferences through the API, with a personal token."""

from __future__ import annotations

import pytest
from django.test import Client

from guilde.accounts import services as account_services
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.notifications.models import Subscription

pytestmark = pytest.mark.django_db


def _api(member, scope: str = "write") -> Client:
    plain = account_services.token_create(actor=member, member=member, name="t", scope=scope)[1]
    return Client(headers={"Authorization": f"Bearer {plain}"})


def test_notifications_listed_filtered_counted_and_marked_read():
    community = CommunityFactory.create()
    me, other = member_of(community), member_of(community)
    for number in range(3):
        discussions.thread_create(
            actor=other,
            community=community,
            kind="discussion",
            title=f"T{number}",
            body=f"@{me.username}",
        )
    run_queued_tasks()
    api = _api(me)
    page = api.get("/api/v1/me/notifications?kind=mention&page_size=2").json()
    assert [n["kind"] for n in page["results"]] == ["mention", "mention"]
    assert page["next"]
    assert page["results"][0]["url"].startswith(f"/communities/{community.slug}/threads/")
    assert api.get("/api/v1/me/notifications?kind=reply").json()["results"] == []
    assert api.get("/api/v1/me/notifications?kind=nonsense").status_code == 422
    assert api.get("/api/v1/me/notifications/count").json() == {"unread": 3}
    first = page["results"][0]["id"]
    assert api.post(
        "/api/v1/me/notifications/read", {"ids": [first]}, content_type="application/json"
    ).json() == {"marked": 1}
    assert api.post(
        "/api/v1/me/notifications/read", {}, content_type="application/json"
    ).json() == {"marked": 2}
    assert api.get("/api/v1/me/notifications?unread=true").json()["results"] == []
    # Another member's notifications are not reachable by id.
    assert _api(other).post(
        "/api/v1/me/notifications/read", {"ids": [first]}, content_type="application/json"
    ).json() == {"marked": 0}


def test_subscriptions_through_the_api():
    community = CommunityFactory.create()
    tag = Tag.objects.create(community=community, name="Rye", slug="rye")
    me = member_of(community)
    thread = discussions.thread_create(
        actor=member_of(community), community=community, kind="discussion", title="T", body="B"
    )
    api = _api(me)
    for target_type, target_id in (
        ("thread", thread.pk),
        ("community", community.pk),
        ("tag", tag.pk),
    ):
        response = api.put(
            "/api/v1/me/subscriptions",
            {"target_type": target_type, "target_id": target_id, "level": "watch"},
            content_type="application/json",
        )
        assert response.status_code == 200
        assert response.json()["level"] == "watch"
    assert len(api.get("/api/v1/me/subscriptions").json()) == 3
    removed = api.put(
        "/api/v1/me/subscriptions",
        {"target_type": "tag", "target_id": tag.pk, "level": None},
        content_type="application/json",
    )
    assert removed.status_code == 204
    assert not Subscription.objects.filter(member=me, tag=tag).exists()
    bad = api.put(
        "/api/v1/me/subscriptions",
        {"target_type": "thread", "target_id": thread.pk, "level": "loud"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    private = CommunityFactory.create(visibility="hidden", join_policy="invitation")
    assert (
        api.put(
            "/api/v1/me/subscriptions",
            {"target_type": "community", "target_id": private.pk, "level": "watch"},
            content_type="application/json",
        ).status_code
        == 404
    )
    read_only = _api(me, scope="read")
    assert (
        read_only.put(
            "/api/v1/me/subscriptions",
            {"target_type": "thread", "target_id": thread.pk, "level": "mute"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_preferences_through_the_api():
    me = member_of(CommunityFactory.create())
    api = _api(me)
    current = api.get("/api/v1/me/notification-preferences").json()
    assert current["email"]["mention"] == "immediately"
    assert current["digest"] == "weekly"
    changed = api.patch(
        "/api/v1/me/notification-preferences",
        {
            "email": {"mention": "daily"},
            "digest": "never",
            "messages_from": "anyone",
            "watch_replied": False,
        },
        content_type="application/json",
    ).json()
    assert changed["email"]["mention"] == "daily"
    assert changed["email"]["reply"] == "immediately"
    assert changed["digest"] == "never"
    assert changed["messages_from"] == "anyone"
    assert changed["watch_replied"] is False
    bad = api.patch(
        "/api/v1/me/notification-preferences",
        {"email": {"mention": "hourly"}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert api.get("/api/v1/me/notification-preferences").json()["email"]["mention"] == "daily"
