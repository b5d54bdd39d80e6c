"""Buddies: who may be one, the deterministic ranking, suggesting, accepting (the buddy is
told) and declining (never the same one again)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from guilde.accounts import services as accounts
from guilde.accounts.tests.factories import set_profile
from guilde.communities.models import Community, Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.conversations import services as conversations
from guilde.notifications.models import Notification
from guilde.onboarding import buddies, services
from guilde.onboarding.buddies import Candidate, rank
from guilde.onboarding.models import Buddy
from guilde.onboarding.tests.factories import active_member, joined

pytestmark = pytest.mark.django_db
LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def community() -> Community:
    return CommunityFactory.create()


def test_the_ranking_is_deterministic_and_puts_a_shared_language_first():
    def candidate(pk: int, **shared: object) -> Candidate:
        return Candidate(member_id=pk, joined_at=LONG_AGO + timedelta(days=pk), **shared)  # type: ignore[arg-type]

    everything_but_language = candidate(
        1, shared_terms=5, hours_apart=0, open_to_mentor=True, open_to_questions=True
    )
    language = candidate(2, shared_languages=1)
    language_and_zone = candidate(3, shared_languages=2, hours_apart=2.5)
    assert language_and_zone.score == 13
    assert everything_but_language.score == 11
    ranked = rank([everything_but_language, language, language_and_zone])
    assert [c.member_id for c in ranked] == [3, 2, 1]
    # Already buddying newcomers counts against (at most −3): suggestions spread.
    busy = candidate(4, shared_languages=1, load=7)
    assert busy.score == 9
    # Ties: the longest membership first, then the oldest account — whatever the input order.
    tied = [candidate(9, open_to_mentor=True), candidate(8, open_to_mentor=True)]
    assert [c.member_id for c in rank(tied)] == [8, 9]
    assert rank(list(reversed(tied))) == rank(tied)


def test_only_active_members_beyond_the_edge_may_be_suggested(community):
    newcomer = joined(community)
    other_newcomer = joined(community, days_ago=2)
    active_member(community, username="core")
    quiet = joined(community, days_ago=400, username="quiet")  # nothing in 30 days
    blocker = active_member(community, username="blocker")
    blocked = active_member(community, username="blocked")
    suspended = active_member(community, username="suspended")
    conversations.block_set(blocker=blocker, blocked=newcomer, on=True)
    conversations.block_set(blocker=newcomer, blocked=blocked, on=True)
    Membership.objects.filter(community=community, member=suspended).update(
        suspended_at=timezone.now()
    )
    # Active elsewhere only does not count.
    elsewhere = CommunityFactory.create()
    away = joined(community, days_ago=400, username="away")
    Membership.objects.create(community=elsewhere, member=away, joined_at=timezone.now())
    active_member(elsewhere, username="stranger")
    from guilde.discussions import services as discussions

    discussions.thread_create(
        actor=away, community=elsewhere, kind="discussion", title="Away", body="Here"
    )
    found = buddies.candidates(community, newcomer, timezone.now())
    names = {m.username for m in type(newcomer).objects.filter(pk__in=[c.member_id for c in found])}
    assert names == {"core"}
    assert other_newcomer.username not in names
    assert quiet.username not in names


def test_the_suggestion_prefers_shared_language_terms_and_zone(community):
    newcomer = joined(community, username="newcomer")
    set_profile(newcomer, languages=["pt"], time_zone="America/Sao_Paulo")
    accounts.skills_set(actor=newcomer, member=newcomer, kind="learning", names=["Kanban"])
    mentor = active_member(community, username="mentor")
    set_profile(mentor, open_to_mentor=True, open_to_questions=True)
    kanban = active_member(community, username="kanban")
    accounts.skills_set(actor=kanban, member=kanban, kind="skill", names=["Kanban"])
    speaker = active_member(community, username="speaker")
    set_profile(speaker, languages=["pt", "en"], time_zone="Europe/Lisbon")
    hidden = active_member(community, username="hidden")
    set_profile(
        hidden,
        languages=["pt"],
        time_zone="America/Sao_Paulo",
        field_visibility={"languages": "private", "time_zone": "private"},
    )
    ranked = rank(buddies.candidates(community, newcomer, timezone.now()))
    by_pk = {speaker.pk: "speaker", kanban.pk: "kanban", mentor.pk: "mentor", hidden.pk: "hidden"}
    assert [by_pk[c.member_id] for c in ranked] == ["speaker", "mentor", "kanban", "hidden"]
    # A language or zone the candidate keeps to themself is not used.
    assert ranked[-1].score == 0
    suggested = services.buddy_suggest(newcomer=newcomer, community=community)
    assert suggested is not None
    assert suggested.buddy == speaker
    assert suggested.status == Buddy.Status.SUGGESTED
    # Opening the page again keeps the same suggestion.
    again = services.buddy_suggest(newcomer=newcomer, community=community)
    assert again is not None
    assert again.pk == suggested.pk


def test_accepting_tells_the_buddy_and_declining_never_suggests_them_again(community):
    newcomer = joined(community)
    first = active_member(community)
    second = active_member(community)
    suggestion = services.buddy_suggest(newcomer=newcomer, community=community)
    assert suggestion is not None
    assert suggestion.buddy == first  # the longest membership wins a tie
    declined = services.buddy_answer(actor=newcomer, community=community, accept=False)
    assert declined.status == Buddy.Status.DECLINED
    assert declined.answered_at is not None
    assert not Notification.objects.filter(recipient=first).exists()

    following = services.buddy_suggest(newcomer=newcomer, community=community)
    assert following is not None
    assert following.buddy == second
    accepted = services.buddy_answer(actor=newcomer, community=community, accept=True)
    assert accepted.status == Buddy.Status.ACCEPTED
    told = Notification.objects.get(recipient=second)
    assert (told.kind, told.actor, told.community) == ("onboarding", newcomer, community)
    # Accepted stays; nobody else is suggested; nothing left to answer.
    assert services.buddy_suggest(newcomer=newcomer, community=community) == accepted
    with pytest.raises(ValidationError):
        services.buddy_answer(actor=newcomer, community=community, accept=True)

    # Once both were declined or taken, nobody is left: no suggestion.
    other = joined(community)
    services.buddy_suggest(newcomer=other, community=community)
    services.buddy_answer(actor=other, community=community, accept=False)
    services.buddy_suggest(newcomer=other, community=community)
    services.buddy_answer(actor=other, community=community, accept=False)
    assert services.buddy_suggest(newcomer=other, community=community) is None
    assert Buddy.objects.filter(community=community, newcomer=other).count() == 2


def test_a_suggestion_gives_way_when_its_member_may_no_longer_be_a_buddy(community):
    newcomer = joined(community)
    first = active_member(community)
    second = active_member(community)
    assert services.buddy_suggest(newcomer=newcomer, community=community).buddy == first  # type: ignore[union-attr]
    conversations.block_set(blocker=first, blocked=newcomer, on=True)
    replaced = services.buddy_suggest(newcomer=newcomer, community=community)
    assert replaced is not None
    assert replaced.buddy == second


def test_no_buddy_when_the_community_turned_them_off_or_after_the_newcomer_period(community):
    coordinator = member_of(community, role="coordinator")
    active_member(community)
    services.onboarding_update(
        actor=coordinator,
        community=community,
        welcome="",
        starter_path=None,
        introductions=None,
        buddies=False,
    )
    assert services.buddy_suggest(newcomer=joined(community), community=community) is None
    services.onboarding_update(
        actor=coordinator,
        community=community,
        welcome="",
        starter_path=None,
        introductions=None,
        buddies=True,
    )
    settled = joined(community, days_ago=community.newcomer_days + 1)
    assert services.buddy_suggest(newcomer=settled, community=community) is None


def test_only_members_have_buddies(community):
    outsider = member_of(CommunityFactory.create())
    with pytest.raises(PermissionDenied):
        services.buddy_suggest(newcomer=outsider, community=community)
    with pytest.raises(PermissionDenied):
        services.buddy_answer(actor=outsider, community=community, accept=True)
