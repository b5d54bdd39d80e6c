"""Writes of mentoring: programmes, applications, the matching and its review, answers,
and the pair's relationship (goals, check-ins, resources, feedback).

The matching itself runs in the worker (``tasks.run_matching``) when coordinators ask for
it; :func:`matching_run` is the one way to compute it, for the task, the re-matching after
a decline and the benchmark alike.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership, Tag
from guilde.core.batches import keyset_batches
from guilde.core.markdown import render
from guilde.core.permissions import can, require
from guilde.mentoring import matching, problem
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
from guilde.mentoring.scoring import breakdown
from guilde.notifications.models import Kind
from guilde.notifications.services import notify


class MentoringError(ValidationError):
    """A request that the programme's state or rules refuse (a 422, with its message)."""


# Programmes ------------------------------------------------------------------------------


@dataclass
class ProgrammeInput:
    name: str
    description: str = ""
    goals: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    applications_close: date | None = None
    weight_skills: int = 3
    weight_time_zone: int = 1
    weight_availability: int = 1
    weight_organisation: int = 1
    organisation_rule: str = ""
    max_capacity: int = 3
    threshold: float = 0.0
    coverage: bool = False
    check_in_weeks: int = 3


def _apply_programme(programme: Programme, data: ProgrammeInput) -> None:
    if not data.name.strip():
        raise MentoringError(_("A programme needs a name."))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise MentoringError(_("The programme cannot end before it starts."))
    if data.organisation_rule not in Programme.OrganisationRule.values:
        raise MentoringError(_("Unknown organisation rule."))
    for name in ("weight_skills", "weight_time_zone", "weight_availability", "weight_organisation"):
        if not 0 <= getattr(data, name) <= 10:
            raise MentoringError(_("Weights go from 0 to 10."))
    if not any(
        (
            data.weight_skills,
            data.weight_time_zone,
            data.weight_availability,
            data.weight_organisation,
        )
    ):
        raise MentoringError(_("At least one criterion needs a weight."))
    if not 1 <= data.max_capacity <= 20:
        raise MentoringError(_("A mentor takes from 1 to 20 mentees."))
    if not 0.0 <= data.threshold <= 1.0:
        raise MentoringError(_("The lowest score is between 0 and 1."))
    if not 1 <= data.check_in_weeks <= 26:
        raise MentoringError(_("Nudges come after 1 to 26 weeks without a check-in."))
    for name, value in vars(data).items():
        setattr(programme, name, value.strip() if isinstance(value, str) else value)
    programme.description_html = render(data.description).html if data.description.strip() else ""
    programme.updated_at = timezone.now()


@transaction.atomic
def programme_create(*, actor: User, community: Community, data: ProgrammeInput) -> Programme:
    require(actor, "create_programme", community)
    programme = Programme(community=community, created_by=actor)
    _apply_programme(programme, data)
    programme.full_clean()
    programme.save()
    return programme


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, data: ProgrammeInput) -> Programme:
    require(actor, "manage", programme)
    _apply_programme(programme, data)
    programme.full_clean()
    programme.save()
    return programme


# Which status a programme may move to from which, by the coordinators' buttons.
MOVES = {
    Programme.Status.DRAFT: {Programme.Status.OPEN},
    Programme.Status.OPEN: {Programme.Status.MATCHING, Programme.Status.DRAFT},
    Programme.Status.MATCHING: {Programme.Status.OPEN, Programme.Status.CLOSED},
    Programme.Status.RUNNING: {Programme.Status.CLOSED},
    Programme.Status.CLOSED: set(),
}


@transaction.atomic
def programme_move(*, actor: User, programme: Programme, status: str) -> Programme:
    """Open applications, close them (matching), reopen, or close the programme (which
    finishes its relationships). Publishing is :func:`programme_publish`."""
    require(actor, "manage", programme)
    current = (
        Programme.objects.select_for_update(no_key=True)
        .values_list("status", flat=True)
        .get(pk=programme.pk)
    )
    if status not in MOVES.get(Programme.Status(current), set()):
        raise MentoringError(_("The programme cannot go from this step to that one."))
    programme.status = status
    programme.updated_at = timezone.now()
    programme.save(update_fields=["status", "updated_at"])
    if status == Programme.Status.CLOSED:
        now = timezone.now()
        programme.relationships.filter(status=Relationship.Status.ACTIVE).update(
            status=Relationship.Status.FINISHED, finished_at=now
        )
        programme.matches.filter(status=Match.Status.PROPOSED).delete()
    return programme


