"""Demo moderation in "Service Design Practitioners": flags waiting in the queue, a
newcomer's first post held for review, a suspension under appeal, a warning, a question
closed as a duplicate."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

from django.utils import timezone

from guilde.accounts.models import User
from guilde.communities import services as community_services
from guilde.communities.models import Community, Membership, ModerationLogEntry
from guilde.discussions import services as discussions
from guilde.discussions.models import Post, Thread
from guilde.moderation import services
from guilde.moderation.models import Flag

COMMUNITY = "service-design"


def _member(username: str) -> User:
    return User.objects.get(username=username)


def load(out: TextIO) -> None:
    community = Community.objects.filter(slug=COMMUNITY).first()
    if community is None or ModerationLogEntry.objects.filter(community=community).exists():
        return
    thread = Thread.objects.filter(community=community).listed().order_by("created_at").first()
    if thread is None:
        return
    moderator, coordinator = _member("chloe"), _member("camille")
    # Flags on an off-topic reply.
    off_topic = discussions.post_create(
        actor=_member("nina"),
        thread=thread,
        body="Does anyone know a good place for lunch near the station?",
    )
    services.flag_create(actor=_member("emma"), post=off_topic, reason=Flag.Reason.OFF_TOPIC)
    services.flag_create(
        actor=_member("priya"),
        post=off_topic,
        reason=Flag.Reason.OTHER,
        text="Nice question, wrong place: maybe the community's social thread?",
    )
    # Newcomers' first posts wait for a moderator here; one is waiting.
    community.review_first_posts = True
    community.save(update_fields=["review_first_posts"])
    newcomer = next(
        (
            m.member
            for m in Membership.objects.filter(community=community, role="member").select_related(
                "member"
            )
            if not Post.objects.filter(author=m.member, thread__community=community).exists()
        ),
        None,
    )
    if newcomer is not None:
        discussions.post_create(
            actor=newcomer, thread=thread, body="Hello! I run the design team of a small city hall."
        )
    # A warning, and a suspension the member appealed.
    services.warn(
        actor=moderator,
        community=community,
        member=_member("ben"),
        message="Please keep disagreements about ideas, not people.",
    )
    membership = Membership.objects.get(community=community, member=_member("ben"))
    community_services.membership_suspend(
        actor=moderator,
        membership=membership,
        until=timezone.now() + timedelta(days=3),
        reason="Repeated personal remarks after a warning.",
    )
    decision = ModerationLogEntry.objects.filter(
        community=community, action=ModerationLogEntry.Action.MEMBER_SUSPEND
    ).latest("pk")
    services.appeal_create(
        actor=_member("ben"),
        decision=decision,
        message="I apologised in the thread; could the suspension be shortened?",
    )
    discussions.thread_moderate(actor=coordinator, thread=thread, pinned=True)
    # A question asked again in other words (and in French), closed as a duplicate.
    original = (
        Thread.objects.filter(community=community, kind=Thread.Kind.QUESTION)
        .listed()
        .filter(title__startswith="How do you recruit participants")
        .first()
    )
    if original is not None:
        again = discussions.thread_create(
            actor=_member("nina"),
            community=community,
            kind=Thread.Kind.QUESTION,
            title="Recruter des allocataires pour des entretiens utilisateurs",
            body="Comment trouver et rémunérer des personnes qui touchent des aides sociales "
            "pour nos entretiens, sans que cela réduise leurs aides ?",
        )
        discussions.thread_close_as_duplicate(actor=moderator, thread=again, original=original)
    out.write(
        "Demo moderation: flags, a held post, a warning, a suspension under appeal, "
        "a duplicate question.\n"
    )
