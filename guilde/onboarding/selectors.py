"""Reads of onboarding, through the viewer's eyes: a community's welcome, a member's
checklist and buddy, and the coordinators' view of newcomers' progress.

Newcomers are the active members who joined within the community's ``newcomer_days``
(placeholders and deleted accounts aside). A newcomer is *stuck at the edge* when they
joined at least half of that period ago (:func:`stuck_after`; 15 days by default) and have
done at most one item of the checklist (:data:`STUCK_AT_MOST`).

Every read here costs a fixed number of queries: a page of newcomers is annotated with
each item in one query (``guilde.onboarding.checklist``), their buddies come in another.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership
from guilde.communities.permissions import membership_of
from guilde.core.permissions import can, require
from guilde.discussions.models import Thread
from guilde.knowledge.models import LearningPath, PathStep
from guilde.onboarding import checklist
from guilde.onboarding.models import Buddy, Onboarding

STUCK_AT_MOST = 1
BUDDY_OF_SHOWN = 100
THREAD_CHOICES = 100


def onboarding_for(community: Community) -> Onboarding:
    """The community's onboarding settings; unsaved defaults when none were saved yet."""
    found = next(
        iter(
            Onboarding.objects.filter(community=community).select_related(
                "starter_path", "introductions"
            )[:1]
        ),
        None,
    )
    if found is None:
        return Onboarding(community=community)
    found.community = community
    return found


def setup_for(community: Community, onboarding: Onboarding) -> checklist.Setup:
    """The checklist's parameters: the introductions thread if it is still the community's
    and listed (not moved, deleted, hidden or merged away), the starter path if it is the
    community's (with its number of steps)."""
    thread = onboarding.introductions
    introductions = (
        thread.pk
        if thread is not None
        and thread.community_id == community.pk
        and thread.deleted_at is None
        and thread.hidden_at is None
        and thread.merged_into_id is None
        else None
    )
    path = onboarding.starter_path
    steps = 0
    if path is not None and path.community_id == community.pk:
        steps = PathStep.objects.filter(section__path=path).count()
    return checklist.Setup(
        community_id=community.pk,
        introductions_id=introductions,
        starter_path_id=path.pk if steps and path is not None else None,
        starter_steps=steps,
    )


def progress(community: Community, member_ids: Collection[int]) -> dict[int, frozenset[str]]:
    """The checklist items each member has done in ``community`` (fixed queries)."""
    setup = setup_for(community, onboarding_for(community))
    return checklist.done_by(setup, member_ids)


def is_newcomer(
    membership: Membership | None, community: Community, now: datetime | None = None
) -> bool:
    """Whether ``membership`` (of ``community``) is a newcomer's: active, joined within the
    community's newcomer period."""
    if membership is None or not membership.is_active or membership.joined_at is None:
        return False
    return (now or timezone.now()) - membership.joined_at < timedelta(days=community.newcomer_days)