# Applications ----------------------------------------------------------------------------


@dataclass
class ApplicationInput:
    skills: list[str] = field(default_factory=list)  # topic names of the community
    capacity: int = 1
    languages: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    goals: str = ""
    learning: str = ""
    preferences: str = ""
    avoid: list[str] = field(default_factory=list)  # usernames


def _topics(programme: Programme, names: list[str]) -> list[Tag]:
    from guilde.communities.selectors import tags_named

    return tags_named(programme.community, names, limit=20)


def _check_application(programme: Programme, role: str, data: ApplicationInput) -> None:
    if role not in Application.Role.values:
        raise MentoringError(_("Apply as a mentor or as a mentee."))
    if role == Application.Role.MENTOR and not 1 <= data.capacity <= programme.max_capacity:
        raise MentoringError(
            _("A mentor in this programme takes from 1 to %(most)d mentees.")
            % {"most": programme.max_capacity}
        )
    unknown = [slot for slot in data.availability if slot not in SLOTS]
    if unknown:
        raise MentoringError(_("Unknown time slots: %(slots)s.") % {"slots": ", ".join(unknown)})
    if len(data.languages) > 20 or any(
        not isinstance(code, str) or not 2 <= len(code) <= 12 for code in data.languages
    ):
        raise MentoringError(_("Give languages as codes such as en or fr."))
    if not data.skills:
        raise MentoringError(
            _("Name at least one topic you offer.")
            if role == Application.Role.MENTOR
            else _("Name at least one topic you want to learn.")
        )


@transaction.atomic
def application_submit(
    *, actor: User, programme: Programme, role: str, data: ApplicationInput
) -> Application:
    """Apply, or change one's application (same role), while applications are open."""
    require(actor, "apply", programme)
    _check_application(programme, role, data)
    tags = _topics(programme, data.skills)
    avoided = list(User.objects.filter(username__in=data.avoid).exclude(pk=actor.pk))
    missing = set(data.avoid) - {user.username for user in avoided} - {actor.username}
    if missing:
        raise MentoringError(
            _("Unknown members: %(names)s.") % {"names": ", ".join(sorted(missing))}
        )
    application, _created = Application.objects.get_or_create(
        programme=programme, member=actor, role=role
    )
    application.status = Application.Status.ACTIVE
    application.capacity = data.capacity if role == Application.Role.MENTOR else 1
    application.languages = sorted({code.strip().lower() for code in data.languages})
    application.availability = [slot for slot in SLOTS if slot in set(data.availability)]
    application.goals = data.goals.strip()
    application.learning = data.learning.strip() if role == Application.Role.MENTOR else ""
    application.preferences = data.preferences.strip()
    application.updated_at = timezone.now()
    application.full_clean(exclude=["programme", "member"])
    application.save()
    application.skills.set(tags)
    application.avoid.set(avoided if role == Application.Role.MENTEE else [])
    return application


@transaction.atomic
def application_withdraw(*, actor: User, application: Application) -> Application:
    if application.member_id != actor.pk:
        raise PermissionDenied
    if application.programme.status not in (Programme.Status.OPEN, Programme.Status.DRAFT):
        raise MentoringError(_("Applications can be withdrawn until the matching starts."))
    application.status = Application.Status.WITHDRAWN
    application.updated_at = timezone.now()
    application.save(update_fields=["status", "updated_at"])
    return application


# Matching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchingOutcome:
    pairs: int
    unmatched: int
    total: float
    seconds: float
    # What was solved, for a baseline to be compared on (the benchmark's greedy).
    problem: matching.Problem = field(repr=False, compare=False)


