"""API of mentoring: programmes, applications, the matching and its review, answers, and
the pair's private relationship (goals, check-ins, resources, feedback).

Who sees what is the app's permission table (``guilde.mentoring.permissions``): a
relationship answers its pair only — coordinators and administrators get a 404 there and
read counts from ``/health``. People appear by username and display name, never by address.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from guilde.accounts.api import refusals, signed_in
from guilde.accounts.models import User
from guilde.api.auth import member_auth, public_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities.selectors import community_get
from guilde.core.permissions import require
from guilde.mentoring import selectors, services
from guilde.mentoring.models import (
    SLOTS,
    Application,
    CheckIn,
    Feedback,
    Goal,
    Match,
    Programme,
    Relationship,
    Resource,
)

router = Router(tags=["mentoring"])

RoleLiteral = Literal["mentor", "mentee"]
ProgrammeStatusLiteral = Literal["draft", "open", "matching", "running", "closed"]
MoveLiteral = Literal["draft", "open", "matching", "closed"]
OrganisationRuleLiteral = Literal["", "prefer", "require", "forbid"]
MatchStatusLiteral = Literal["proposed", "published", "accepted", "declined"]
AnswerLiteral = Literal["", "accepted", "declined"]
GoalStatusLiteral = Literal["open", "in_progress", "done", "dropped"]


def _programme(request: HttpRequest, programme_id: int, action: str = "view") -> Programme:
    programme = selectors.programme_by_id(viewer=request.user, pk=programme_id)
    require(request.user, action, programme)
    return programme


def _own_application(request: HttpRequest, programme_id: int, role: str) -> Application:
    programme = _programme(request, programme_id)
    application = selectors.own_applications(viewer=request.user, programme=programme).get(role)
    if application is None:
        raise Http404
    return application


def _match(request: HttpRequest, match_id: int) -> Match:
    return selectors.match_get(viewer=request.user, pk=match_id)


def _relationship(request: HttpRequest, relationship_id: int) -> Relationship:
    return selectors.relationship_get(viewer=request.user, pk=relationship_id)


# Schemas -------------------------------------------------------------------------------------


class MentoringPersonOut(Schema):
    username: str
    name: str


class ProgrammeOut(Schema):
    id: int
    community: str
    name: str
    description: str
    description_html: str
    goals: str
    starts_on: date | None
    ends_on: date | None
    applications_close: date | None
    status: ProgrammeStatusLiteral
    accepts_applications: bool
    weight_skills: int
    weight_time_zone: int
    weight_availability: int
    weight_organisation: int
    organisation_rule: OrganisationRuleLiteral
    max_capacity: int
    threshold: float
    coverage: bool
    check_in_weeks: int
    created_at: datetime
    updated_at: datetime
    matched_at: datetime | None
    published_at: datetime | None


class ProgrammeSummaryOut(ProgrammeOut):
    mentors: int = Field(description="Active mentor applications.")
    mentees: int = Field(description="Active mentee applications.")


class ProgrammeIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    goals: str = Field("", max_length=5_000)
    starts_on: date | None = None
    ends_on: date | None = None
    applications_close: date | None = None
    weight_skills: int = Field(3, ge=0, le=10, description="0 leaves the criterion out.")
    weight_time_zone: int = Field(1, ge=0, le=10)
    weight_availability: int = Field(1, ge=0, le=10)
    weight_organisation: int = Field(1, ge=0, le=10)
    organisation_rule: OrganisationRuleLiteral = ""
    max_capacity: int = Field(3, ge=1, le=20, description="Most mentees per mentor.")
    threshold: float = Field(0.0, ge=0.0, le=1.0, description="Lowest score for a pair.")
    coverage: bool = Field(
        False, description="Give as many mentees as possible a mentor, then the best scores."
    )
    check_in_weeks: int = Field(
        3, ge=1, le=26, description="Weeks without a check-in before a nudge."
    )


class ProgrammeMoveIn(Schema):
    status: MoveLiteral = Field(
        description="draft ↔ open ↔ matching; matching or running → closed. "
        "Publishing the pairs (→ running) is /publish."
    )


class ApplicationOut(Schema):
    id: int
    programme: int
    role: RoleLiteral
    status: Literal["active", "withdrawn"]
    person: MentoringPersonOut
    topics: list[str]
    capacity: int
    languages: list[str]
    availability: list[str]
    goals: str
    learning: str
    preferences: str
    avoid: list[str] = Field(description="Usernames of people a mentee asks not to be paired with.")
    created_at: datetime
    updated_at: datetime


class ApplicationIn(Schema):
    topics: list[str] = Field(
        ...,
        max_length=20,
        description="Topics of the community, by name: offered (mentor) or wanted (mentee).",
    )
    capacity: int = Field(1, ge=1, le=20, description="Mentors: mentees at most.")
    languages: list[str] = Field(
        default_factory=list, max_length=20, description="Codes such as en or fr."
    )
    availability: list[str] = Field(
        default_factory=list,
        max_length=len(SLOTS),
        description="Weekly slots in the applicant's time zone: "
        + ", ".join(SLOTS[:4])
        + " … "
        + SLOTS[-1]
        + " (day-period).",
    )
    goals: str = Field("", max_length=5_000)
    learning: str = Field("", max_length=5_000, description="Mentors: what they want to learn.")
    preferences: str = Field("", max_length=5_000)
    avoid: list[str] = Field(
        default_factory=list, max_length=50, description="Mentees: usernames to avoid."
    )


class SideOut(Schema):
    application: int
    person: MentoringPersonOut
    answer: AnswerLiteral


class MatchOut(Schema):
    id: int
    programme: int
    status: MatchStatusLiteral
    score: float
    breakdown: dict[str, float] = Field(description="The score by criterion.")
    locked: bool
    mentee: SideOut
    mentor: SideOut
    created_at: datetime
    published_at: datetime | None
    answered_at: datetime | None


class AssignIn(Schema):
    mentee: int = Field(description="The mentee's application.")
    mentor: int = Field(description="The mentor's application.")


class SwapIn(Schema):
    first: int = Field(description="A proposed pair.")
    second: int = Field(description="Another proposed pair of the same programme.")


class LockIn(Schema):
    locked: bool


class AnswerIn(Schema):
    accept: bool


class MatchingRequestedOut(Schema):
    detail: str


class PublishedOut(Schema):
    published: int = Field(description="Pairs now waiting for their answers.")


class HealthOut(Schema):
    applications: dict[str, int]
    matches: dict[str, int]
    relationships: dict[str, int]
    quiet: int = Field(description="Active pairs without a check-in for the programme's weeks.")
    check_ins: int
    goals: int
    goals_done: int
    ratings: int
    mean_rating: float | None


class ProgrammeRefOut(Schema):
    id: int
    name: str
    community: str


class RelationshipOut(Schema):
    id: int
    programme: ProgrammeRefOut
    match: int
    mentor: MentoringPersonOut
    mentee: MentoringPersonOut
    my_side: RoleLiteral
    status: Literal["active", "finished"]
    started_at: datetime
    finished_at: datetime | None
    last_check_in_at: datetime | None


class GoalOut(Schema):
    id: int
    title: str
    status: GoalStatusLiteral
    created_by: MentoringPersonOut | None
    created_at: datetime
    updated_at: datetime


class CheckInOut(Schema):
    id: int
    held_on: date
    author: MentoringPersonOut | None
    notes: str
    next_steps: str
    created_at: datetime


class ResourceOut(Schema):
    id: int
    kind: Literal["article", "path", "event", "link"]
    title: str
    link: str
    note: str
    added_by: MentoringPersonOut | None
    created_at: datetime


class PairFeedbackOut(Schema):
    person: MentoringPersonOut
    rating: int
    comment: str


class RelationshipDetailOut(RelationshipOut):
    goals: list[GoalOut]
    check_ins: list[CheckInOut]
    resources: list[ResourceOut]
    feedback: list[PairFeedbackOut]


class GoalIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)


class GoalStatusIn(Schema):
    status: GoalStatusLiteral


class CheckInIn(Schema):
    held_on: date
    notes: str = Field("", max_length=20_000, description="Private to the pair.")
    next_steps: str = Field("", max_length=5_000)


class ResourceIn(Schema):
    url: str = Field(
        ...,
        min_length=1,
        max_length=500,
        description="An article, learning path or event of the programme's community "
        "(its address here), or any http(s) link.",
    )
    title: str = Field("", max_length=200)
    note: str = Field("", max_length=500)


class PairFeedbackIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=5_000)


# Conversions ---------------------------------------------------------------------------------


def _person(member: User | None) -> dict[str, str] | None:
    return None if member is None else {"username": member.username, "name": member.name}


PROGRAMME_FIELDS = tuple(name for name in ProgrammeOut.model_fields if name != "community")


def _programme_out(programme: Programme) -> dict[str, Any]:
    return {
        **{name: getattr(programme, name) for name in PROGRAMME_FIELDS},
        "community": programme.community.slug,
    }


def _count(programme: Programme, annotation: str) -> int:
    """A count the list's selector annotated."""
    return int(getattr(programme, annotation, 0))


