"""The onboarding checklist: what ticks each item, from what members actually did.

Nothing is stored: each item is a condition on a member (an SQL ``EXISTS``), so a batch of
members — a page of the coordinators' newcomer view, or the member themself — is ticked in
one query whatever their number, and a post deleted or hidden since unticks its item at
once. The rules (docs/onboarding.md):

==============  ========================================================================
item            ticked when the member
==============  ========================================================================
profile         has a display name, a few words about themself ("about me"), and at
                least one skill, interest, learning goal or spoken language
introduce       wrote a visible post in the community's introductions thread; when the
                community names none (or it was moved, deleted, hidden or merged), any
                visible thread or reply of theirs in the community
starter_path    ticked every step of the community's starter path (shown only when the
                community has one, with at least one step)
event           has a seat ("going", in person or online, not on the waitlist) at an event
                of the community not cancelled and not marked absent, or was marked as
                attending one
question        asked a question, or replied in a question thread, of the community
==============  ========================================================================

Visible posts: not deleted by their author, not hidden (moderators, flags, waiting for
review), in a thread that is neither deleted nor hidden.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _

from guilde.accounts.models import MemberLanguage, MemberSkill, User
from guilde.discussions.models import Post, Thread
from guilde.events.models import Event, Registration
from guilde.knowledge.models import PathStep, StepDone

PROFILE = "profile"
INTRODUCE = "introduce"
STARTER_PATH = "starter_path"
EVENT = "event"
QUESTION = "question"
ITEMS = (PROFILE, INTRODUCE, STARTER_PATH, EVENT, QUESTION)

LABELS = {
    PROFILE: _("Complete your profile"),
    INTRODUCE: _("Introduce yourself"),
    STARTER_PATH: _("Follow the starter path"),
    EVENT: _("Join an event"),
    QUESTION: _("Ask or answer a first question"),
}
HINTS = {
    PROFILE: _("A display name, a few words about you, and a skill, interest or language."),
    INTRODUCE: _("Say who you are and what brings you here."),
    STARTER_PATH: _("Tick each of its steps as you go."),
    EVENT: _("Take a seat at an event, in person or online."),
    QUESTION: _("Ask what puzzles you, or answer someone else's question."),
}
GOING = (Registration.Response.IN_PERSON, Registration.Response.ONLINE)


@dataclass(frozen=True)
class Setup:
    """What the items of one community depend on."""

    community_id: int
    # The introductions thread, when it is still in the community and listed.
    introductions_id: int | None = None
    # The starter path, when it is the community's, and how many steps it has.
    starter_path_id: int | None = None
    starter_steps: int = 0

    @property
    def items(self) -> tuple[str, ...]:
        """The items shown in this community, in order."""
        return tuple(item for item in ITEMS if item != STARTER_PATH or self.starter_steps)


def _visible_posts(setup: Setup) -> QuerySet[Post]:
    return Post.objects.visible().filter(
        thread__community_id=setup.community_id,
        thread__deleted_at__isnull=True,
        thread__hidden_at__isnull=True,
    )


def conditions(setup: Setup, member: str) -> dict[str, Combinable]:
    """Each shown item's condition on the member whose id is the outer query's ``member``
    column (``"pk"`` over members, ``"member_id"`` over memberships)."""
    who = OuterRef(member)
    found: dict[str, Combinable] = {}
    about_themself = Q(Exists(MemberSkill.objects.filter(member_id=OuterRef("pk")))) | Q(
        Exists(MemberLanguage.objects.filter(member_id=OuterRef("pk")))
    )
    found[PROFILE] = Exists(
        User.objects.filter(pk=who).exclude(display_name="").exclude(bio="").filter(about_themself)
    )
    introductions = _visible_posts(setup).filter(author_id=who)
    if setup.introductions_id is not None:
        introductions = introductions.filter(thread_id=setup.introductions_id)
    found[INTRODUCE] = Exists(introductions)
    if setup.starter_path_id is not None and setup.starter_steps:
        not_done = PathStep.objects.filter(section__path_id=setup.starter_path_id).filter(
            ~Exists(StepDone.objects.filter(step_id=OuterRef("pk"), member_id=OuterRef(who)))
        )
        found[STARTER_PATH] = ~Exists(not_done)
    seat = (
        Q(response__in=GOING, waitlisted=False, event__status=Event.Status.SCHEDULED)
        & ~Q(attendance=Registration.Attendance.ABSENT)
    ) | Q(attendance__in=[Registration.Attendance.IN_PERSON, Registration.Attendance.ONLINE])
    found[EVENT] = Exists(
        Registration.objects.filter(member_id=who, event__community_id=setup.community_id).filter(
            seat
        )
    )
    found[QUESTION] = Exists(
        _visible_posts(setup).filter(author_id=who, thread__kind=Thread.Kind.QUESTION)
    )
    return found


def progress_annotations(setup: Setup, member: str) -> dict[str, Combinable]:
    """``item_<key>`` (a boolean) for each shown item and ``items_done`` (how many), to
    annotate a query over members or memberships."""
    named: dict[str, Combinable] = {
        f"item_{key}": condition for key, condition in conditions(setup, member).items()
    }
    total: Combinable = Value(0)
    for name in named:
        total = total + Case(
            When(**{name: True}, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    return {**named, "items_done": total}


def done_items(setup: Setup, row: object) -> frozenset[str]:
    """The items an annotated row (see :func:`annotations`) has done."""
    return frozenset(key for key in setup.items if getattr(row, f"item_{key}", False))


def done_by(setup: Setup, member_ids: Collection[int]) -> dict[int, frozenset[str]]:
    """The items each of ``member_ids`` has done, in one query."""
    if not member_ids:
        return {}
    found = conditions(setup, "pk")
    names = [f"item_{key}" for key in setup.items]
    rows = (
        User.objects.filter(pk__in=list(member_ids))
        .annotate(**{f"item_{key}": found[key] for key in setup.items})
        .values_list("pk", *names)
    )
    return {
        row[0]: frozenset(key for key, done in zip(setup.items, row[1:], strict=True) if done)
        for row in rows
    }