def _fixed_pairs(built: problem.Built) -> list[tuple[int, int]]:
    """Pairs kept as they are: locked proposals, and published or accepted ones."""
    mentee_rows = {a.pk: i for i, a in enumerate(built.mentees)}
    mentor_rows = {a.pk: i for i, a in enumerate(built.mentors)}
    kept = Match.objects.filter(programme=built.programme).filter(
        Q(status=Match.Status.PROPOSED, locked=True)
        | Q(status__in=[Match.Status.PUBLISHED, Match.Status.ACCEPTED])
    )
    return [
        (mentee_rows[mentee], mentor_rows[mentor])
        for mentee, mentor in kept.values_list("mentee_id", "mentor_id")
        if mentee in mentee_rows and mentor in mentor_rows
    ]


def matching_run(*, actor: User | None, programme: Programme) -> MatchingOutcome:
    """Propose pairs for every mentee not in a kept pair: the optimal assignment of the
    programme's criteria (ADR 7); unlocked proposals are replaced."""
    if actor is not None:
        require(actor, "manage", programme)
    if programme.status not in (Programme.Status.MATCHING, Programme.Status.RUNNING):
        raise MentoringError(_("Close the applications before matching."))
    started = time.perf_counter()
    with transaction.atomic():
        Programme.objects.select_for_update(no_key=True).filter(
            pk=programme.pk
        ).first()  # one run at a time
        mentees, mentors = problem.active_applications(programme)
        built = problem.build(programme, mentees, mentors)
        task = matching.Problem(
            scores=built.scores.scores,
            allowed=built.scores.allowed,
            capacities=built.capacities,
            locked=tuple(_fixed_pairs(built)),
            threshold=programme.threshold,
            coverage=programme.coverage,
        )
        assignment = matching.solve(task)
        locked = set(task.locked)
        Match.objects.filter(
            programme=programme, status=Match.Status.PROPOSED, locked=False
        ).delete()
        Match.objects.bulk_create(
            [
                _proposal(built, mentee, mentor)
                for mentee, mentor in assignment.pairs
                if (mentee, mentor) not in locked
            ]
        )
        programme.matched_at = timezone.now()
        programme.save(update_fields=["matched_at"])
    return MatchingOutcome(
        pairs=len(assignment.pairs),
        unmatched=len(assignment.unmatched),
        total=assignment.score,
        seconds=time.perf_counter() - started,
        problem=task,
    )


def _proposal(built: problem.Built, mentee: int, mentor: int) -> Match:
    return Match(
        programme=built.programme,
        mentee=built.mentees[mentee],
        mentor=built.mentors[mentor],
        score=round(float(built.scores.scores[mentee, mentor]), 4),
        breakdown={k: round(v, 4) for k, v in breakdown(built.scores, mentee, mentor).items()},
    )


def matching_request(*, actor: User, programme: Programme) -> None:
    """Ask the worker to run the matching (nothing slow runs inside a request)."""
    from guilde.mentoring.tasks import run_matching

    require(actor, "manage", programme)
    if programme.status not in (Programme.Status.MATCHING, Programme.Status.RUNNING):
        raise MentoringError(_("Close the applications before matching."))
    transaction.on_commit(lambda: run_matching.enqueue(programme.pk))


def _proposed(actor: User, match: Match) -> None:
    require(actor, "manage", match.programme)
    if match.status != Match.Status.PROPOSED:
        raise MentoringError(_("Only proposed pairs can be changed; this one is published."))


def _pair_score(programme: Programme, mentee: Application, mentor: Application) -> Match:
    """A pair of the coordinators' choosing, scored; refused when a hard rule forbids it."""
    built = problem.build(programme, [mentee], [mentor])
    if not built.scores.allowed[0, 0]:
        raise MentoringError(
            _(
                "%(mentor)s cannot mentor %(mentee)s: no shared language, the organisation rule, "
                "a block, a person to avoid, or a pair declined before."
            )
            % {"mentor": mentor.member.name, "mentee": mentee.member.name}
        )
    return _proposal(built, 0, 0)


def _load(programme: Programme, mentor: Application, *, excluding: list[int]) -> int:
    return (
        Match.objects.filter(programme=programme, mentor=mentor)
        .exclude(status=Match.Status.DECLINED)
        .exclude(pk__in=excluding)
        .count()
    )


