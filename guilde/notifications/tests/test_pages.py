"""The notifications page, the bell, preferences, the subscription control, delivery reports."""

from __future__ import annotations

import json
from functools import partial

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.conversations import services as conversations
from guilde.core.testing import assert_constant_queries, run_queued_tasks
from guilde.discussions import services as discussions
from guilde.discussions.selectors import unread_thread_counts
from guilde.notifications import services
from guilde.notifications.models import (
    EmailAddressStatus,
    Frequency,
    Kind,
    Notification,
    Subscription,
)

pytestmark = pytest.mark.django_db


def _signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_the_notifications_page_and_the_bell_cost_a_constant_number_of_queries():
    community = CommunityFactory.create(slug="lively")
    private = CommunityFactory.create(slug="closed", visibility="private", join_policy="approval")
    me = member_of(community)
    member_of(private)  # so the private community has someone
    others = [member_of(community) for _ in range(3)]
    client = _signed_in(me)

    def setup(count: int) -> None:
        # Every kind of notification, in turn: mentions, replies, answers, reactions,
        # accepted answers, new threads, messages, membership decisions.
        while Notification.objects.filter(recipient=me).count() < count:
            number = Notification.objects.filter(recipient=me).count()
            other = others[number % 3]
            thread = discussions.thread_create(
                actor=other,
                community=community,
                kind="question",
                title=f"Question {number}",
                body=f"@{me.username}",
            )
            answer = discussions.post_create(actor=me, thread=thread, body="My answer")
            discussions.reaction_toggle(actor=other, post=answer, kind="heart")
            discussions.answer_accept(actor=other, thread=thread, post=answer)
            conversation = conversations.conversation_start(
                sender=other, recipients=[me], subject=f"Chat {number}", body="Hi"
            )
            conversations.message_send(sender=other, conversation=conversation, body="Again")
            services.notify(
                recipient=me, kind=Kind.MEMBERSHIP, community=private, data={"approved": False}
            )
            run_queued_tasks()

    for url in (
        "/notifications/",
        "/notifications/?unread=1",
        "/notifications/?kind=mention",
        "/notifications/bell/",
        "/api/v1/me/notifications",
    ):
        assert_constant_queries(setup=setup, small=1, large=40, action=partial(client.get, url))
    page = client.get("/notifications/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Question " in body
    assert "Chat " not in body
    bell = client.get("/notifications/bell/")
    assert 'hx-trigger="every 30s"' in bell.content.decode()
    assert bell["Cache-Control"].startswith("max-age=0")


def test_notifications_filter_open_and_mark_read():
    community = CommunityFactory.create()
    me, other = member_of(community), member_of(community)
    thread = discussions.thread_create(
        actor=other, community=community, kind="discussion", title="Crumb", body=f"@{me.username}"
    )
    conversations.conversation_start(
        sender=other, recipients=[me], subject="Hello", body="A message"
    )
    run_queued_tasks()
    client = _signed_in(me)
    mentions = client.get("/notifications/?kind=mention").content.decode()
    assert "Crumb" in mentions
    assert "sent you a message" not in mentions
    assert "sent you a message" in client.get("/notifications/?kind=message").content.decode()
    mention = Notification.objects.get(recipient=me, kind=Kind.MENTION)
    response = client.get(f"/notifications/{mention.pk}/open/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"/communities/{community.slug}/threads/{thread.pk}/")
    mention.refresh_from_db()
    assert mention.read_at is not None
    assert "Crumb" not in client.get("/notifications/?unread=1").content.decode()
    client.post("/notifications/read/")
    assert services.mark_read(member=me) == 0
    # Someone else's notification cannot be opened.
    assert _signed_in(other).get(f"/notifications/{mention.pk}/open/").status_code == 404


def test_notifications_about_what_the_member_lost_access_to_are_hidden():
    private = CommunityFactory.create(visibility="private", join_policy="approval")
    coordinator, me = member_of(private, role="coordinator"), member_of(private)
    discussions.thread_create(
        actor=coordinator,
        community=private,
        kind="discussion",
        title="Inner circle",
        body=f"@{me.username}",
    )
    run_queued_tasks()
    client = _signed_in(me)
    assert "Inner circle" in client.get("/notifications/").content.decode()
    me.memberships.all().delete()
    assert "Inner circle" not in client.get("/notifications/").content.decode()
    api = client.get("/api/v1/me/notifications").json()
    assert api["results"] == []


def test_preferences_page_saves_every_choice():
    me = MemberFactory.create()
    client = _signed_in(me)
    form: dict[str, str] = {f"email_{kind}": Frequency.NEVER.value for kind in Kind.values}
    form |= {
        "email_mention": Frequency.WEEKLY,
        "messages_from": "anyone",
        "digest": "daily",
        "watch_started": "on",
    }
    response = client.post("/settings/notifications/", form)
    assert response.status_code == 302
    chosen = services.frequencies(me)
    assert chosen[Kind.MENTION] == Frequency.WEEKLY
    assert chosen[Kind.REPLY] == Frequency.NEVER
    settings = services.settings_for(me)
    assert settings.watch_started
    assert not settings.watch_replied
    assert settings.digest == "daily"
    me.refresh_from_db()
    assert me.messages_from == "anyone"
    bad = client.post("/settings/notifications/", {**form, "email_mention": "hourly"})
    assert bad.status_code == 200
    assert "email_mention" in bad.context["form"].errors
    assert (
        services.frequencies(me)[Kind.MENTION] == Frequency.WEEKLY
    )  # nothing lost, nothing changed


def test_watching_from_a_thread_page_and_muting_hides_the_unread_count():
    community = CommunityFactory.create(slug="bakers")
    me, other = member_of(community), member_of(community)
    thread = discussions.thread_create(
        actor=other, community=community, kind="discussion", title="Ovens", body="Which?"
    )
    client = _signed_in(me)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert 'name="level"' in page
    response = client.post(
        "/subscriptions/",
        {
            "target_type": "thread",
            "target_id": thread.pk,
            "level": "watch",
            "next": thread.get_absolute_url(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert Subscription.objects.get(member=me, thread=thread).level == "watch"
    discussions.post_create(actor=other, thread=thread, body="Since you looked")
    assert unread_thread_counts(viewer=me, communities=[community]) == {community.pk: 1}
    client.post(
        "/subscriptions/", {"target_type": "thread", "target_id": thread.pk, "level": "mute"}
    )
    assert unread_thread_counts(viewer=me, communities=[community]) == {}
    # A private thread cannot be followed by someone who cannot read it.
    private = CommunityFactory.create(visibility="private", join_policy="approval")
    hidden = discussions.thread_create(
        actor=member_of(private), community=private, kind="discussion", title="No", body="No"
    )
    assert (
        client.post(
            "/subscriptions/", {"target_type": "thread", "target_id": hidden.pk, "level": "watch"}
        ).status_code
        == 404
    )
    assert not Subscription.objects.filter(member=me, thread=hidden).exists()


def test_delivery_reports_stop_mail_and_tell_the_member(settings, tmp_path):
    settings.GUILDE_BOUNCE_TOKEN = "s3cret"
    me = MemberFactory.create(email="gone@example.org")
    client = Client()
    reports = [{"email": "gone@example.org", "type": "hard", "description": "550 no such user"}] * 2
    refused = client.post("/api/v1/mail/delivery-reports", reports, content_type="application/json")
    assert refused.status_code == 401
    headers = {"X-Guilde-Bounce-Token": "s3cret"}
    response = client.post(
        "/api/v1/mail/delivery-reports", reports, content_type="application/json", headers=headers
    )
    assert response.status_code == 200
    assert response.json()[-1] == {
        "email": "gone@example.org",
        "suppressed": False,
    }
    invalid = client.post(
        "/api/v1/mail/delivery-reports",
        [{"email": "x@example.org", "type": "lost"}],
        content_type="application/json",
        headers=headers,
    )
    assert invalid.status_code == 422
    assert not services.mail_stopped(me.email)
    banner = "We cannot reach your e-mail address"
    assert banner not in _signed_in(me).get("/").content.decode()

    file = tmp_path / "reports.jsonl"
    file.write_text(json.dumps({"email": "gone@example.org", "type": "hard"}) + "\n\n{broken\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("mail-delivery-reports", str(file))
    assert (
        EmailAddressStatus.objects.get(email="gone@example.org").hard_bounces == 2
    )  # nothing recorded
    file.write_text(json.dumps({"email": "gone@example.org", "type": "hard"}) + "\n")
    call_command("mail-delivery-reports", str(file))
    assert services.mail_stopped(me.email)
    client = _signed_in(me)
    assert banner in client.get("/").content.decode()
    form = {f"email_{kind}": frequency for kind, frequency in services.frequencies(me).items()}
    client.post(
        "/settings/notifications/",
        {**form, "messages_from": "communities", "digest": "weekly", "resume_mail": "1"},
    )
    assert not services.mail_stopped(me.email)


def test_a_tag_is_followed_from_the_threads_it_filters():
    community = CommunityFactory.create(slug="bakers")
    tag = Tag.objects.create(community=community, name="Rye", slug="rye")
    me = member_of(community)
    client = _signed_in(me)
    assert (
        'name="target_type" value="tag"'
        not in client.get("/communities/bakers/threads/").content.decode()
    )
    page = client.get("/communities/bakers/threads/?tag=rye").content.decode()
    assert 'name="target_type" value="tag"' in page
    assert f'name="target_id" value="{tag.pk}"' in page
    client.post("/subscriptions/", {"target_type": "tag", "target_id": tag.pk, "level": "watch"})
    assert Subscription.objects.get(member=me, tag=tag).level == "watch"
