"""The onboarding API: my welcome and checklist, the coordinators' settings and newcomer
list (constant queries), answering a buddy suggestion."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from guilde.communities.models import Community, Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services as discussions
from guilde.knowledge import services as knowledge
from guilde.notifications.models import Notification
from guilde.onboarding import services
from guilde.onboarding.models import Onboarding
from guilde.onboarding.tests.factories import active_member, joined

pytestmark = pytest.mark.django_db
BASE = "/api/v1/communities/makers"


@pytest.fixture
def community() -> Community:
    return CommunityFactory.create(slug="makers")


def test_my_onboarding_checklist_and_buddy(client, community):
    coordinator = joined(community, days_ago=400, role="coordinator")
    buddy = active_member(community, username="ada")
    newcomer = joined(community)
    anonymous = client.get(f"{BASE}/onboarding").json()
    assert anonymous["checklist"] is None
    assert anonymous["buddy"] is None
    assert anonymous["welcome"] == ""

    client.force_login(newcomer)
    body = client.get(f"{BASE}/onboarding").json()
    assert [i["key"] for i in body["checklist"]] == ["profile", "introduce", "event", "question"]
    assert not any(i["done"] for i in body["checklist"])
    assert body["newcomer"] is True
    assert body["buddy"]["member"]["username"] == "ada"
    assert body["buddy"]["status"] == "suggested"

    discussions.thread_create(
        actor=newcomer, community=community, kind="question", title="Where?", body="Where?"
    )
    body = client.get(f"{BASE}/onboarding").json()
    assert {i["key"] for i in body["checklist"] if i["done"]} == {"introduce", "question"}

    accepted = client.post(f"{BASE}/onboarding/buddy/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert Notification.objects.filter(recipient=buddy, kind="onboarding").count() == 1
    again = client.post(f"{BASE}/onboarding/buddy/decline")
    assert again.status_code == 422  # nothing left to answer

    client.force_login(buddy)
    assert client.get(f"{BASE}/onboarding").json()["buddy_of"] == [
        {"username": newcomer.username, "name": newcomer.name}
    ]
    client.force_login(coordinator)
    assert client.get(f"{BASE}/onboarding").json()["buddy"] is None  # not a newcomer


def test_my_onboarding_costs_the_same_for_1_or_20_newcomers_welcomed(client, community):
    from guilde.onboarding.models import Buddy

    buddy = active_member(community)

    def setup(count: int) -> None:
        while Buddy.objects.filter(buddy=buddy).count() < count:
            newcomer = joined(community)
            Buddy.objects.create(community=community, newcomer=newcomer, buddy=buddy)
            services.buddy_answer(actor=newcomer, community=community, accept=True)

    client.force_login(buddy)
    assert_constant_queries(setup=setup, action=partial(client.get, f"{BASE}/onboarding"))
    assert len(client.get(f"{BASE}/onboarding").json()["buddy_of"]) == 20


def test_settings_through_the_api(client, community):
    coordinator = member_of(community, role="coordinator")
    member = member_of(community)
    path = knowledge.path_save(actor=coordinator, community=community, title="Start")
    section = knowledge.section_add(actor=coordinator, path=path, title="Basics")
    knowledge.step_add(actor=coordinator, section=section, url="https://example.org", title="A")
    thread = discussions.thread_create(
        actor=coordinator, community=community, kind="discussion", title="Hi", body="Hello"
    )
    elsewhere = discussions.thread_create(
        actor=member_of(other := CommunityFactory.create()),
        community=other,
        kind="discussion",
        title="Elsewhere",
        body="x",
    )
    data = {"welcome": "# Hi", "starter_path": path.pk, "introductions": thread.pk}
    client.force_login(member)
    assert client.put(f"{BASE}/onboarding", data, content_type="application/json").status_code == (
        403
    )
    client.force_login(coordinator)
    bad = {**data, "introductions": elsewhere.pk}
    assert client.put(f"{BASE}/onboarding", bad, content_type="application/json").status_code == (
        422
    )
    response = client.put(f"{BASE}/onboarding", data, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["welcome_html"] == "<h2>Hi</h2>\n"  # headings start below the page's
    assert body["starter_path"]["id"] == path.pk
    assert body["introductions"]["title"] == "Hi"
    assert body["buddies"] is True
    assert Onboarding.objects.get(community=community).updated_by == coordinator


def _fill(community: Community, count: int) -> None:
    since = timezone.now() - timedelta(days=community.newcomer_days)
    have = Membership.objects.filter(community=community, joined_at__gt=since).count()
    for number in range(have, count):
        newcomer = joined(community, days_ago=1 + number % 20)
        if number % 2:
            discussions.thread_create(
                actor=newcomer, community=community, kind="question", title="Q", body="?"
            )
        services.buddy_suggest(newcomer=newcomer, community=community)


def test_the_newcomer_list_costs_the_same_for_1_or_20(client, community):
    coordinator = joined(community, days_ago=400, role="coordinator")
    active_member(community)
    client.force_login(coordinator)
    for url in (f"{BASE}/newcomers", f"{BASE}/newcomers?stuck=true"):
        assert_constant_queries(setup=partial(_fill, community), action=partial(client.get, url))
    body = client.get(f"{BASE}/newcomers?page_size=5").json()
    assert len(body["results"]) == 5
    assert body["next"]
    first = body["results"][0]
    assert first["items"] == ["profile", "introduce", "event", "question"]
    assert first["buddy"]["status"] == "suggested"
    stuck = client.get(f"{BASE}/newcomers?stuck=true&page_size=100").json()["results"]
    assert stuck
    assert all(row["stuck"] and row["days"] >= 15 and len(row["done"]) <= 1 for row in stuck)


def test_only_coordinators_and_administrators_list_newcomers(client, community):
    member_of(community, role="coordinator")
    moderator = member_of(community, role="moderator")
    client.force_login(moderator)
    assert client.get(f"{BASE}/newcomers").status_code == 403
    client.logout()
    assert client.get(f"{BASE}/newcomers").status_code == 401