@transaction.atomic
def match_assign(
    *, actor: User, programme: Programme, mentee: Application, mentor: Application
) -> Match:
    """Give a mentee the mentor a coordinator chose (a locked proposal)."""
    require(actor, "manage", programme)
    if mentee.programme_id != programme.pk or mentor.programme_id != programme.pk:
        raise MentoringError(_("Both applications must belong to this programme."))
    if mentee.role != Application.Role.MENTEE or mentor.role != Application.Role.MENTOR:
        raise MentoringError(_("Choose a mentee and a mentor."))
    current = Match.objects.filter(mentee=mentee).exclude(status=Match.Status.DECLINED).first()
    if current is not None and current.status != Match.Status.PROPOSED:
        raise MentoringError(_("Only proposed pairs can be changed; this one is published."))
    if _load(programme, mentor, excluding=[current.pk] if current else []) >= min(
        mentor.capacity, programme.max_capacity
    ):
        raise MentoringError(_("This mentor has no room left."))
    pair = _pair_score(programme, mentee, mentor)
    if current is not None:
        current.delete()
    pair.locked = True
    pair.save()
    return pair


@transaction.atomic
def match_swap(*, actor: User, first: Match, second: Match) -> tuple[Match, Match]:
    """Exchange the mentors of two proposed pairs; both are locked afterwards."""
    for match in (first, second):
        _proposed(actor, match)
    if first.programme_id != second.programme_id or first.pk == second.pk:
        raise MentoringError(_("Choose two pairs of the same programme."))
    programme = first.programme
    one = _pair_score(programme, first.mentee, second.mentor)
    two = _pair_score(programme, second.mentee, first.mentor)
    first.delete()
    second.delete()
    for pair in (one, two):
        pair.locked = True
        pair.save()
    return one, two


@transaction.atomic
def match_lock(*, actor: User, match: Match, locked: bool) -> Match:
    _proposed(actor, match)
    match.locked = locked
    match.save(update_fields=["locked"])
    return match


@transaction.atomic
def match_remove(*, actor: User, match: Match) -> None:
    _proposed(actor, match)
    match.delete()


def _tell(
    recipient: User, *, programme: Programme, what: str, actor: User | None = None, **data: Any
) -> None:
    notify(
        recipient=recipient,
        kind=Kind.MENTORING,
        actor=actor,
        community=programme.community,
        data={"what": what, "label": programme.name, "programme": programme.pk, **data},
        check_visibility=False,
    )


@transaction.atomic
def programme_publish(*, actor: User, programme: Programme) -> int:
    """Publish the proposed pairs: each side is asked to accept or decline."""
    require(actor, "manage", programme)
    programme.status = (
        Programme.objects.select_for_update(no_key=True)
        .values_list("status", flat=True)
        .get(pk=programme.pk)
    )
    if programme.status not in (Programme.Status.MATCHING, Programme.Status.RUNNING):
        raise MentoringError(_("Close the applications and run the matching first."))
    proposed = list(
        programme.matches.filter(status=Match.Status.PROPOSED).select_related(
            "mentee__member", "mentor__member"
        )
    )
    if not proposed:
        raise MentoringError(_("There is no proposed pair to publish."))
    now = timezone.now()
    Match.objects.filter(pk__in=[m.pk for m in proposed]).update(
        status=Match.Status.PUBLISHED, published_at=now
    )
    programme.status = Programme.Status.RUNNING
    programme.published_at = programme.published_at or now
    programme.save(update_fields=["status", "published_at"])
    for match in proposed:
        for member in (match.mentee.member, match.mentor.member):
            _tell(member, programme=programme, what="proposed", match=match.pk)
    return len(proposed)