def stuck_after(community: Community) -> timedelta:
    """How long after joining a newcomer with (almost) nothing done counts as stuck."""
    return timedelta(days=max(1, community.newcomer_days // 2))


# A member's welcome -----------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: str | Promise
    url: str


@dataclass(frozen=True)
class Item:
    key: str
    label: str | Promise
    hint: str | Promise
    done: bool
    links: tuple[Link, ...]

    @property
    def url(self) -> str:
        return self.links[0].url


def _links(community: Community, setup: checklist.Setup, key: str) -> tuple[Link, ...]:
    slug = community.slug
    if key == checklist.PROFILE:
        return (Link(_("Edit your profile"), reverse("accounts:settings_profile")),)
    if key == checklist.INTRODUCE:
        if setup.introductions_id is not None:
            url = reverse("discussions:thread", args=[slug, setup.introductions_id])
            return (Link(_("Open the introductions thread"), f"{url}#reply"),)
        return (Link(_("Start a discussion"), reverse("discussions:create", args=[slug])),)
    if key == checklist.STARTER_PATH:
        url = reverse("knowledge:path", args=[slug, setup.starter_path_id])
        return (Link(_("Open the starter path"), url),)
    if key == checklist.EVENT:
        return (Link(_("See the coming events"), reverse("events:community", args=[slug])),)
    return (
        Link(
            _("Answer a question"),
            reverse("discussions:threads_filtered", args=[slug, "unanswered"]),
        ),
        Link(_("Ask a question"), reverse("discussions:create", args=[slug]) + "?kind=question"),
    )


def items(community: Community, setup: checklist.Setup, done: frozenset[str]) -> list[Item]:
    return [
        Item(
            key=key,
            label=checklist.LABELS[key],
            hint=checklist.HINTS[key],
            done=key in done,
            links=_links(community, setup, key),
        )
        for key in setup.items
    ]


@dataclass(frozen=True)
class Welcome:
    community: Community
    onboarding: Onboarding
    setup: checklist.Setup
    membership: Membership | None
    # None for those who have no checklist here (not an active member, or the community
    # is not active).
    items: list[Item] | None
    buddy: Buddy | None
    buddy_of: list[Buddy]
    is_newcomer: bool

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.items or [] if item.done)


def open_buddy(community: Community, newcomer: Any) -> Buddy | None:
    """``newcomer``'s buddy in ``community``: suggested or accepted."""
    if not newcomer.is_authenticated:
        return None
    return next(
        iter(
            Buddy.objects.filter(community=community, newcomer_id=newcomer.pk)
            .exclude(status=Buddy.Status.DECLINED)
            .select_related("buddy")[:1]
        ),
        None,
    )


def welcome_get(*, viewer: Any, community: Community) -> Welcome:
    """What the welcome page shows ``viewer`` (who may view ``community``)."""
    require(viewer, "view", community)
    onboarding = onboarding_for(community)
    setup = setup_for(community, onboarding)
    membership = membership_of(viewer, community)
    if not can(viewer, "onboard", community):
        return Welcome(community, onboarding, setup, membership, None, None, [], False)
    done = checklist.done_by(setup, [viewer.pk]).get(viewer.pk, frozenset())
    buddy = open_buddy(community, viewer)
    if buddy is not None and buddy.status == Buddy.Status.SUGGESTED and not onboarding.buddies:
        buddy = None  # suggestions wait while the coordinators turned buddies off
    buddy_of = list(
        Buddy.objects.filter(community=community, buddy_id=viewer.pk, status=Buddy.Status.ACCEPTED)
        .select_related("newcomer")
        .order_by("-answered_at", "-pk")[:BUDDY_OF_SHOWN]
    )
    return Welcome(
        community=community,
        onboarding=onboarding,
        setup=setup,
        membership=membership,
        items=items(community, setup, done),
        buddy=buddy,
        buddy_of=buddy_of,
        is_newcomer=is_newcomer(membership, community),
    )


# The coordinators' view of newcomers ------------------------------------------------------


@dataclass(frozen=True)
class Newcomers:
    community: Community
    setup: checklist.Setup
    memberships: QuerySet[Membership]


def newcomers(
    *,
    viewer: Any,
    community: Community,
    stuck_only: bool = False,
    sort: str = "stuck",
    now: datetime | None = None,
) -> Newcomers:
    """The community's newcomers with their progress (``item_<key>``, ``items_done``) and
    whether they are stuck (``stuck``), for those who run its onboarding."""
    require(viewer, "manage_onboarding", community)
    now = now or timezone.now()
    setup = setup_for(community, onboarding_for(community))
    stuck_before = now - stuck_after(community)
    memberships = (
        Membership.objects.filter(
            community=community,
            status=Membership.Status.ACTIVE,
            joined_at__gt=now - timedelta(days=community.newcomer_days),
            member__is_placeholder=False,
            member__deleted_at__isnull=True,
        )
        .select_related("member")
        .annotate(**checklist.progress_annotations(setup, "member_id"))
        .annotate(
            stuck=Case(
                When(
                    Q(joined_at__lte=stuck_before) & Q(items_done__lte=STUCK_AT_MOST),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )
    if stuck_only:
        memberships = memberships.filter(stuck=True)
    if sort == "newest":
        memberships = memberships.order_by("-joined_at", "-pk")
    elif sort == "progress":
        memberships = memberships.order_by(F("items_done").asc(), "joined_at", "pk")
    else:
        memberships = memberships.order_by(
            F("stuck").desc(), F("items_done").asc(), "joined_at", "pk"
        )
    return Newcomers(community=community, setup=setup, memberships=memberships)


@dataclass(frozen=True)
class NewcomerRow:
    member: User
    joined_at: datetime
    days: int
    done: frozenset[str]
    stuck: bool
    buddy: Buddy | None

    def has(self, key: str) -> bool:
        return key in self.done


def newcomer_rows(
    found: Newcomers, page: list[Membership], now: datetime | None = None
) -> list[NewcomerRow]:
    """A page of annotated memberships as rows, with each newcomer's buddy (one query)."""
    now = now or timezone.now()
    buddies = {
        b.newcomer_id: b
        for b in Buddy.objects.filter(
            community=found.community, newcomer_id__in=[m.member_id for m in page]
        )
        .exclude(status=Buddy.Status.DECLINED)
        .select_related("buddy")
    }
    rows = []
    for membership in page:
        joined = membership.joined_at or now
        rows.append(
            NewcomerRow(
                member=membership.member,
                joined_at=joined,
                days=(now - joined).days,
                done=checklist.done_items(found.setup, membership),
                stuck=bool(getattr(membership, "stuck", False)),
                buddy=buddies.get(membership.member_id),
            )
        )
    return rows


# Choices for the settings -------------------------------------------------------------------


def starter_path_choices(community: Community) -> QuerySet[LearningPath]:
    return LearningPath.objects.filter(community=community).order_by("position", "title", "pk")


def introductions_choices(community: Community, current: Thread | None) -> list[Thread]:
    """Recent listed discussions and announcements of the community (pinned first), and
    the thread chosen now if it is not among them."""
    threads = list(
        Thread.objects.listed()
        .filter(
            community=community,
            kind__in=[Thread.Kind.DISCUSSION, Thread.Kind.ANNOUNCEMENT],
            merged_into__isnull=True,
        )
        .order_by("-pinned", "-last_activity_at", "-pk")[:THREAD_CHOICES]
    )
    if current is not None and current.community_id == community.pk and current not in threads:
        threads.insert(0, current)
    return threads
