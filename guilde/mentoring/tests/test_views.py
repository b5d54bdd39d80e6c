"""Mentoring pages through the client: the coordinators' flow, the member's answers, the
pair's space; what each costs in queries; that a pair's notes reach nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guilde.accounts.tests.factories import PASSWORD, MemberFactory
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.mentoring import services
from guilde.mentoring.models import CheckIn, Match, Programme, Relationship
from guilde.mentoring.tests.factories import ProgrammeFactory, applicant, pair, relationship_for

pytestmark = pytest.mark.django_db
NOTE = "a very private check-in note"


def _client(member) -> Client:
    client = Client()
    client.login(username=member.username, password=PASSWORD)
    return client


@pytest.fixture
def running():
    community = CommunityFactory.create(visibility="private")
    coordinator = member_of(community, role="coordinator")
    programme = ProgrammeFactory.create(community=community, status=Programme.Status.RUNNING)
    match = pair(programme, status=Match.Status.PUBLISHED)
    relationship = relationship_for(match)
    CheckIn.objects.create(
        relationship=relationship,
        author=relationship.mentee,
        held_on=timezone.localdate(),
        notes=NOTE,
        next_steps="private next steps",
    )
    return community, coordinator, programme, relationship


def test_a_coordinator_runs_a_programme_through_the_pages(django_capture_on_commit_callbacks):
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    client = _client(coordinator)
    response = client.post(
        reverse("mentoring:create", args=[community.slug]),
        {
            "name": "Autumn",
            "weight_skills": 3,
            "weight_time_zone": 1,
            "weight_availability": 1,
            "weight_organisation": 0,
            "max_capacity": 2,
            "threshold": 0,
            "check_in_weeks": 3,
        },
    )
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == programme.get_absolute_url()
    slug, pk = community.slug, programme.pk
    assert (
        client.post(reverse("mentoring:move", args=[slug, pk]), {"status": "open"}).status_code
        == 302
    )
    programme.refresh_from_db()
    assert programme.status == "open"
    mentee, mentor = member_of(community), member_of(community)
    applicant(programme, "mentee", member=mentee)  # creates the topic
    page = _client(mentor).get(reverse("mentoring:apply", args=[slug, pk, "mentor"]))
    assert page.status_code == 200
    assert b"Python" in page.content
    response = _client(mentor).post(
        reverse("mentoring:apply", args=[slug, pk, "mentor"]),
        {"skills": ["Python"], "capacity": 2, "languages": ["en"], "availability": ["mon-evening"]},
    )
    assert response.status_code == 302, response.content
    client.post(reverse("mentoring:move", args=[slug, pk]), {"status": "matching"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mentoring:run", args=[slug, pk]))
    from guilde.core.testing import run_queued_tasks

    run_queued_tasks()
    review = client.get(reverse("mentoring:review", args=[slug, pk]))
    assert review.status_code == 200
    assert mentee.name.encode() in review.content
    assert b"Topics" in review.content
    client.post(reverse("mentoring:publish", args=[slug, pk]))
    match = Match.objects.get()
    assert match.status == "published"
    mine = _client(mentee).get(reverse("mentoring:mine"))
    assert mentor.name.encode() in mine.content
    _client(mentee).post(reverse("mentoring:answer", args=[match.pk]), {"accept": "1"})
    response = _client(mentor).post(reverse("mentoring:answer", args=[match.pk]), {"accept": "1"})
    relationship = Relationship.objects.get()
    assert response["Location"] == relationship.get_absolute_url()
    pair_client = _client(mentee)
    pair_client.post(reverse("mentoring:goal_add", args=[relationship.pk]), {"title": "Ship it"})
    pair_client.post(
        reverse("mentoring:check_in", args=[relationship.pk]),
        {"held_on": timezone.localdate().isoformat(), "notes": "We met", "next_steps": "Read"},
    )
    page = pair_client.get(relationship.get_absolute_url())
    assert b"Ship it" in page.content
    assert b"We met" in page.content


def test_members_apply_only_while_applications_are_open(running):
    community, _coordinator, _programme, _relationship = running
    closed = ProgrammeFactory.create(community=community, status="matching")
    member = _client(member_of(community))
    assert (
        member.get(
            reverse("mentoring:apply", args=[community.slug, closed.pk, "mentee"])
        ).status_code
        == 403
    )
    draft = ProgrammeFactory.create(community=community, status="draft")
    assert member.get(draft.get_absolute_url()).status_code == 404
    assert (
        member.get(reverse("mentoring:apply", args=[community.slug, closed.pk, "boss"])).status_code
        == 404
    )


def test_only_the_pair_reaches_their_space(running):
    community, coordinator, _programme, relationship = running
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    url = relationship.get_absolute_url()
    for stranger in (coordinator, admin, member_of(community)):
        client = _client(stranger)
        assert client.get(url).status_code == 404
        response = client.post(
            reverse("mentoring:check_in", args=[relationship.pk]),
            {"held_on": timezone.localdate().isoformat(), "notes": "intrusion"},
        )
        assert response.status_code == 404
    assert Client().get(url).status_code == 302  # to sign in
    for member in (relationship.mentor, relationship.mentee):
        page = _client(member).get(url)
        assert page.status_code == 200
        assert NOTE.encode() in page.content
    assert not CheckIn.objects.filter(notes="intrusion").exists()


def test_coordinators_and_administrators_see_counts_never_notes(running):
    community, coordinator, programme, relationship = running
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    pages = [
        programme.get_absolute_url(),
        reverse("mentoring:review", args=[community.slug, programme.pk]),
        reverse("mentoring:programmes", args=[community.slug]),
        reverse("mentoring:mine"),
    ]
    admin_pages = [
        reverse("admin:index"),
        reverse("admin:mentoring_programme_changelist"),
        reverse("admin:mentoring_programme_change", args=[programme.pk]),
        reverse("admin:mentoring_application_changelist"),
        reverse("admin:mentoring_application_change", args=[relationship.match.mentee_id]),
    ]
    for who, urls in ((coordinator, pages), (admin, pages + admin_pages)):
        client = _client(who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            assert NOTE.encode() not in response.content, url
            assert b"private next steps" not in response.content, url
    review = _client(coordinator).get(
        reverse("mentoring:review", args=[community.slug, programme.pk])
    )
    assert b"Check-ins" in review.content  # the count is there
    for model in ("relationship", "checkin", "goal", "resource", "feedback", "match"):
        assert _client(admin).get(f"/admin/mentoring/{model}/").status_code == 404


def test_search_never_finds_a_check_in_note(running):
    _community, coordinator, _programme, relationship = running
    for who in (coordinator, relationship.mentee, MemberFactory.create(is_staff=True)):
        response = _client(who).get(reverse("search:search"), {"q": "private check-in note"})
        assert response.status_code == 200
        assert NOTE.encode() not in response.content


def test_programme_list_costs_the_same_for_1_or_20_programmes():
    community = CommunityFactory.create()
    client = _client(member_of(community, role="coordinator"))

    def setup(n: int) -> None:
        while Programme.objects.filter(community=community).count() < n:
            programme = ProgrammeFactory.create(community=community)
            applicant(programme, "mentor")

    assert_constant_queries(
        setup=setup,
        action=lambda: client.get(reverse("mentoring:programmes", args=[community.slug])),
    )


def test_review_costs_the_same_for_1_or_20_pairs():
    community = CommunityFactory.create()
    programme = ProgrammeFactory.create(community=community, status="matching")
    client = _client(member_of(community, role="coordinator"))

    def setup(n: int) -> None:
        while programme.matches.count() < n:
            pair(programme)
            applicant(programme, "mentee")  # one without a pair
        while programme.matches.filter(status="published").count() < n:
            pair(programme, status="published")

    assert_constant_queries(
        setup=setup,
        action=lambda: client.get(reverse("mentoring:review", args=[community.slug, programme.pk])),
    )


def test_my_mentoring_costs_the_same_for_1_or_20_items():
    community = CommunityFactory.create()
    member = member_of(community)
    client = _client(member)

    def setup(n: int) -> None:
        while Relationship.objects.filter(mentee=member).count() < n:
            programme = ProgrammeFactory.create(community=community, status="running")
            relationship_for(
                pair(programme, mentee=applicant(programme, member=member), status="published")
            )
            other = ProgrammeFactory.create(community=community, status="running")
            pair(other, mentor=applicant(other, "mentor", member=member), status="published")

    assert_constant_queries(setup=setup, action=lambda: client.get(reverse("mentoring:mine")))


def test_relationship_page_costs_the_same_for_1_or_20_entries():
    community = CommunityFactory.create()
    programme = ProgrammeFactory.create(community=community, status="running")
    relationship = relationship_for(pair(programme, status="published"))
    client = _client(relationship.mentee)

    def setup(n: int) -> None:
        while relationship.check_ins.count() < n:
            services.goal_add(actor=relationship.mentee, relationship=relationship, title="Goal")
            services.check_in_add(
                actor=relationship.mentor,
                relationship=relationship,
                held_on=timezone.localdate() - timedelta(days=0),
                notes="n",
            )
            services.resource_add(
                actor=relationship.mentee, relationship=relationship, url="https://example.org/"
            )

    assert_constant_queries(setup=setup, action=lambda: client.get(relationship.get_absolute_url()))


def test_pairs_are_told_in_the_app_and_by_mail(mailoutbox, django_capture_on_commit_callbacks):
    from guilde.core.testing import run_queued_tasks

    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    programme = ProgrammeFactory.create(community=community, status="matching")
    match = pair(programme)
    with django_capture_on_commit_callbacks(execute=True):
        services.programme_publish(actor=coordinator, programme=programme)
    mentee = match.mentee.member
    page = _client(mentee).get(reverse("notifications:list"))
    assert b"A mentoring pair is proposed to you in" in page.content
    assert reverse("mentoring:mine").encode() in page.content
    from datetime import timedelta as later

    from guilde.notifications.mail import send_due_emails

    with django_capture_on_commit_callbacks(execute=True):
        send_due_emails(now=timezone.now() + later(hours=1))
    run_queued_tasks()
    [told] = [m for m in mailoutbox if mentee.email in m.to]
    assert programme.name in told.body
    assert NOTE not in told.body