def _programme_input(data: ProgrammeIn) -> services.ProgrammeInput:
    return services.ProgrammeInput(**data.dict())


def _application_out(application: Application) -> dict[str, Any]:
    return {
        "id": application.pk,
        "programme": application.programme_id,
        "role": application.role,
        "status": application.status,
        "person": _person(application.member),
        "topics": sorted(tag.name for tag in application.skills.all()),
        "capacity": application.capacity,
        "languages": application.languages,
        "availability": application.availability,
        "goals": application.goals,
        "learning": application.learning,
        "preferences": application.preferences,
        "avoid": sorted(person.username for person in application.avoid.all()),
        "created_at": application.created_at,
        "updated_at": application.updated_at,
    }


def _match_out(match: Match) -> dict[str, Any]:
    return {
        "id": match.pk,
        "programme": match.programme_id,
        "status": match.status,
        "score": match.score,
        "breakdown": match.breakdown,
        "locked": match.locked,
        "mentee": {
            "application": match.mentee_id,
            "person": _person(match.mentee.member),
            "answer": match.mentee_answer,
        },
        "mentor": {
            "application": match.mentor_id,
            "person": _person(match.mentor.member),
            "answer": match.mentor_answer,
        },
        "created_at": match.created_at,
        "published_at": match.published_at,
        "answered_at": match.answered_at,
    }


