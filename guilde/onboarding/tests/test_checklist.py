"""Each checklist item ticks from real activity, made through each app's own services — and
not from a deleted or hidden post, nor from another community's activity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guilde.accounts import services as accounts
from guilde.accounts.tests.factories import set_profile
from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions import services as discussions
from guilde.discussions.models import Thread
from guilde.events import services as events
from guilde.events.models import Event
from guilde.events.tests.factories import EventFactory
from guilde.knowledge import services as knowledge
from guilde.knowledge.models import PathStep
from guilde.onboarding import selectors, services
from guilde.onboarding.tests.factories import also_in, joined

pytestmark = pytest.mark.django_db


def _done(community: Community, member_id: int) -> frozenset[str]:
    return selectors.progress(community, [member_id]).get(member_id, frozenset())


@pytest.fixture
def community() -> Community:
    return CommunityFactory.create()


@pytest.fixture
def coordinator(community: Community):
    return member_of(community, role="coordinator")


# profile --------------------------------------------------------------------------------------


def test_profile_ticks_with_a_name_a_bio_and_a_skill_or_a_language(community):
    newcomer = joined(community, display_name="")
    assert "profile" not in _done(community, newcomer.pk)
    set_profile(newcomer, display_name="Noor", bio="Service designer in Lyon.")
    assert "profile" not in _done(community, newcomer.pk)  # nothing about what they know yet
    accounts.skills_set(actor=newcomer, member=newcomer, kind="learning", names=["Blueprints"])
    assert "profile" in _done(community, newcomer.pk)
    accounts.skills_set(actor=newcomer, member=newcomer, kind="learning", names=[])
    set_profile(newcomer, display_name="Noor", bio="Service designer.", languages=["fr"])
    assert "profile" in _done(community, newcomer.pk)
    set_profile(newcomer, display_name="Noor", bio="", languages=["fr"])
    assert "profile" not in _done(community, newcomer.pk)  # "about me" emptied


# introduce ------------------------------------------------------------------------------------


def test_introduce_ticks_from_a_post_in_the_introductions_thread(community, coordinator):
    introductions = discussions.thread_create(
        actor=coordinator,
        community=community,
        kind="announcement",
        title="Introduce yourself",
        body="Who are you?",
    )
    other = discussions.thread_create(
        actor=coordinator, community=community, kind="discussion", title="Other", body="Chat"
    )
    services.onboarding_update(
        actor=coordinator,
        community=community,
        welcome="",
        starter_path=None,
        introductions=introductions,
        buddies=True,
    )
    newcomer = joined(community)
    discussions.post_create(actor=newcomer, thread=other, body="Not an introduction")
    assert "introduce" not in _done(community, newcomer.pk)
    hello = discussions.post_create(actor=newcomer, thread=introductions, body="Hi, I am Noor")
    assert "introduce" in _done(community, newcomer.pk)
    discussions.post_delete(actor=newcomer, post=hello)
    assert "introduce" not in _done(community, newcomer.pk)
    again = discussions.post_create(actor=newcomer, thread=introductions, body="Hi again")
    discussions.post_hide(actor=coordinator, post=again, reason="Oops")
    assert "introduce" not in _done(community, newcomer.pk)


def test_without_an_introductions_thread_any_first_post_here_ticks_it(community, coordinator):
    elsewhere = CommunityFactory.create()
    newcomer = joined(community)
    also_in(elsewhere, newcomer)
    discussions.thread_create(
        actor=newcomer, community=elsewhere, kind="discussion", title="Elsewhere", body="Hi"
    )
    assert "introduce" not in _done(community, newcomer.pk)
    thread = discussions.thread_create(
        actor=coordinator, community=community, kind="discussion", title="Tools", body="?"
    )
    discussions.post_create(actor=newcomer, thread=thread, body="I use pen and paper.")
    assert "introduce" in _done(community, newcomer.pk)


def test_a_hidden_introductions_thread_falls_back_to_any_post(community, coordinator):
    introductions = discussions.thread_create(
        actor=coordinator, community=community, kind="discussion", title="Hello", body="Hi all"
    )
    services.onboarding_update(
        actor=coordinator,
        community=community,
        welcome="",
        starter_path=None,
        introductions=introductions,
        buddies=True,
    )
    newcomer = joined(community)
    discussions.thread_create(
        actor=newcomer, community=community, kind="discussion", title="Mine", body="Hello"
    )
    assert "introduce" not in _done(community, newcomer.pk)
    discussions.post_hide(actor=coordinator, post=introductions.posts.get(position=1))
    assert "introduce" in _done(community, newcomer.pk)


# starter_path ---------------------------------------------------------------------------------


def _path(community: Community, coordinator, steps: int):
    path = knowledge.path_save(actor=coordinator, community=community, title="Start here")
    section = knowledge.section_add(actor=coordinator, path=path, title="Basics")
    for number in range(steps):
        knowledge.step_add(
            actor=coordinator,
            section=section,
            url=f"https://example.org/{number}",
            title=f"Read {number}",
        )
    return path


def test_starter_path_ticks_when_every_step_is_done(community, coordinator):
    path = _path(community, coordinator, 2)
    newcomer = joined(community)
    assert (
        "starter_path"
        not in selectors.welcome_get(viewer=newcomer, community=community).setup.items
    )
    services.onboarding_update(
        actor=coordinator,
        community=community,
        welcome="",
        starter_path=path,
        introductions=None,
        buddies=True,
    )
    # Another community's path, done entirely, does not count here.
    elsewhere = CommunityFactory.create()
    also_in(elsewhere, newcomer)
    other_path = _path(elsewhere, member_of(elsewhere, role="coordinator"), 1)
    for step in PathStep.objects.filter(section__path=other_path):
        knowledge.step_done_set(actor=newcomer, step=step, done=True)
    assert "starter_path" not in _done(community, newcomer.pk)
    first, second = PathStep.objects.filter(section__path=path).order_by("position")
    knowledge.step_done_set(actor=newcomer, step=first, done=True)
    assert "starter_path" not in _done(community, newcomer.pk)
    knowledge.step_done_set(actor=newcomer, step=second, done=True)
    assert "starter_path" in _done(community, newcomer.pk)
    # A step added later must be done too.
    knowledge.step_add(
        actor=coordinator, section=first.section, url="https://example.org/new", title="New"
    )
    assert "starter_path" not in _done(community, newcomer.pk)


def test_a_starter_path_without_steps_is_not_an_item(community, coordinator):
    path = _path(community, coordinator, 0)
    services.onboarding_update(
        actor=coordinator,
        community=community,
        welcome="",
        starter_path=path,
        introductions=None,
        buddies=True,
    )
    newcomer = joined(community)
    found = selectors.welcome_get(viewer=newcomer, community=community)
    assert found.items is not None
    assert [item.key for item in found.items] == ["profile", "introduce", "event", "question"]


# event ----------------------------------------------------------------------------------------


def test_event_ticks_from_a_seat_or_attendance_in_this_community(community, coordinator):
    newcomer = joined(community)
    elsewhere = CommunityFactory.create()
    also_in(elsewhere, newcomer)
    other_event = EventFactory.create(community=elsewhere)
    events.rsvp(actor=newcomer, event=other_event, response="in_person")
    assert "event" not in _done(community, newcomer.pk)

    full = EventFactory.create(community=community, capacity_in_person=0)
    waiting = events.rsvp(actor=newcomer, event=full, response="in_person")
    assert waiting.waitlisted
    assert "event" not in _done(community, newcomer.pk)

    meetup = EventFactory.create(community=community, created_by=coordinator, format="hybrid")
    events.rsvp(actor=newcomer, event=meetup, response="interested")
    assert "event" not in _done(community, newcomer.pk)
    events.rsvp(actor=newcomer, event=meetup, response="online")
    assert "event" in _done(community, newcomer.pk)
    events.event_cancel(actor=coordinator, event=meetup, reason="No room")
    assert "event" not in _done(community, newcomer.pk)


def test_event_ticks_from_attendance_marked_by_the_hosts(community, coordinator):
    newcomer = joined(community)
    now = timezone.now().replace(second=0, microsecond=0)
    happening = EventFactory.create(
        community=community,
        created_by=coordinator,
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=1),
    )
    events.attendance_mark(actor=coordinator, event=happening, member=newcomer, attendance="absent")
    assert "event" not in _done(community, newcomer.pk)
    events.attendance_mark(
        actor=coordinator, event=happening, member=newcomer, attendance="in_person"
    )
    assert "event" in _done(community, newcomer.pk)
    assert Event.objects.filter(community=community).count() == 1


# question -------------------------------------------------------------------------------------


def test_question_ticks_from_asking(community, coordinator):
    newcomer = joined(community)
    discussions.thread_create(
        actor=newcomer, community=community, kind="discussion", title="Chat", body="Hello"
    )
    assert "question" not in _done(community, newcomer.pk)
    asked = discussions.thread_create(
        actor=newcomer, community=community, kind="question", title="How?", body="How do I?"
    )
    assert "question" in _done(community, newcomer.pk)
    discussions.post_hide(actor=coordinator, post=asked.posts.get(position=1))
    assert "question" not in _done(community, newcomer.pk)


def test_question_ticks_from_answering_in_this_community_only(community, coordinator):
    newcomer = joined(community)
    elsewhere = CommunityFactory.create()
    also_in(elsewhere, newcomer)
    theirs = discussions.thread_create(
        actor=member_of(elsewhere), community=elsewhere, kind="question", title="Q", body="?"
    )
    discussions.post_create(actor=newcomer, thread=theirs, body="An answer elsewhere")
    assert "question" not in _done(community, newcomer.pk)
    question = discussions.thread_create(
        actor=coordinator, community=community, kind="question", title="Which tool?", body="?"
    )
    answer = discussions.post_create(actor=newcomer, thread=question, body="Miro.")
    assert "question" in _done(community, newcomer.pk)
    discussions.post_delete(actor=newcomer, post=answer)
    assert "question" not in _done(community, newcomer.pk)
    assert Thread.objects.get(pk=question.pk).kind == "question"


# A batch ---------------------------------------------------------------------------------------


def test_progress_of_many_members_costs_the_same_as_of_one(community, coordinator):
    question = discussions.thread_create(
        actor=coordinator, community=community, kind="question", title="Which tool?", body="?"
    )
    members = [joined(community) for _ in range(20)]
    for member in members[::2]:
        discussions.post_create(actor=member, thread=question, body="This one.")

    def count(ids: list[int]) -> int:
        with CaptureQueriesContext(connection) as queries:
            selectors.progress(community, ids)
        return len(queries)

    assert count([members[0].pk]) == count([m.pk for m in members])
    done = selectors.progress(community, [m.pk for m in members])
    assert [("question" in done[m.pk]) for m in members] == [i % 2 == 0 for i in range(20)]
