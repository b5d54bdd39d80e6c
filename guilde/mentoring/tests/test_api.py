"""The mentoring API: lists at a fixed cost, each operation's refusals, the privacy of the
pair's notes (walking every GET operation as everyone but the pair), and the whole flow
from a new programme to the pair's feedback."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from guilde.accounts.models import User
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries, run_queued_tasks
from guilde.mentoring.models import (
    Application,
    CheckIn,
    Feedback,
    Goal,
    Match,
    Programme,
    Relationship,
    Resource,
)
from guilde.mentoring.tests.factories import (
    ProgrammeFactory,
    applicant,
    pair,
    relationship_for,
    topic,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


def signed_in_as(member: User | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def send(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, data or {}, content_type="application/json")


def private_community() -> Community:
    return CommunityFactory.create(visibility="private", join_policy="approval")


def admin() -> User:
    return MemberFactory.create(is_staff=True, is_superuser=True)


PROGRAMME = {"name": "Spring mentoring", "description": "Pairs *for* the spring."}
APPLICATION = {"topics": ["Python"], "languages": ["en"], "availability": ["mon-evening"]}


# Lists cost the same for 1 item or 20 ----------------------------------------------------------


def test_programme_list_costs_the_same_queries_for_1_or_20(client):
    community = CommunityFactory.create()
    client.force_login(member_of(community, role="coordinator"))
    url = f"{API}/communities/{community.slug}/mentoring/programmes"

    def setup(count: int) -> None:
        while Programme.objects.count() < count:
            number = Programme.objects.count()
            statuses = list(Programme.Status)
            programme = ProgrammeFactory.create(
                community=community, status=statuses[number % len(statuses)]
            )
            applicant(programme, "mentor")
            applicant(programme, "mentee")

    assert_constant_queries(setup=setup, action=partial(client.get, url))
    rows = client.get(url).json()
    assert len(rows) == 20
    assert rows[0]["mentors"] == rows[0]["mentees"] == 1
    assert "draft" in {row["status"] for row in rows}
    client.force_login(member_of(community))
    assert "draft" not in {row["status"] for row in client.get(url).json()}


def test_application_list_costs_the_same_queries_for_1_or_20(client):
    programme = ProgrammeFactory.create()
    client.force_login(member_of(programme.community, role="coordinator"))
    avoided = member_of(programme.community)
    url = f"{API}/mentoring/programmes/{programme.pk}/applications"

    def setup(count: int) -> None:
        while programme.applications.count() < count:
            role = ("mentor", "mentee")[programme.applications.count() % 2]
            application = applicant(programme, role, topics=("Python", "Rust"))
            if role == "mentee":
                application.avoid.set([avoided])

    assert_constant_queries(setup=setup, action=partial(client.get, url))
    body = client.get(url).json()
    assert len(body["results"]) == 20
    mentees = client.get(url, {"role": "mentee"}).json()["results"]
    assert len(mentees) == 10
    assert mentees[0]["topics"] == ["Python", "Rust"]
    assert mentees[0]["avoid"] == [avoided.username]
    assert set(mentees[0]["person"]) == {"username", "name"}


def test_match_list_costs_the_same_queries_for_1_or_20_and_pages_over_equal_scores(client):
    programme = ProgrammeFactory.create(status=Programme.Status.MATCHING)
    client.force_login(member_of(programme.community, role="coordinator"))
    url = f"{API}/mentoring/programmes/{programme.pk}/matches"

    def setup(count: int) -> None:
        while programme.matches.count() < count:
            pair(programme, score=0.5 if programme.matches.count() % 3 else 0.9)

    assert_constant_queries(setup=setup, action=partial(client.get, url))
    first = client.get(url).json()["results"][0]
    assert first["score"] == 0.9
    assert set(first["breakdown"]) == {"skills", "time_zone", "availability", "organisation"}
    assert {"application", "person", "answer"} <= set(first["mentee"])
    seen: list[int] = []
    page: str | None = f"{url}?page_size=3"
    while page:
        body = client.get(page).json()
        seen.extend(row["id"] for row in body["results"])
        page = body["next"]
    assert sorted(seen) == sorted(programme.matches.values_list("pk", flat=True))


def test_relationship_list_costs_the_same_queries_for_1_or_20(client):
    programme = ProgrammeFactory.create(status=Programme.Status.RUNNING)
    mentor = applicant(programme, "mentor", capacity=20)
    client.force_login(mentor.member)
    url = f"{API}/mentoring/relationships"

    def setup(count: int) -> None:
        while Relationship.objects.count() < count:
            relationship_for(pair(programme, mentor=mentor, status=Match.Status.PUBLISHED))

    assert_constant_queries(setup=setup, action=partial(client.get, url))
    rows = client.get(url).json()["results"]
    assert len(rows) == 20
    assert rows[0]["my_side"] == "mentor"
    assert rows[0]["programme"] == {
        "id": programme.pk,
        "name": programme.name,
        "community": programme.community.slug,
    }


def test_check_ins_and_relationship_detail_cost_the_same_queries_for_1_or_20(client):
    programme = ProgrammeFactory.create(status=Programme.Status.RUNNING)
    relationship = relationship_for(pair(programme, status=Match.Status.PUBLISHED))
    client.force_login(relationship.mentee)
    today = timezone.localdate()

    def setup(count: int) -> None:
        while relationship.check_ins.count() < count:
            number = relationship.check_ins.count()
            author = (relationship.mentor, relationship.mentee)[number % 2]
            CheckIn.objects.create(
                relationship=relationship, author=author, held_on=today, notes=f"note {number}"
            )
            Goal.objects.create(
                relationship=relationship, title=f"Goal {number}", created_by=author
            )
            Resource.objects.create(
                relationship=relationship, added_by=author, url=f"https://example.org/{number}"
            )
            if number < 2:
                Feedback.objects.create(relationship=relationship, member=author, rating=4)

    for url in (
        f"{API}/mentoring/relationships/{relationship.pk}/check-ins",
        f"{API}/mentoring/relationships/{relationship.pk}",
    ):
        CheckIn.objects.all().delete()
        Goal.objects.all().delete()
        Resource.objects.all().delete()
        Feedback.objects.all().delete()
        assert_constant_queries(setup=setup, action=partial(client.get, url))
    detail = client.get(f"{API}/mentoring/relationships/{relationship.pk}").json()
    assert len(detail["goals"]) == len(detail["check_ins"]) == len(detail["resources"]) == 20
    assert {f["person"]["username"] for f in detail["feedback"]} == {
        relationship.mentor.username,
        relationship.mentee.username,
    }
    assert detail["check_ins"][0]["author"] in (detail["mentor"], detail["mentee"])


# Programmes -----------------------------------------------------------------------------------


def test_programmes_are_created_changed_and_moved_by_coordinators_only():
    community = private_community()
    coordinator = member_of(community, role="coordinator")
    member = member_of(community)
    url = f"{API}/communities/{community.slug}/mentoring/programmes"
    assert send(signed_in_as(None), "post", url, PROGRAMME).status_code == 401
    assert send(signed_in_as(MemberFactory.create()), "post", url, PROGRAMME).status_code == 404
    assert send(signed_in_as(member), "post", url, PROGRAMME).status_code == 403
    as_coordinator = signed_in_as(coordinator)
    backwards = {**PROGRAMME, "starts_on": "2027-03-01", "ends_on": "2027-02-01"}
    refused = send(as_coordinator, "post", url, backwards)
    assert refused.status_code == 422
    assert "cannot end before it starts" in refused.json()["detail"]
    weightless = {**PROGRAMME, "weight_skills": 0, "weight_time_zone": 0,
                  "weight_availability": 0, "weight_organisation": 0}  # fmt: skip
    assert send(as_coordinator, "post", url, weightless).status_code == 422
    made = send(as_coordinator, "post", url, PROGRAMME)
    assert made.status_code == 201, made.content
    programme = made.json()
    assert programme["status"] == "draft"
    assert "<em>for</em>" in programme["description_html"]
    detail = f"{API}/mentoring/programmes/{programme['id']}"

    as_member = signed_in_as(member)
    assert as_member.get(detail).status_code == 404  # a draft
    assert as_member.get(url).json() == []
    assert send(as_member, "put", detail, PROGRAMME).status_code == 404
    changed = send(
        as_coordinator, "put", detail, {**PROGRAMME, "name": "Autumn", "max_capacity": 2}
    )
    assert changed.json()["name"] == "Autumn"
    assert changed.json()["max_capacity"] == 2
    skipping = send(as_coordinator, "post", f"{detail}/status", {"status": "matching"})
    assert skipping.status_code == 422
    assert (
        send(as_coordinator, "post", f"{detail}/status", {"status": "running"}).status_code == 422
    )
    opened = send(as_coordinator, "post", f"{detail}/status", {"status": "open"})
    assert opened.json()["status"] == "open"
    assert opened.json()["accepts_applications"] is True
    assert as_member.get(detail).status_code == 200
    assert signed_in_as(None).get(detail).status_code == 404  # a private community
    assert signed_in_as(None).get(url).status_code == 404
    assert send(as_member, "put", detail, PROGRAMME).status_code == 403
    assert send(as_member, "post", f"{detail}/status", {"status": "draft"}).status_code == 403
    assert as_member.get(f"{detail}/health").status_code == 403
    assert signed_in_as(admin()).get(f"{detail}/health").status_code == 200


# Applications ---------------------------------------------------------------------------------


def test_members_apply_change_read_and_withdraw_their_own_application():
    programme = ProgrammeFactory.create(max_capacity=3)
    topic(programme, "Python")
    member = member_of(programme.community)
    avoided = member_of(programme.community)
    url = f"{API}/mentoring/programmes/{programme.pk}/applications"
    as_member = signed_in_as(member)
    assert as_member.get(f"{url}/mentee").status_code == 404
    assert signed_in_as(None).get(f"{url}/mentee").status_code == 401
    assert (
        send(as_member, "put", f"{url}/mentee", {**APPLICATION, "topics": ["Cobol"]}).status_code
        == 422
    )
    slot = send(as_member, "put", f"{url}/mentee", {**APPLICATION, "availability": ["mon-night"]})
    assert slot.status_code == 422
    assert "mon-night" in slot.json()["detail"]
    assert (
        send(as_member, "put", f"{url}/mentor", {**APPLICATION, "capacity": 5}).status_code == 422
    )
    assert (
        send(
            as_member, "put", f"{url}/mentee", {**APPLICATION, "avoid": ["nobody-here"]}
        ).status_code
        == 422
    )
    assert send(as_member, "put", f"{url}/coach", APPLICATION).status_code == 422
    applied = send(
        as_member,
        "put",
        f"{url}/mentee",
        {**APPLICATION, "topics": ["python"], "availability": ["wed-evening", "mon-morning"],
         "goals": "Ship a library", "avoid": [avoided.username]},
    )  # fmt: skip
    assert applied.status_code == 200, applied.content
    mine = applied.json()
    assert mine["topics"] == ["Python"]
    assert mine["availability"] == ["mon-morning", "wed-evening"]
    assert mine["avoid"] == [avoided.username]
    assert mine["person"] == {"username": member.username, "name": member.name}
    again = send(as_member, "put", f"{url}/mentee", {**APPLICATION, "goals": "Changed"})
    assert again.json()["id"] == mine["id"]
    assert as_member.get(f"{url}/mentee").json()["goals"] == "Changed"
    assert as_member.get(url).status_code == 403  # everyone's: coordinators only
    assert send(signed_in_as(admin()), "put", f"{url}/mentor", APPLICATION).status_code == 403

    assert send(as_member, "delete", f"{url}/mentee").status_code == 204
    assert as_member.get(f"{url}/mentee").json()["status"] == "withdrawn"
    assert send(as_member, "delete", f"{url}/mentor").status_code == 404
    send(as_member, "put", f"{url}/mentee", APPLICATION)
    Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.MATCHING)
    assert send(as_member, "delete", f"{url}/mentee").status_code == 422
    assert send(as_member, "put", f"{url}/mentee", APPLICATION).status_code == 403  # closed
    draft = ProgrammeFactory.create(community=programme.community, status=Programme.Status.DRAFT)
    draft_url = f"{API}/mentoring/programmes/{draft.pk}/applications/mentee"
    assert send(as_member, "put", draft_url, APPLICATION).status_code == 404


# The matching and its review -------------------------------------------------------------------


def test_reviewing_pairs_is_for_coordinators_and_refuses_what_the_rules_forbid(
    django_capture_on_commit_callbacks,
):
    programme = ProgrammeFactory.create(status=Programme.Status.OPEN)
    other = ProgrammeFactory.create(community=programme.community, status=Programme.Status.MATCHING)
    coordinator = member_of(programme.community, role="coordinator")
    member = member_of(programme.community)
    proposed = pair(programme)
    elsewhere = pair(other)
    base = f"{API}/mentoring/programmes/{programme.pk}"
    as_coordinator, as_member = signed_in_as(coordinator), signed_in_as(member)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        early = send(as_coordinator, "post", f"{base}/matching")
    assert early.status_code == 422
    assert callbacks == []
    Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.MATCHING)
    assert send(as_member, "post", f"{base}/matching").status_code == 403
    assert as_member.get(f"{base}/matches").status_code == 403
    assert as_member.get(f"{API}/mentoring/matches/{proposed.pk}").status_code == 404
    lock = f"{API}/mentoring/matches/{proposed.pk}/lock"
    assert send(as_member, "post", lock, {"locked": True}).status_code == 404
    assert send(as_member, "delete", f"{API}/mentoring/matches/{proposed.pk}").status_code == 404
    swap = {"first": proposed.pk, "second": elsewhere.pk}
    assert send(as_member, "post", f"{base}/matches/swap", swap).status_code == 403
    assert send(as_coordinator, "post", f"{base}/matches/swap", swap).status_code == 404
    same = {"first": proposed.pk, "second": proposed.pk}
    assert send(as_coordinator, "post", f"{base}/matches/swap", same).status_code == 422
    foreign = {"mentee": proposed.mentee_id, "mentor": elsewhere.mentor_id}
    assert send(as_coordinator, "post", f"{base}/matches", foreign).status_code == 422
    backwards = {"mentee": proposed.mentor_id, "mentor": proposed.mentee_id}
    assert send(as_coordinator, "post", f"{base}/matches", backwards).status_code == 422
    assert send(as_member, "post", f"{base}/publish").status_code == 403
    assert send(as_coordinator, "post", lock, {"locked": True}).json()["locked"] is True

    assert send(as_coordinator, "post", f"{base}/publish").json() == {"published": 1}
    assert send(as_coordinator, "post", f"{base}/publish").status_code == 422  # none left
    assert send(as_coordinator, "post", lock, {"locked": False}).status_code == 422
    published = f"{API}/mentoring/matches/{proposed.pk}"
    assert send(as_coordinator, "delete", published).status_code == 422
    # The pair now sees it and answers once; nobody else may.
    assert signed_in_as(proposed.mentee.member).get(published).status_code == 200
    assert send(as_member, "post", f"{published}/answer", {"accept": True}).status_code == 404
    assert send(as_coordinator, "post", f"{published}/answer", {"accept": True}).status_code == 403
    mentee = signed_in_as(proposed.mentee.member)
    assert (
        send(mentee, "post", f"{published}/answer", {"accept": True}).json()["mentee"]["answer"]
        == "accepted"
    )
    assert send(mentee, "post", f"{published}/answer", {"accept": True}).status_code == 403

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        asked = send(as_coordinator, "post", f"{base}/matching")
    assert asked.status_code == 202
    assert len(callbacks) == 1


def test_declining_sends_the_mentee_back_to_the_matching(django_capture_on_commit_callbacks):
    programme = ProgrammeFactory.create(status=Programme.Status.RUNNING)
    match = pair(programme, status=Match.Status.PUBLISHED)
    spare = applicant(programme, "mentor")
    url = f"{API}/mentoring/matches/{match.pk}/answer"
    with django_capture_on_commit_callbacks(execute=True):
        declined = send(signed_in_as(match.mentor.member), "post", url, {"accept": False})
    assert declined.json()["status"] == "declined"
    run_queued_tasks()
    again = Match.objects.get(mentee=match.mentee, status=Match.Status.PROPOSED)
    assert again.mentor == spare
    assert send(signed_in_as(match.mentee.member), "post", url, {"accept": True}).status_code == 403


# Relationships ----------------------------------------------------------------------------------


def test_a_relationship_is_its_pairs_alone():
    programme = ProgrammeFactory.create(status=Programme.Status.RUNNING)
    relationship = relationship_for(pair(programme, status=Match.Status.PUBLISHED))
    other = relationship_for(pair(programme, status=Match.Status.PUBLISHED))
    foreign_goal = Goal.objects.create(relationship=other, title="Theirs")
    url = f"{API}/mentoring/relationships/{relationship.pk}"
    outsiders = [
        member_of(programme.community, role="coordinator"),
        admin(),
        member_of(programme.community),
        other.mentor,
    ]
    for outsider in outsiders:
        client = signed_in_as(outsider)
        assert client.get(url).status_code == 404, outsider
        assert client.get(f"{url}/check-ins").status_code == 404
        assert send(client, "post", f"{url}/goals", {"title": "Mine"}).status_code == 404
        assert send(client, "post", f"{url}/finish").status_code == 404
        assert send(client, "put", f"{url}/feedback", {"rating": 5}).status_code == 404
        assert relationship.pk not in [
            row["id"] for row in client.get(f"{API}/mentoring/relationships").json()["results"]
        ]
    assert signed_in_as(None).get(url).status_code == 401

    mentee = signed_in_as(relationship.mentee)
    tomorrow_but_one = (timezone.localdate() + timedelta(days=3)).isoformat()
    late = send(mentee, "post", f"{url}/check-ins", {"held_on": tomorrow_but_one})
    assert late.status_code == 422
    assert (
        send(mentee, "post", f"{url}/resources", {"url": "ftp://example.org/x"}).status_code == 422
    )
    assert (
        send(mentee, "put", f"{url}/goals/{foreign_goal.pk}", {"status": "done"}).status_code == 404
    )
    assert send(mentee, "put", f"{url}/feedback", {"rating": 5}).status_code == 403  # still active
    assert send(mentee, "post", f"{url}/finish").json()["status"] == "finished"
    assert send(mentee, "post", f"{url}/goals", {"title": "Too late"}).status_code == 403
    assert send(mentee, "put", f"{url}/feedback", {"rating": 6}).status_code == 422
    assert send(mentee, "put", f"{url}/feedback", {"rating": 5}).json()["rating"] == 5


NOTE = "the private words of the pair's check-in"


def _mentoring_get_operations() -> list[str]:
    from guilde.api.api import api

    paths = api.get_openapi_schema()["paths"]
    return [
        path
        for path, operations in paths.items()
        if "get" in operations and "mentoring" in operations["get"].get("tags", [])
    ]


def test_a_check_in_note_reaches_the_pair_only_through_every_get_operation():
    community = CommunityFactory.create()
    programme = ProgrammeFactory.create(community=community, status=Programme.Status.RUNNING)
    relationship = relationship_for(pair(programme, status=Match.Status.PUBLISHED))
    CheckIn.objects.create(
        relationship=relationship,
        author=relationship.mentee,
        held_on=timezone.localdate(),
        notes=NOTE,
        next_steps=NOTE,
    )
    Goal.objects.create(relationship=relationship, title="Learn the API")
    values = {
        "slug": community.slug,
        "programme_id": programme.pk,
        "match_id": relationship.match_id,
        "relationship_id": relationship.pk,
        "goal_id": relationship.goals.get().pk,
    }
    operations = _mentoring_get_operations()
    assert len(operations) >= 10
    urls = [
        path.format(**values, role=role)
        for path in operations
        for role in (("mentor", "mentee") if "{role}" in path else ("",))
    ]
    others: dict[str, User | None] = {
        "coordinator": member_of(community, role="coordinator"),
        "admin": admin(),
        "member": member_of(community),
        "anonymous": None,
    }
    for name, person in others.items():
        client = signed_in_as(person)
        for url in urls:
            response = client.get(url)
            assert NOTE.encode() not in response.content, (name, url)
    health = signed_in_as(others["coordinator"]).get(
        f"{API}/mentoring/programmes/{programme.pk}/health"
    )
    assert health.json()["check_ins"] == 1  # counts, never contents

    for person in (relationship.mentor, relationship.mentee):
        client = signed_in_as(person)
        shown = [url for url in urls if NOTE.encode() in client.get(url).content]
        assert shown == [
            f"{API}/mentoring/relationships/{relationship.pk}",
            f"{API}/mentoring/relationships/{relationship.pk}/check-ins",
        ]


# The whole flow ---------------------------------------------------------------------------------


def test_from_a_new_programme_to_the_pairs_feedback(django_capture_on_commit_callbacks):
    from guilde.knowledge import services as knowledge

    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    people = {name: member_of(community) for name in ("ada", "bob", "cleo", "dan")}
    clients = {name: signed_in_as(person) for name, person in people.items()}
    boss = signed_in_as(coordinator)
    made = send(boss, "post", f"{API}/communities/{community.slug}/mentoring/programmes",
                {**PROGRAMME, "max_capacity": 1})  # fmt: skip
    base = f"{API}/mentoring/programmes/{made.json()['id']}"
    programme = Programme.objects.get(pk=made.json()["id"])
    topic(programme, "Python")
    topic(programme, "Rust")
    assert send(boss, "post", f"{base}/status", {"status": "open"}).status_code == 200

    # Ada and Bob mentor Python and Rust; Cleo and Dan want to learn them.
    for name, role, wanted in (
        ("ada", "mentor", "Python"),
        ("bob", "mentor", "Rust"),
        ("cleo", "mentee", "Python"),
        ("dan", "mentee", "Rust"),
    ):
        applied = send(clients[name], "put", f"{base}/applications/{role}",
                       {**APPLICATION, "topics": [wanted]})  # fmt: skip
        assert applied.status_code == 200, applied.content
    applications = {
        a.member.username: a.pk for a in Application.objects.filter(programme=programme)
    }
    ada, bob, cleo, dan = (applications[people[n].username] for n in ("ada", "bob", "cleo", "dan"))
    listed = boss.get(f"{base}/applications", {"role": "mentor"}).json()["results"]
    assert {row["id"] for row in listed} == {ada, bob}

    assert send(boss, "post", f"{base}/status", {"status": "matching"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert send(boss, "post", f"{base}/matching").status_code == 202
    assert run_queued_tasks() >= 1
    matches = boss.get(f"{base}/matches").json()["results"]
    pairs = {(m["mentee"]["application"], m["mentor"]["application"]) for m in matches}
    assert pairs == {(cleo, ada), (dan, bob)}
    assert all(m["breakdown"]["skills"] > 0 and not m["locked"] for m in matches)

    # The coordinator tries the crossed pairs, takes one out, then assigns the first ones back.
    swapped = send(boss, "post", f"{base}/matches/swap",
                   {"first": matches[0]["id"], "second": matches[1]["id"]}).json()  # fmt: skip
    assert {(m["mentee"]["application"], m["mentor"]["application"]) for m in swapped} == {
        (cleo, bob),
        (dan, ada),
    }
    assert all(m["locked"] for m in swapped)
    full = send(boss, "post", f"{base}/matches", {"mentee": cleo, "mentor": ada})
    assert full.status_code == 422  # Ada's one place is Dan's
    crossed = next(m for m in swapped if m["mentee"]["application"] == cleo)
    assert send(boss, "delete", f"{API}/mentoring/matches/{crossed['id']}").status_code == 204
    assert send(boss, "post", f"{base}/matches", {"mentee": dan, "mentor": bob}).status_code == 201
    assigned = send(boss, "post", f"{base}/matches", {"mentee": cleo, "mentor": ada})
    assert assigned.status_code == 201
    assert assigned.json()["locked"] is True
    unlocked = send(boss, "post", f"{API}/mentoring/matches/{assigned.json()['id']}/lock",
                    {"locked": False})  # fmt: skip
    assert unlocked.json()["locked"] is False

    assert send(boss, "post", f"{base}/publish").json() == {"published": 2}
    assert boss.get(base).json()["status"] == "running"
    match_url = f"{API}/mentoring/matches/{assigned.json()['id']}"
    assert clients["dan"].get(match_url).status_code == 404
    for name in ("cleo", "ada"):
        answered = send(clients[name], "post", f"{match_url}/answer", {"accept": True})
        assert answered.status_code == 200
    assert answered.json()["status"] == "accepted"

    mine = clients["cleo"].get(f"{API}/mentoring/relationships").json()["results"]
    assert [(r["my_side"], r["mentor"]["username"]) for r in mine] == [
        ("mentee", people["ada"].username)
    ]
    url = f"{API}/mentoring/relationships/{mine[0]['id']}"
    goal = send(clients["cleo"], "post", f"{url}/goals", {"title": "Write a parser"})
    assert goal.status_code == 201
    assert goal.json()["created_by"]["username"] == people["cleo"].username
    done = send(clients["ada"], "put", f"{url}/goals/{goal.json()['id']}", {"status": "done"})
    assert done.json()["status"] == "done"
    check_in = send(clients["ada"], "post", f"{url}/check-ins",
                    {"held_on": timezone.localdate().isoformat(), "notes": "Went well",
                     "next_steps": "Read chapter 3"})  # fmt: skip
    assert check_in.status_code == 201
    article = knowledge.article_create(
        actor=coordinator, community=community, kind="guide", title="Parsing", body="How to",
        publish_now=True,
    )  # fmt: skip
    resource = send(clients["ada"], "post", f"{url}/resources",
                    {"url": article.get_absolute_url(), "note": "Start here"})  # fmt: skip
    assert resource.status_code == 201, resource.content
    assert resource.json()["kind"] == "article"
    assert resource.json()["link"] == article.get_absolute_url()
    link = send(clients["cleo"], "post", f"{url}/resources",
                {"url": "https://example.org/talk", "title": "A talk"})  # fmt: skip
    assert link.json()["kind"] == "link"
    checked = clients["cleo"].get(f"{url}/check-ins").json()["results"]
    assert [(c["notes"], c["next_steps"]) for c in checked] == [("Went well", "Read chapter 3")]
    detail = clients["cleo"].get(url).json()
    assert [g["status"] for g in detail["goals"]] == ["done"]
    assert {r["title"] for r in detail["resources"]} == {"Parsing", "A talk"}

    finished = send(clients["ada"], "post", f"{url}/finish")
    assert finished.json()["status"] == "finished"
    assert finished.json()["finished_at"] is not None
    feedback = send(clients["cleo"], "put", f"{url}/feedback", {"rating": 5, "comment": "Thanks"})
    assert feedback.json() == {
        "person": {"username": people["cleo"].username, "name": people["cleo"].name},
        "rating": 5,
        "comment": "Thanks",
    }
    health = boss.get(f"{base}/health").json()
    assert health["relationships"] == {"finished": 1}
    assert (health["check_ins"], health["goals_done"], health["ratings"]) == (1, 1, 1)
    assert health["mean_rating"] == 5.0