def _relationship_out(viewer: User, relationship: Relationship) -> dict[str, Any]:
    programme = relationship.programme
    return {
        "id": relationship.pk,
        "programme": {
            "id": programme.pk,
            "name": programme.name,
            "community": programme.community.slug,
        },
        "match": relationship.match_id,
        "mentor": _person(relationship.mentor),
        "mentee": _person(relationship.mentee),
        "my_side": "mentor" if viewer.pk == relationship.mentor_id else "mentee",
        "status": relationship.status,
        "started_at": relationship.started_at,
        "finished_at": relationship.finished_at,
        "last_check_in_at": relationship.last_check_in_at,
    }


def _pair(relationship: Relationship) -> dict[int | None, User]:
    """The pair by id: authors of goals, check-ins, resources and feedback are one of them
    (or a deleted account), so rows need not load their authors."""
    return {
        relationship.mentor_id: relationship.mentor,
        relationship.mentee_id: relationship.mentee,
    }


def _goal_out(goal: Goal, people: dict[int | None, User]) -> dict[str, Any]:
    return {
        "id": goal.pk,
        "title": goal.title,
        "status": goal.status,
        "created_by": _person(people.get(goal.created_by_id)),
        "created_at": goal.created_at,
        "updated_at": goal.updated_at,
    }


