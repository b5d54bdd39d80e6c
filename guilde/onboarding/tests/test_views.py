"""The onboarding pages: the welcome page (message, checklist, buddy), the coordinators'
settings and newcomer view — who may see them, what they show, and at what cost."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Community, Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services as discussions
from guilde.knowledge import services as knowledge
from guilde.onboarding import services
from guilde.onboarding.models import Buddy, Onboarding
from guilde.onboarding.tests.factories import active_member, joined

pytestmark = pytest.mark.django_db


@pytest.fixture
def community() -> Community:
    return CommunityFactory.create(name="Makers", slug="makers")


def test_a_newcomer_reads_the_welcome_their_checklist_and_is_suggested_a_buddy(client, community):
    coordinator = member_of(community, role="coordinator")
    services.onboarding_update(
        actor=coordinator,
        community=community,
        welcome="**Welcome**, makers!",
        starter_path=None,
        introductions=None,
        buddies=True,
    )
    buddy = active_member(community, display_name="Ada Buddy")
    newcomer = joined(community)
    client.force_login(newcomer)
    page = client.get(reverse("onboarding:welcome", args=["makers"])).content.decode()
    assert "<strong>Welcome</strong>, makers!" in page
    assert "Complete your profile" in page
    assert "0 of 4 steps done" in page
    assert "Ada Buddy" in page
    assert Buddy.objects.get(newcomer=newcomer).buddy == buddy

    response = client.post(
        reverse("onboarding:buddy", args=["makers"]), {"answer": "accept"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "is your buddy here" in response.content.decode()
    # The buddy sees whom they welcome.
    client.force_login(buddy)
    page = client.get(reverse("onboarding:welcome", args=["makers"])).content.decode()
    assert "Newcomers you welcome" in page
    assert newcomer.name in page


def _welcomed(community: Community, buddy, count: int) -> None:
    """Bring ``buddy`` to ``count`` newcomers who chose them."""
    while Buddy.objects.filter(buddy=buddy, status="accepted").count() < count:
        newcomer = joined(community)
        Buddy.objects.create(community=community, newcomer=newcomer, buddy=buddy)
        services.buddy_answer(actor=newcomer, community=community, accept=True)


def test_the_welcome_page_costs_the_same_for_1_or_20_newcomers_welcomed(client, community):
    buddy = active_member(community)
    client.force_login(buddy)
    url = reverse("onboarding:welcome", args=["makers"])
    assert_constant_queries(
        setup=partial(_welcomed, community, buddy), action=partial(client.get, url)
    )
    assert client.get(url).content.decode().count("/members/member") >= 20


def test_the_community_page_points_newcomers_to_their_welcome(client, community):
    newcomer = joined(community)
    settled = joined(community, days_ago=400)
    welcome = reverse("onboarding:welcome", args=["makers"])
    client.force_login(newcomer)
    assert welcome in client.get(reverse("communities:detail", args=["makers"])).content.decode()
    client.force_login(settled)
    assert (
        welcome not in client.get(reverse("communities:detail", args=["makers"])).content.decode()
    )


def test_declining_on_the_page_suggests_someone_else(client, community):
    active_member(community, display_name="First Buddy")
    active_member(community, display_name="Second Buddy")
    newcomer = joined(community)
    client.force_login(newcomer)
    url = reverse("onboarding:welcome", args=["makers"])
    assert "First Buddy" in client.get(url).content.decode()
    response = client.post(reverse("onboarding:buddy", args=["makers"]), {"answer": "decline"})
    assert response.status_code == 302
    assert "Second Buddy" in client.get(url).content.decode()


def test_settings_are_for_coordinators_and_administrators(client, community):
    member = member_of(community)
    moderator = member_of(community, role="moderator")
    coordinator = member_of(community, role="coordinator")
    admin = MemberFactory.create(is_staff=True)
    url = reverse("onboarding:manage", args=["makers"])
    for person, status in ((member, 403), (moderator, 403), (coordinator, 200), (admin, 200)):
        client.force_login(person)
        assert client.get(url).status_code == status, person
        assert client.get(reverse("onboarding:newcomers", args=["makers"])).status_code == status

    path = knowledge.path_save(actor=coordinator, community=community, title="Start here")
    thread = discussions.thread_create(
        actor=coordinator, community=community, kind="announcement", title="Hello!", body="Hi"
    )
    other = CommunityFactory.create()
    foreign = knowledge.path_save(
        actor=member_of(other, role="coordinator"), community=other, title="Elsewhere"
    )
    client.force_login(coordinator)
    response = client.post(
        url,
        {
            "welcome": "Hello *all*",
            "starter_path": foreign.pk,
            "introductions": thread.pk,
            "buddies": "",
        },
    )
    assert response.status_code == 200  # another community's path is not a choice
    assert not Onboarding.objects.exists()
    response = client.post(
        url,
        {"welcome": "Hello *all*", "starter_path": path.pk, "introductions": thread.pk},
    )
    assert response.status_code == 302
    onboarding = Onboarding.objects.get(community=community)
    assert onboarding.welcome_html == "<p>Hello <em>all</em></p>\n"
    assert (onboarding.starter_path, onboarding.introductions) == (path, thread)
    assert not onboarding.buddies
    assert onboarding.updated_by == coordinator
    client.force_login(member)
    assert client.post(url, {"welcome": "Mine now"}).status_code == 403


def test_private_communities_keep_their_onboarding_to_themselves(client):
    private = CommunityFactory.create(
        slug="secret", visibility=Community.Visibility.PRIVATE, join_policy="approval"
    )
    coordinator = member_of(private, role="coordinator")
    services.onboarding_update(
        actor=coordinator,
        community=private,
        welcome="The secret handshake",
        starter_path=None,
        introductions=None,
        buddies=True,
    )
    pending = MemberFactory.create()
    Membership.objects.create(community=private, member=pending, status="pending")
    outsider = member_of(CommunityFactory.create())
    urls = [
        reverse(name, args=["secret"])
        for name in ("onboarding:welcome", "onboarding:manage", "onboarding:newcomers")
    ]
    for viewer in (None, outsider, pending):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        # Anonymous visitors are sent to sign in where signing in is needed anyway.
        expected = (302, 404) if viewer is None else (404,)
        for url in urls:
            response = client.get(url)
            assert response.status_code in expected, url
            assert b"secret handshake" not in response.content
        response = client.get("/api/v1/communities/secret/onboarding")
        assert response.status_code == 404
        assert b"secret handshake" not in response.content
    client.force_login(joined(private))
    assert "secret handshake" in client.get(urls[0]).content.decode()


def _fill_newcomers(community: Community, count: int) -> None:
    """Bring the community to ``count`` newcomers, some stuck, some active, with buddies."""
    have = Membership.objects.filter(
        community=community, joined_at__gt=timezone.now() - timedelta(days=30)
    ).count()
    for number in range(have, count):
        newcomer = joined(community, days_ago=1 + number % 25)
        if number % 3 == 0:
            discussions.thread_create(
                actor=newcomer,
                community=community,
                kind="question",
                title=f"Question {number}",
                body="Why?",
            )
        if number % 2 == 0:
            services.buddy_suggest(newcomer=newcomer, community=community)
        if number % 4 == 0:
            services.buddy_answer(actor=newcomer, community=community, accept=True)


def test_the_newcomer_view_costs_the_same_for_1_or_20_newcomers(client, community):
    coordinator = joined(community, days_ago=400, role="coordinator")
    active_member(community)
    path = knowledge.path_save(actor=coordinator, community=community, title="Start")
    section = knowledge.section_add(actor=coordinator, path=path, title="Basics")
    knowledge.step_add(actor=coordinator, section=section, url="https://example.org", title="A")
    services.onboarding_update(
        actor=coordinator,
        community=community,
        welcome="Hi",
        starter_path=path,
        introductions=None,
        buddies=True,
    )
    client.force_login(coordinator)
    for query in ("", "?show=stuck&sort=progress", "?sort=newest"):
        url = reverse("onboarding:newcomers", args=["makers"]) + query
        assert_constant_queries(
            setup=partial(_fill_newcomers, community), action=partial(client.get, url)
        )
    page = client.get(reverse("onboarding:newcomers", args=["makers"])).content.decode()
    assert "Stuck at the edge" in page
    assert "Follow the starter path" in page


def test_stuck_newcomers_are_flagged_filtered_and_first(client, community):
    coordinator = joined(community, days_ago=400, role="coordinator")
    stuck = joined(community, days_ago=20, display_name="Stuck Sam")
    joined(community, days_ago=2, display_name="Fresh Fay")  # too early to tell
    busy = joined(community, days_ago=20, display_name="Busy Bo")
    discussions.thread_create(
        actor=busy, community=community, kind="question", title="How?", body="How do I?"
    )  # introduce + question: two items
    client.force_login(coordinator)
    url = reverse("onboarding:newcomers", args=["makers"])
    page = client.get(url).content.decode()
    assert page.index("Stuck Sam") < page.index("Fresh Fay")
    assert page.count("badge badge-warning") == 1
    only = client.get(url + "?show=stuck").content.decode()
    assert "Stuck Sam" in only
    assert "Fresh Fay" not in only
    assert "Busy Bo" not in only
    partial_rows = client.get(url + "?show=stuck", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial_rows
    assert stuck.name in partial_rows
    # The coordinator, a member for long, is not a newcomer.
    assert coordinator.name not in page.split("<tbody>")[1]