@transaction.atomic
def match_answer(*, actor: User, match: Match, accept: bool) -> Match:
    """One side accepts or declines. Both accepted: the relationship starts. A decline:
    the pair is never proposed again and the worker looks for new pairs, which the
    coordinators review and publish."""
    match = (
        Match.objects.select_for_update(no_key=True)
        .select_related("programme__community", "mentee__member", "mentor__member")
        .get(pk=match.pk)
    )
    require(actor, "answer", match)
    answer = Match.Answer.ACCEPTED if accept else Match.Answer.DECLINED
    if match.side_of(actor.pk) == "mentee":
        match.mentee_answer = answer
    else:
        match.mentor_answer = answer
    match.answered_at = timezone.now()
    programme = match.programme
    if not accept:
        match.status = Match.Status.DECLINED
        match.save()
        other = match.mentor.member if match.side_of(actor.pk) == "mentee" else match.mentee.member
        _tell(other, programme=programme, what="declined")
        _tell_coordinators(programme, what="rematch")
        from guilde.mentoring.tasks import rematch

        transaction.on_commit(lambda: rematch.enqueue(programme.pk))
        return match
    if (
        match.mentee_answer == Match.Answer.ACCEPTED
        and match.mentor_answer == Match.Answer.ACCEPTED
    ):
        match.status = Match.Status.ACCEPTED
        relationship = Relationship.objects.create(
            match=match,
            programme=programme,
            mentor=match.mentor.member,
            mentee=match.mentee.member,
        )
        for member in (match.mentee.member, match.mentor.member):
            _tell(member, programme=programme, what="started", relationship=relationship.pk)
    match.save()
    return match


def _tell_coordinators(programme: Programme, *, what: str) -> None:
    coordinators = User.objects.filter(
        memberships__community=programme.community,
        memberships__role=Membership.Role.COORDINATOR,
        memberships__status=Membership.Status.ACTIVE,
    )
    for coordinator in coordinators:
        _tell(coordinator, programme=programme, what=what)


def rematch(programme: Programme) -> MatchingOutcome | None:
    """After a decline: new proposals for those without a pair (the worker's job)."""
    if programme.status != Programme.Status.RUNNING:
        return None
    return matching_run(actor=None, programme=programme)


# Relationships -------------------------------------------------------------------------


def _writable(actor: User, relationship: Relationship) -> Relationship:
    relationship = Relationship.objects.select_for_update(no_key=True).get(pk=relationship.pk)
    require(actor, "write", relationship)
    return relationship


@transaction.atomic
def goal_add(*, actor: User, relationship: Relationship, title: str) -> Goal:
    relationship = _writable(actor, relationship)
    if not title.strip():
        raise MentoringError(_("A goal needs a few words."))
    goal = Goal(relationship=relationship, title=title.strip(), created_by=actor)
    goal.full_clean(exclude=["relationship", "created_by"])
    goal.save()
    return goal


@transaction.atomic
def goal_set_status(*, actor: User, goal: Goal, status: str) -> Goal:
    _writable(actor, goal.relationship)
    if status not in Goal.Status.values:
        raise MentoringError(_("Unknown goal status."))
    goal.status = status
    goal.updated_at = timezone.now()
    goal.save(update_fields=["status", "updated_at"])
    return goal


@transaction.atomic
def check_in_add(
    *, actor: User, relationship: Relationship, held_on: date, notes: str = "", next_steps: str = ""
) -> CheckIn:
    relationship = _writable(actor, relationship)
    today = timezone.localdate()
    if held_on > today + timedelta(days=1) or held_on < relationship.started_at.date() - timedelta(
        days=1
    ):
        raise MentoringError(
            _("A check-in's date is between the start of the relationship and today.")
        )
    check_in = CheckIn(
        relationship=relationship,
        author=actor,
        held_on=held_on,
        notes=notes.strip(),
        next_steps=next_steps.strip(),
    )
    check_in.full_clean(exclude=["relationship", "author"])
    check_in.save()
    relationship.last_check_in_at = timezone.now()
    relationship.save(update_fields=["last_check_in_at"])
    return check_in


@transaction.atomic
def resource_add(
    *,
    actor: User,
    relationship: Relationship,
    url: str,
    title: str = "",
    note: str = "",
) -> Resource:
    """Suggest an article, learning path or event of the programme's community (by its
    address on this site), or any http(s) link."""
    relationship = _writable(actor, relationship)
    resource = Resource(
        relationship=relationship, added_by=actor, title=title.strip(), note=note.strip()
    )
    target = _local_target(relationship.programme.community, url.strip())
    if target is not None:
        if not can(actor, "view", target):
            raise MentoringError(_("You cannot see that page."))
        field_name = {"article": "article", "learningpath": "path", "event": "event"}
        setattr(resource, field_name[target._meta.model_name], target)
    else:
        if not url.strip().lower().startswith(("http://", "https://")):
            raise MentoringError(_("Give an http or https address."))
        resource.url = url.strip()
    resource.full_clean(exclude=["relationship", "added_by", "article", "path", "event"])
    resource.save()
    return resource