def _check_in_out(check_in: CheckIn, people: dict[int | None, User]) -> dict[str, Any]:
    return {
        "id": check_in.pk,
        "held_on": check_in.held_on,
        "author": _person(people.get(check_in.author_id)),
        "notes": check_in.notes,
        "next_steps": check_in.next_steps,
        "created_at": check_in.created_at,
    }


def _resource_out(resource: Resource, people: dict[int | None, User]) -> dict[str, Any]:
    kind = (
        "article"
        if resource.article_id
        else "path"
        if resource.path_id
        else "event"
        if resource.event_id
        else "link"
    )
    return {
        "id": resource.pk,
        "kind": kind,
        "title": str(resource),
        "link": resource.link,
        "note": resource.note,
        "added_by": _person(people.get(resource.added_by_id)),
        "created_at": resource.created_at,
    }


def _feedback_out(feedback: Feedback, people: dict[int | None, User]) -> dict[str, Any]:
    return {
        "person": _person(people[feedback.member_id]),
        "rating": feedback.rating,
        "comment": feedback.comment,
    }


def _relationship_detail(viewer: User, relationship: Relationship) -> dict[str, Any]:
    people = _pair(relationship)
    return {
        **_relationship_out(viewer, relationship),
        "goals": [_goal_out(goal, people) for goal in relationship.goals.all()],
        "check_ins": [_check_in_out(c, people) for c in relationship.check_ins.all()],
        "resources": [_resource_out(r, people) for r in relationship.resources.all()],
        "feedback": [_feedback_out(f, people) for f in relationship.feedback.all()],
    }


# Programmes ----------------------------------------------------------------------------------


