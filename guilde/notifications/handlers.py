"""Who hears about what, when something happens (run by the worker; see guilde.core.events).

One notification per person per event, the most personal reason winning:
mention > reply to their post > answer to their question > a thread they watch.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Q

from guilde.accounts.models import User
from guilde.communities.models import Community, CommunityInvitation, Membership
from guilde.core.events import subscriber
from guilde.core.markdown import render
from guilde.discussions.models import Post, Thread
from guilde.notifications import services
from guilde.notifications.models import Kind, Level


def _mentioned(post: Post) -> list[User]:
    names = render(post.body, resolve_usernames=lambda found: found).mentions
    if not names:
        return []
    return list(User.objects.real().filter(username__in=names))


def _auto_watch(member: User | None, thread: Thread, *, started: bool) -> None:
    if member is None or not member.is_active:
        return
    preferences = services.settings_for(member)
    if (started and preferences.watch_started) or (not started and preferences.watch_replied):
        services.subscription_set(member=member, target=thread, level=Level.WATCH, automatic=True)


@subscriber("thread.created")
def on_thread_created(thread_id: int) -> None:
    thread = Thread.objects.select_related("community", "author").filter(pk=thread_id).first()
    opening = (
        Post.objects.filter(thread_id=thread_id, position=1)
        .select_related("thread__community")
        .first()
    )
    if thread is None or opening is None:
        return
    _auto_watch(thread.author, thread, started=True)
    told: set[int] = set()
    for member in _mentioned(opening):
        if services.notify(recipient=member, kind=Kind.MENTION, actor=thread.author, post=opening):
            told.add(member.pk)
    for member in services.new_thread_watchers(thread):
        if member.pk not in told:
            services.notify(
                recipient=member, kind=Kind.WATCHED_THREAD, actor=thread.author, post=opening
            )


@subscriber("post.created")
def on_post_created(post_id: int) -> None:
    post = (
        Post.objects.select_related(
            "thread__community", "thread__author", "author", "reply_to__author"
        )
        .filter(pk=post_id)
        .first()
    )
    if post is None or not post.is_visible:
        return
    thread = post.thread
    _auto_watch(post.author, thread, started=False)
    reasons: dict[int, tuple[User, str]] = {}

    def tell(member: User | None, kind: str) -> None:
        if member is not None and member.pk not in reasons:
            reasons[member.pk] = (member, kind)

    for member in _mentioned(post):
        tell(member, Kind.MENTION)
    if post.reply_to is not None:
        tell(post.reply_to.author, Kind.REPLY)
    if thread.is_question:
        tell(thread.author, Kind.ANSWER)
    for member in services.thread_watchers(thread):
        tell(member, Kind.WATCHED_POST)
    for member, kind in reasons.values():
        services.notify(recipient=member, kind=kind, actor=post.author, post=post)


@subscriber("answer.accepted")
def on_answer_accepted(thread_id: int, post_id: int, actor_id: int) -> None:
    post = Post.objects.select_related("thread__community", "author").filter(pk=post_id).first()
    actor = User.objects.filter(pk=actor_id).first()
    if post is not None and post.author is not None and post.thread.accepted_post_id == post.pk:
        services.notify(recipient=post.author, kind=Kind.ACCEPTED, actor=actor, post=post)


@subscriber("reaction.added")
def on_reaction_added(post_id: int, member_id: int, kind: str) -> None:
    post = Post.objects.select_related("thread__community", "author").filter(pk=post_id).first()
    actor = User.objects.filter(pk=member_id).first()
    if post is None or post.author is None:
        return
    services.notify(
        recipient=post.author,
        kind=Kind.REACTION,
        actor=actor,
        post=post,
        data={"last_reaction": kind},
        batch_key=f"reaction:{post.pk}",
    )


@subscriber("membership.decided")
def on_membership_decided(community_id: int, member_id: int, approved: bool, actor_id: int) -> None:
    community = Community.objects.filter(pk=community_id).first()
    member = User.objects.filter(pk=member_id).first()
    if community is None or member is None:
        return
    services.notify(
        recipient=member,
        kind=Kind.MEMBERSHIP,
        actor=User.objects.filter(pk=actor_id).first(),
        community=community,
        data={"approved": approved},
        check_visibility=approved,  # a declined request to a private community: still say so
    )


@subscriber("join.requested")
def on_join_requested(community_id: int, member_id: int) -> None:
    community = Community.objects.filter(pk=community_id).first()
    requester = User.objects.filter(pk=member_id).first()
    if community is None or requester is None:
        return
    deciders = Membership.objects.filter(
        community=community,
        status=Membership.Status.ACTIVE,
        role__in=[Membership.Role.COORDINATOR, Membership.Role.MODERATOR],
    ).select_related("member")
    for decider in deciders:
        services.notify(
            recipient=decider.member,
            kind=Kind.JOIN_REQUEST,
            actor=requester,
            community=community,
            batch_key=f"join:{community.pk}",
        )


@subscriber("invitation.created")
def on_invitation_created(invitation_id: int) -> None:
    invitation = (
        CommunityInvitation.objects.select_related("community", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_open():
        return
    address = (
        EmailAddress.objects.filter(email__iexact=invitation.email, verified=True)
        .select_related("user")
        .first()
    )
    if address is None:
        return  # the invitation e-mail is enough for people without an account
    services.notify(
        recipient=address.user,
        kind=Kind.INVITATION,
        actor=invitation.invited_by,
        community=invitation.community,
        data={"invitation": invitation.pk},
        check_visibility=False,  # an invitation reveals the community to its invitee, by design
    )


@subscriber("message.created")
def on_message_created(message_id: int) -> None:
    from guilde.conversations.models import Message, Participant
    from guilde.conversations.services import batch_key

    message = Message.objects.select_related("conversation", "author").filter(pk=message_id).first()
    if message is None:
        return
    conversation = message.conversation
    others = (
        Participant.objects.filter(conversation=conversation, left_at__isnull=True)
        .exclude(member_id=message.author_id)
        .select_related("member")
    )
    for participant in others:
        services.notify(
            recipient=participant.member,
            kind=Kind.MESSAGE,
            actor=message.author,
            data={"conversation": conversation.pk, "message": message.pk},
            batch_key=batch_key(conversation),
            check_visibility=False,  # the recipient is a participant: checked just above
        )


@subscriber("moderation.logged")
def on_moderation_logged(entry_id: int) -> None:
    """A moderation decision about a member or their post: they are told, with a link to
    the decision (its reason, and the appeal)."""
    from guilde.communities.models import ModerationLogEntry

    entry = (
        ModerationLogEntry.objects.select_related("member", "community").filter(pk=entry_id).first()
    )
    if entry is None or entry.member is None:
        return
    services.notify(
        recipient=entry.member,
        kind=Kind.MODERATION,
        community=entry.community,
        data={"entry": entry.pk, "action": entry.action, "label": entry.target_label},
        check_visibility=entry.community is not None,
    )


@subscriber("flags.resolved")
def on_flags_resolved(post_id: int, flag_ids: list[int]) -> None:
    """Flaggers learn what the moderators decided."""
    from guilde.moderation.models import Flag

    flags = Flag.objects.filter(pk__in=flag_ids).select_related(
        "flagger", "post__thread__community"
    )
    for flag in flags:
        thread = flag.post.thread
        services.notify(
            recipient=flag.flagger,
            kind=Kind.FLAG_OUTCOME,
            community=thread.community,
            data={"agreed": flag.status == Flag.Status.AGREED, "label": thread.title[:200]},
        )


def _stewards(community: Community) -> list[User]:
    return [
        m.member
        for m in Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .filter(Q(role=Membership.Role.COORDINATOR) | Q(steward=True))
        .select_related("member")
    ]


@subscriber("article.needs_review")
def on_article_needs_review(article_id: int, reason: str) -> None:
    """Stewards learn that an article needs them (verification expired, reported outdated)."""
    from guilde.knowledge.models import Article

    article = Article.objects.select_related("community").filter(pk=article_id).first()
    if article is None:
        return
    for steward in _stewards(article.community):
        services.notify(
            recipient=steward,
            kind=Kind.KNOWLEDGE,
            community=article.community,
            data={"article": article.pk, "event": reason, "label": article.title},
        )


@subscriber("proposal.created")
def on_proposal_created(proposal_id: int) -> None:
    from guilde.knowledge.models import Proposal

    proposal = (
        Proposal.objects.select_related("article__community", "author")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        return
    article = proposal.article
    for steward in _stewards(article.community):
        services.notify(
            recipient=steward,
            kind=Kind.KNOWLEDGE,
            actor=proposal.author,
            community=article.community,
            data={
                "article": article.pk,
                "proposal": proposal.pk,
                "event": "proposal",
                "label": article.title,
            },
        )


@subscriber("proposal.decided")
def on_proposal_decided(proposal_id: int) -> None:
    from guilde.knowledge.models import Proposal

    proposal = (
        Proposal.objects.select_related("article__community", "author", "reviewed_by")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None or proposal.author is None:
        return
    article = proposal.article
    services.notify(
        recipient=proposal.author,
        kind=Kind.KNOWLEDGE,
        actor=proposal.reviewed_by,
        community=article.community,
        data={
            "article": article.pk,
            "proposal": proposal.pk,
            "event": proposal.status,
            "label": article.title,
        },
    )