def _local_target(community: Community, url: str) -> Any:
    """The article, learning path or event of ``community`` that ``url`` points to."""
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    from guilde.events.models import Event
    from guilde.knowledge.models import Article, LearningPath

    parts = urlsplit(url)
    if parts.scheme and parts.netloc and parts.netloc not in _own_hosts():
        return None
    try:
        found = resolve(parts.path or "/")
    except Resolver404:
        return None
    models: dict[str, Any] = {
        "knowledge:article": Article,
        "knowledge:path": LearningPath,
        "events:detail": Event,
    }
    model = models.get(found.view_name)
    if model is None or found.kwargs.get("slug") != community.slug:
        if model is not None:
            raise MentoringError(_("Suggest pages of the programme's community."))
        return None
    key = found.kwargs.get("pk")
    target = model.objects.filter(community=community, pk=key).first()
    if target is None:
        raise MentoringError(_("That page does not exist."))
    return target


def _own_hosts() -> set[str]:
    from django.conf import settings

    return {host for host in settings.ALLOWED_HOSTS if host and not host.startswith(".")}


@transaction.atomic
def feedback_give(
    *, actor: User, relationship: Relationship, rating: int, comment: str = ""
) -> Feedback:
    require(actor, "feedback", relationship)
    if not 1 <= rating <= 5:
        raise MentoringError(_("Rate from 1 to 5."))
    feedback, _created = Feedback.objects.update_or_create(
        relationship=relationship,
        member=actor,
        defaults={"rating": rating, "comment": comment.strip()[:5000]},
    )
    return feedback


@transaction.atomic
def relationship_finish(*, actor: User, relationship: Relationship) -> Relationship:
    _writable(actor, relationship)
    relationship.status = Relationship.Status.FINISHED
    relationship.finished_at = timezone.now()
    relationship.save(update_fields=["status", "finished_at"])
    other = relationship.mentee if actor.pk == relationship.mentor_id else relationship.mentor
    _tell(
        other,
        programme=relationship.programme,
        what="finished",
        actor=actor,
        relationship=relationship.pk,
    )
    return relationship


def nudge_quiet_relationships(*, now: Any = None) -> int:
    """A gentle word to pairs without a check-in for the programme's number of weeks (at
    most one a period)."""
    now = now or timezone.now()
    nudged = 0
    active = Relationship.objects.filter(status=Relationship.Status.ACTIVE).select_related(
        "programme__community", "mentor", "mentee"
    )
    for relationship in itertools.chain.from_iterable(keyset_batches(active, size=500)):
        quiet_for = timedelta(weeks=relationship.programme.check_in_weeks)
        last = relationship.last_check_in_at or relationship.started_at
        if last > now - quiet_for:
            continue
        if relationship.nudged_at is not None and relationship.nudged_at > now - quiet_for:
            continue
        with transaction.atomic():
            for member in (relationship.mentor, relationship.mentee):
                _tell(
                    member,
                    programme=relationship.programme,
                    what="nudge",
                    relationship=relationship.pk,
                    weeks=relationship.programme.check_in_weeks,
                )
            Relationship.objects.filter(pk=relationship.pk).update(nudged_at=now)
        nudged += 1
    return nudged


def capacities_left(programme: Programme) -> dict[int, int]:
    """Mentor application → places left (for the review page's "assign" choices)."""
    load: dict[int, int] = {}
    for mentor_id in programme.matches.exclude(status=Match.Status.DECLINED).values_list(
        "mentor_id", flat=True
    ):
        load[mentor_id] = load.get(mentor_id, 0) + 1
    return {
        a.pk: min(a.capacity, programme.max_capacity) - load.get(a.pk, 0)
        for a in programme.applications.filter(
            role=Application.Role.MENTOR, status=Application.Status.ACTIVE
        )
    }