@router.get(
    "/communities/{slug}/mentoring/programmes",
    response=list[ProgrammeSummaryOut],
    auth=public_auth,
)
def programme_list(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """The community's programmes, newest first (drafts: for those who manage them)."""
    community = community_get(viewer=request.user, slug=slug, action="view", details=False)
    return [
        {**_programme_out(p), "mentors": _count(p, "mentors"), "mentees": _count(p, "mentees")}
        for p in selectors.programme_list(viewer=request.user, community=community)
    ]


@router.post(
    "/communities/{slug}/mentoring/programmes", response={201: ProgrammeOut}, auth=member_auth
)
def programme_create(request: HttpRequest, slug: str, data: ProgrammeIn) -> Status[dict[str, Any]]:
    """A new programme, as a draft (coordinators and administrators)."""
    member = signed_in(request)
    community = community_get(viewer=member, slug=slug, action="create_programme", details=False)
    with refusals():
        programme = services.programme_create(
            actor=member, community=community, data=_programme_input(data)
        )
    return Status(201, _programme_out(programme))


@router.get("/mentoring/programmes/{programme_id}", response=ProgrammeOut, auth=public_auth)
def programme_detail(request: HttpRequest, programme_id: int) -> dict[str, Any]:
    return _programme_out(_programme(request, programme_id))


@router.put("/mentoring/programmes/{programme_id}", response=ProgrammeOut, auth=member_auth)
def programme_update(request: HttpRequest, programme_id: int, data: ProgrammeIn) -> dict[str, Any]:
    member = signed_in(request)
    with refusals():
        programme = services.programme_update(
            actor=member,
            programme=_programme(request, programme_id, "manage"),
            data=_programme_input(data),
        )
    return _programme_out(programme)


@router.post("/mentoring/programmes/{programme_id}/status", response=ProgrammeOut, auth=member_auth)
def programme_move(
    request: HttpRequest, programme_id: int, data: ProgrammeMoveIn
) -> dict[str, Any]:
    """Open applications, close them for the matching, reopen, or close the programme
    (which finishes its relationships)."""
    member = signed_in(request)
    programme = _programme(request, programme_id, "manage")
    with refusals():
        moved = services.programme_move(actor=member, programme=programme, status=data.status)
    moved.community = programme.community
    return _programme_out(moved)


@router.post(
    "/mentoring/programmes/{programme_id}/publish", response=PublishedOut, auth=member_auth
)
def programme_publish(request: HttpRequest, programme_id: int) -> dict[str, int]:
    """Publish the proposed pairs: each side is asked to accept or decline."""
    member = signed_in(request)
    with refusals():
        published = services.programme_publish(
            actor=member, programme=_programme(request, programme_id, "manage")
        )
    return {"published": published}


@router.get("/mentoring/programmes/{programme_id}/health", response=HealthOut, auth=member_auth)
def programme_health(request: HttpRequest, programme_id: int) -> selectors.Health:
    """Counts of applications, pairs and relationships — never what the pairs wrote."""
    return selectors.programme_health(
        viewer=request.user, programme=_programme(request, programme_id)
    )


# Applications --------------------------------------------------------------------------------


@router.get(
    "/mentoring/programmes/{programme_id}/applications",
    response=CursorPage[ApplicationOut],
    auth=member_auth,
)
def application_list(
    request: HttpRequest,
    programme_id: int,
    page: Query[PageParams],
    role: RoleLiteral | None = None,
) -> dict[str, Any]:
    """Every application, withdrawn ones included (those who manage the programme)."""
    applications = selectors.application_list(
        viewer=request.user, programme=_programme(request, programme_id), role=role or ""
    )
    result = paginate_queryset(request, applications, page, ordering=("id",))
    return {**result, "results": [_application_out(a) for a in result["results"]]}


@router.get(
    "/mentoring/programmes/{programme_id}/applications/{role}",
    response=ApplicationOut,
    auth=member_auth,
)
def application_mine(request: HttpRequest, programme_id: int, role: RoleLiteral) -> dict[str, Any]:
    """My application in this role (404 if I have none)."""
    signed_in(request)
    return _application_out(_own_application(request, programme_id, role))


@router.put(
    "/mentoring/programmes/{programme_id}/applications/{role}",
    response=ApplicationOut,
    auth=member_auth,
)
def application_submit(
    request: HttpRequest, programme_id: int, role: RoleLiteral, data: ApplicationIn
) -> dict[str, Any]:
    """Apply as a mentor or a mentee, or change my application, while applications are open."""
    member = signed_in(request)
    values = data.dict()
    values["skills"] = values.pop("topics")
    with refusals():
        application = services.application_submit(
            actor=member,
            programme=_programme(request, programme_id),
            role=role,
            data=services.ApplicationInput(**values),
        )
    return _application_out(application)


@router.delete(
    "/mentoring/programmes/{programme_id}/applications/{role}",
    response={204: None},
    auth=member_auth,
)
def application_withdraw(
    request: HttpRequest, programme_id: int, role: RoleLiteral
) -> Status[None]:
    """Withdraw my application (until the matching starts)."""
    member = signed_in(request)
    with refusals():
        services.application_withdraw(
            actor=member, application=_own_application(request, programme_id, role)
        )
    return Status(204, None)


# The matching and its review -----------------------------------------------------------------


@router.post(
    "/mentoring/programmes/{programme_id}/matching",
    response={202: MatchingRequestedOut},
    auth=member_auth,
)
def matching_request(request: HttpRequest, programme_id: int) -> Status[dict[str, str]]:
    """Ask for the matching: the worker proposes pairs, replacing unlocked proposals."""
    member = signed_in(request)
    with refusals():
        services.matching_request(
            actor=member, programme=_programme(request, programme_id, "manage")
        )
    return Status(202, {"detail": "The matching will run in a moment; list the matches then."})


@router.get(
    "/mentoring/programmes/{programme_id}/matches",
    response=CursorPage[MatchOut],
    auth=member_auth,
)
def match_list(
    request: HttpRequest,
    programme_id: int,
    page: Query[PageParams],
    status: MatchStatusLiteral | None = None,
) -> dict[str, Any]:
    """Every pair of the programme, best score first (those who manage it)."""
    matches = selectors.match_list(
        viewer=request.user, programme=_programme(request, programme_id), status=status or ""
    )
    result = paginate_queryset(request, matches, page, ordering=("-score", "id"))
    return {**result, "results": [_match_out(m) for m in result["results"]]}


@router.post(
    "/mentoring/programmes/{programme_id}/matches", response={201: MatchOut}, auth=member_auth
)
def match_assign(request: HttpRequest, programme_id: int, data: AssignIn) -> Status[dict[str, Any]]:
    """Give a mentee the mentor of my choosing: a locked proposal, replacing theirs."""
    member = signed_in(request)
    programme = _programme(request, programme_id, "manage")
    mentee = selectors.application_get(viewer=member, pk=data.mentee)
    mentor = selectors.application_get(viewer=member, pk=data.mentor)
    with refusals():
        match = services.match_assign(
            actor=member, programme=programme, mentee=mentee, mentor=mentor
        )
    return Status(201, _match_out(_match(request, match.pk)))


@router.post(
    "/mentoring/programmes/{programme_id}/matches/swap",
    response=list[MatchOut],
    auth=member_auth,
)
def match_swap(request: HttpRequest, programme_id: int, data: SwapIn) -> list[dict[str, Any]]:
    """Exchange the mentors of two proposed pairs (both locked afterwards; new ids)."""
    member = signed_in(request)
    programme = _programme(request, programme_id, "manage")
    first, second = _match(request, data.first), _match(request, data.second)
    if {first.programme_id, second.programme_id} != {programme.pk}:
        raise Http404
    with refusals():
        made = services.match_swap(actor=member, first=first, second=second)
    return [_match_out(_match(request, match.pk)) for match in made]


@router.get("/mentoring/matches/{match_id}", response=MatchOut, auth=member_auth)
def match_detail(request: HttpRequest, match_id: int) -> dict[str, Any]:
    """A pair: for those who manage the programme, and its pair once published."""
    return _match_out(_match(request, match_id))


@router.post("/mentoring/matches/{match_id}/lock", response=MatchOut, auth=member_auth)
def match_lock(request: HttpRequest, match_id: int, data: LockIn) -> dict[str, Any]:
    """A locked proposal is kept when the matching runs again."""
    member = signed_in(request)
    with refusals():
        match = services.match_lock(
            actor=member, match=_match(request, match_id), locked=data.locked
        )
    return _match_out(match)


@router.delete("/mentoring/matches/{match_id}", response={204: None}, auth=member_auth)
def match_remove(request: HttpRequest, match_id: int) -> Status[None]:
    """Take a proposed pair out (its mentee waits for the next matching)."""
    member = signed_in(request)
    with refusals():
        services.match_remove(actor=member, match=_match(request, match_id))
    return Status(204, None)


@router.post("/mentoring/matches/{match_id}/answer", response=MatchOut, auth=member_auth)
def match_answer(request: HttpRequest, match_id: int, data: AnswerIn) -> dict[str, Any]:
    """Accept or decline a published pair, once. When both accepted, the relationship
    starts; a decline sends the mentee back to the matching."""
    member = signed_in(request)
    with refusals():
        match = services.match_answer(
            actor=member, match=_match(request, match_id), accept=data.accept
        )
    return _match_out(match)


# Relationships -------------------------------------------------------------------------------


@router.get("/mentoring/relationships", response=CursorPage[RelationshipOut], auth=member_auth)
def relationship_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """My relationships, as a mentor or a mentee (nobody else's, whoever asks)."""
    member = signed_in(request)
    relationships = selectors.relationship_list(viewer=member)
    result = paginate_queryset(request, relationships, page, ordering=("-id",))
    return {**result, "results": [_relationship_out(member, r) for r in result["results"]]}


@router.get(
    "/mentoring/relationships/{relationship_id}",
    response=RelationshipDetailOut,
    auth=member_auth,
)
def relationship_detail(request: HttpRequest, relationship_id: int) -> dict[str, Any]:
    """Goals, check-ins with their notes, resources and feedback: for the pair only."""
    member = signed_in(request)
    return _relationship_detail(member, _relationship(request, relationship_id))


@router.post(
    "/mentoring/relationships/{relationship_id}/goals",
    response={201: GoalOut},
    auth=member_auth,
)
def goal_add(request: HttpRequest, relationship_id: int, data: GoalIn) -> Status[dict[str, Any]]:
    member = signed_in(request)
    with refusals():
        goal = services.goal_add(
            actor=member, relationship=_relationship(request, relationship_id), title=data.title
        )
    return Status(201, _goal_out(goal, _pair(goal.relationship)))


@router.put(
    "/mentoring/relationships/{relationship_id}/goals/{goal_id}",
    response=GoalOut,
    auth=member_auth,
)
def goal_set_status(
    request: HttpRequest, relationship_id: int, goal_id: int, data: GoalStatusIn
) -> dict[str, Any]:
    member = signed_in(request)
    relationship = _relationship(request, relationship_id)
    goal = next((goal for goal in relationship.goals.all() if goal.pk == goal_id), None)
    if goal is None:
        raise Http404
    with refusals():
        goal = services.goal_set_status(actor=member, goal=goal, status=data.status)
    return _goal_out(goal, _pair(relationship))


@router.get(
    "/mentoring/relationships/{relationship_id}/check-ins",
    response=CursorPage[CheckInOut],
    auth=member_auth,
)
def check_in_list(
    request: HttpRequest, relationship_id: int, page: Query[PageParams]
) -> dict[str, Any]:
    """The pair's check-ins, the latest written first."""
    relationship = _relationship(request, relationship_id)
    people = _pair(relationship)
    result = paginate_queryset(request, relationship.check_ins.all(), page, ordering=("-id",))
    return {**result, "results": [_check_in_out(c, people) for c in result["results"]]}


@router.post(
    "/mentoring/relationships/{relationship_id}/check-ins",
    response={201: CheckInOut},
    auth=member_auth,
)
def check_in_add(
    request: HttpRequest, relationship_id: int, data: CheckInIn
) -> Status[dict[str, Any]]:
    member = signed_in(request)
    with refusals():
        check_in = services.check_in_add(
            actor=member,
            relationship=_relationship(request, relationship_id),
            held_on=data.held_on,
            notes=data.notes,
            next_steps=data.next_steps,
        )
    return Status(201, _check_in_out(check_in, _pair(check_in.relationship)))


@router.post(
    "/mentoring/relationships/{relationship_id}/resources",
    response={201: ResourceOut},
    auth=member_auth,
)
def resource_add(
    request: HttpRequest, relationship_id: int, data: ResourceIn
) -> Status[dict[str, Any]]:
    """Suggest an article, learning path or event of the programme's community, or a link."""
    member = signed_in(request)
    with refusals():
        resource = services.resource_add(
            actor=member,
            relationship=_relationship(request, relationship_id),
            url=data.url,
            title=data.title,
            note=data.note,
        )
    return Status(201, _resource_out(resource, _pair(resource.relationship)))


@router.put(
    "/mentoring/relationships/{relationship_id}/feedback",
    response=PairFeedbackOut,
    auth=member_auth,
)
def feedback_give(
    request: HttpRequest, relationship_id: int, data: PairFeedbackIn
) -> dict[str, Any]:
    """My feedback, once the relationship finished or the programme ended (changeable)."""
    member = signed_in(request)
    with refusals():
        feedback = services.feedback_give(
            actor=member,
            relationship=_relationship(request, relationship_id),
            rating=data.rating,
            comment=data.comment,
        )
    return _feedback_out(feedback, _pair(feedback.relationship))


@router.post(
    "/mentoring/relationships/{relationship_id}/finish",
    response=RelationshipDetailOut,
    auth=member_auth,
)
def relationship_finish(request: HttpRequest, relationship_id: int) -> dict[str, Any]:
    member = signed_in(request)
    with refusals():
        services.relationship_finish(
            actor=member, relationship=_relationship(request, relationship_id)
        )
    return _relationship_detail(member, _relationship(request, relationship_id))
