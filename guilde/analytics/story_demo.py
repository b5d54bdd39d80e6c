"""Demo data: value-creation stories in the main demo community (Service Design
Practitioners) — a member about an accepted answer, another about an event they attended,
a mentee about their mentoring — and a prompt waiting for a member. Written through the
services, as members would; idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from guilde.accounts.models import User
from guilde.analytics import story_services
from guilde.analytics.models import Story, StoryPrompt
from guilde.communities.models import Community
from guilde.discussions.models import Thread
from guilde.events.models import Registration
from guilde.mentoring.models import Relationship


def load(out: TextIO) -> None:
    community = Community.objects.filter(slug="service-design").first()
    if community is None or Story.objects.filter(community=community).exists():
        return
    told = 0
    question = (
        Thread.objects.filter(community=community, accepted_at__isnull=False)
        .exclude(author=None)
        .order_by("pk")
        .first()
    )
    if question is not None and question.author is not None:
        told += _tell(
            question.author,
            community,
            story_services.StoryInput(
                title="The checklist from the answers saved our audit",
                text="We used the accepted answer's checklist in our next accessibility "
                "audit. The team found the blocking issues in the first week instead of "
                "the third, and the agency now starts every audit from it.",
                cycle="realised",
                effect_kind="time_saved",
                effect_value=Decimal("12"),
                effect_unit="days",
                thread_id=question.pk,
            ),
        )
    attended = (
        Registration.objects.filter(
            event__community=community, response__in=["in_person", "online"]
        )
        .select_related("member")
        .order_by("pk")
        .first()
    )
    if attended is not None:
        told += _tell(
            attended.member,
            community,
            story_services.StoryInput(
                title="A workshop that changed how we plan research",
                text="After the workshop I ran a small co-design session with our "
                "caseworkers. They now ask for one before each new form.",
                cycle="applied",
                event_id=attended.event_id,
            ),
        )
    relationship = (
        Relationship.objects.filter(programme__community=community)
        .select_related("mentee")
        .order_by("pk")
        .first()
    )
    if relationship is not None:
        told += _tell(
            relationship.mentee,
            community,
            story_services.StoryInput(
                title="Mentoring made me rethink what a good service is",
                text="My mentor kept asking who was missing from the room. I stopped "
                "measuring projects by what we shipped and started measuring who could use it.",
                cycle="reframing",
                relationship_id=relationship.pk,
            ),
        )
        told += _tell(
            relationship.mentor,
            community,
            story_services.StoryInput(
                title="New contacts for the next project",
                text="Through my mentee I met two researchers I will work with next year.",
                cycle="potential",
            ),
        )
    if question is not None and question.author is not None:
        StoryPrompt.objects.get_or_create(
            member=question.author,
            kind=StoryPrompt.Kind.ACCEPTED_ANSWER,
            object_key=f"demo-{question.pk}",
            defaults={
                "community": community,
                "thread": question,
                "due_at": timezone.now() - timedelta(hours=1),
            },
        )
    out.write(f"Told {told} value-creation stories.\n")


def _tell(author: User, community: Community, data: story_services.StoryInput) -> int:
    try:
        story_services.story_create(actor=author, community=community, data=data)
    except (ValidationError, PermissionDenied, Http404):
        return 0  # the demo member may not write there (left, suspended...)
    return 1
