"""Who may do what with threads and posts (rules registered with the permission framework).

============  ======================================================================
thread        allowed to
============  ======================================================================
view          those who may view the community; a hidden thread only to its author
              and the community's moderators; a thread its author deleted only to
              moderators
reply         those who may post in the community, on a thread neither locked, closed,
              merged, hidden nor deleted
edit          its author (while they may post there) and moderators
accept        on a question: its author and moderators (accepting an answer)
set_status    on an idea: coordinators and administrators
moderate      moderators (hide, pin, lock, close, slow mode, move, merge, split)
============  ======================================================================

============  ======================================================================
post          allowed to
============  ======================================================================
view          those who may view its thread
read          see its text: anyone who may view it, unless it was deleted by its
              author (nobody) or hidden (its author and moderators)
edit          its author while they may post there, moderators
delete        its author (deleted by author: a tombstone, replies stay)
hide          moderators (hidden; they can restore it)
purge         administrators (gone for good)
react, vote   members who may post in the community, on a visible post; nobody votes
              on their own post
flag          signed-in people who may read a visible post, not its author, not silenced
============  ======================================================================

"Moderators" are the community's moderators and coordinators, and administrators.
"""

from __future__ import annotations

from typing import Any

from guilde.communities.models import Community, Membership
from guilde.communities.permissions import active_role, can_post, can_view, is_admin
from guilde.core.permissions import rule
from guilde.discussions.models import Post, Thread


def moderates(viewer: Any, community: Community) -> bool:
    """Moderator of the community (whatever its status), or an administrator."""
    return is_admin(viewer) or active_role(viewer, community) in (
        Membership.Role.MODERATOR,
        Membership.Role.COORDINATOR,
    )


def _is_author(viewer: Any, obj: Thread | Post) -> bool:
    return bool(viewer.is_authenticated and obj.author_id == viewer.pk)


@rule(Community, "announce")
def can_announce(viewer: Any, community: Community) -> bool:
    return community.status == Community.Status.ACTIVE and moderates(viewer, community)


@rule(Thread, "view", decides_visibility=True)
def can_view_thread(viewer: Any, thread: Thread) -> bool:
    if not can_view(viewer, thread.community):
        return False
    if thread.deleted_at is not None:
        return moderates(viewer, thread.community)
    if thread.hidden_at is not None:
        return _is_author(viewer, thread) or moderates(viewer, thread.community)
    return True


@rule(Thread, "reply")
def can_reply(viewer: Any, thread: Thread) -> bool:
    return (
        can_post(viewer, thread.community)
        and not thread.locked
        and thread.closed_at is None
        and thread.merged_into_id is None
        and thread.deleted_at is None
        and thread.hidden_at is None
    )


@rule(Thread, "edit")
def can_edit_thread(viewer: Any, thread: Thread) -> bool:
    if not can_view_thread(viewer, thread) or thread.community.status != Community.Status.ACTIVE:
        return False
    return (_is_author(viewer, thread) and can_post(viewer, thread.community)) or moderates(
        viewer, thread.community
    )


@rule(Thread, "accept")
def can_accept(viewer: Any, thread: Thread) -> bool:
    return thread.is_question and can_edit_thread(viewer, thread)


@rule(Thread, "set_status")
def can_set_idea_status(viewer: Any, thread: Thread) -> bool:
    if thread.kind != Thread.Kind.IDEA or thread.community.status != Community.Status.ACTIVE:
        return False
    return is_admin(viewer) or active_role(viewer, thread.community) == Membership.Role.COORDINATOR


@rule(Thread, "moderate")
def can_moderate_thread(viewer: Any, thread: Thread) -> bool:
    return thread.community.status == Community.Status.ACTIVE and moderates(
        viewer, thread.community
    )


@rule(Post, "view", decides_visibility=True)
def can_view_post(viewer: Any, post: Post) -> bool:
    return can_view_thread(viewer, post.thread)


@rule(Post, "read")
def can_read_post(viewer: Any, post: Post) -> bool:
    if not can_view_post(viewer, post) or post.deleted_at is not None:
        return False
    if post.hidden_at is not None:
        return _is_author(viewer, post) or moderates(viewer, post.thread.community)
    return True


@rule(Post, "edit")
def can_edit_post(viewer: Any, post: Post) -> bool:
    community = post.thread.community
    if post.deleted_at is not None or community.status != Community.Status.ACTIVE:
        return False
    if not can_view_post(viewer, post):
        return False
    return (_is_author(viewer, post) and can_post(viewer, community)) or moderates(
        viewer, community
    )


@rule(Post, "delete")
def can_delete_post(viewer: Any, post: Post) -> bool:
    return (
        post.deleted_at is None
        and _is_author(viewer, post)
        and can_view_post(viewer, post)
        and post.thread.community.status == Community.Status.ACTIVE
    )


@rule(Post, "hide")
def can_hide_post(viewer: Any, post: Post) -> bool:
    return (
        post.deleted_at is None
        and post.thread.community.status == Community.Status.ACTIVE
        and moderates(viewer, post.thread.community)
    )


@rule(Post, "purge")
def can_purge_post(viewer: Any, post: Post) -> bool:
    return is_admin(viewer)


@rule(Post, "react")
def can_react(viewer: Any, post: Post) -> bool:
    return post.is_visible and can_reply(viewer, post.thread)


@rule(Post, "vote")
def can_vote(viewer: Any, post: Post) -> bool:
    return can_react(viewer, post) and not _is_author(viewer, post)


@rule(Post, "flag")
def can_flag(viewer: Any, post: Post) -> bool:
    if not viewer.is_authenticated or viewer.is_silenced() or post.author_id == viewer.pk:
        return False
    return post.is_visible and can_read_post(viewer, post)
