from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions import selectors, services
from guilde.discussions.models import Draft, Post, PostRevision, ReadState, Thread


@pytest.fixture
def community(db):
    return CommunityFactory.create()


def _thread(community, author=None, kind="discussion", **fields):
    author = author or member_of(community)
    return services.thread_create(
        actor=author,
        community=community,
        kind=kind,
        title=fields.pop("title", "A title"),
        body=fields.pop("body", "An opening post"),
        **fields,
    )


def test_a_thread_opens_with_its_first_post(community):
    Tag.objects.create(community=community, name="Bread", slug="bread")
    author = member_of(community)
    thread = _thread(community, author, title="  Sourdough   starters ", tags=["bread"])
    assert thread.title == "Sourdough starters"
    opening = thread.posts.get()
    assert (opening.position, opening.author) == (1, author)
    assert list(thread.tags.values_list("slug", flat=True)) == ["bread"]
    assert ReadState.objects.get(member=author, thread=thread).last_read_position == 1
    with pytest.raises(ValidationError):
        _thread(community, author, tags=["not-a-tag"])
    with pytest.raises(ValidationError):
        _thread(community, author, title=" ")


def test_only_moderators_announce_and_outsiders_do_not_post(community):
    with pytest.raises(PermissionDenied):
        _thread(community, member_of(community), kind="announcement")
    assert (
        _thread(community, member_of(community, role="moderator"), kind="announcement").kind
        == "announcement"
    )
    with pytest.raises((PermissionDenied, Http404)):
        _thread(community, MemberFactory.create())


def test_replies_take_the_next_position_and_update_the_counters(community):
    thread = _thread(community)
    replier = member_of(community)
    first = services.post_create(actor=replier, thread=thread, body="One")
    second = services.post_create(actor=replier, thread=thread, body="Two", reply_to=first)
    thread.refresh_from_db()
    assert (first.position, second.position) == (2, 3)
    assert (thread.last_position, thread.reply_count) == (3, 2)
    assert thread.last_activity_at == second.created_at
    assert second.reply_to == first


def test_editing_keeps_the_previous_version(community):
    author = member_of(community)
    thread = _thread(community, author, title="Old title", body="Old text")
    opening = thread.posts.get()
    services.post_edit(actor=author, post=opening, body="New text", title="New title")
    opening.refresh_from_db()
    thread.refresh_from_db()
    assert (opening.body, thread.title) == ("New text", "New title")
    assert opening.edited_at is not None
    revision = PostRevision.objects.get(post=opening)
    assert (revision.title, revision.body, revision.edited_by) == ("Old title", "Old text", author)
    with pytest.raises(PermissionDenied):
        services.post_edit(actor=member_of(community), post=opening, body="Hijacked")
    moderator = member_of(community, role="moderator")
    services.post_edit(actor=moderator, post=opening, body="Moderated text")
    assert PostRevision.objects.filter(post=opening).count() == 2


def test_an_author_deletes_a_post_and_replies_stay(community):
    author, other = member_of(community), member_of(community)
    thread = _thread(community, author)
    reply = services.post_create(actor=other, thread=thread, body="A reply")
    own = services.post_create(actor=author, thread=thread, body="Mine")
    services.post_delete(actor=author, post=own)
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert Post.objects.filter(pk=reply.pk, deleted_at__isnull=True).exists()
    # The opening post deleted while there are replies: the thread stays, with a tombstone.
    services.post_delete(actor=author, post=thread.posts.get(position=1))
    thread.refresh_from_db()
    assert thread.deleted_at is None
    with pytest.raises(PermissionDenied):
        services.post_delete(actor=author, post=reply)


def test_a_lone_opening_post_deleted_takes_its_thread(community):
    author = member_of(community)
    thread = _thread(community, author)
    services.post_delete(actor=author, post=thread.posts.get())
    thread.refresh_from_db()
    assert thread.deleted_at is not None
    assert not Thread.objects.filter(community=community).listed().exists()


def test_moderators_hide_and_restore(community):
    author, moderator = member_of(community), member_of(community, role="moderator")
    thread = _thread(community, author)
    reply = services.post_create(actor=author, thread=thread, body="Hide me")
    with pytest.raises(PermissionDenied):
        services.post_hide(actor=member_of(community), post=reply)
    services.post_hide(actor=moderator, post=reply)
    thread.refresh_from_db()
    assert thread.reply_count == 0
    services.post_restore(actor=moderator, post=reply)
    thread.refresh_from_db()
    assert thread.reply_count == 1
    services.post_hide(actor=moderator, post=thread.posts.get(position=1))
    thread.refresh_from_db()
    assert thread.hidden_at is not None


def test_administrators_purge_for_good(community):
    admin = MemberFactory.create(is_staff=True)
    author = member_of(community)
    thread = _thread(community, author)
    reply = services.post_create(actor=author, thread=thread, body="Erase me")
    with pytest.raises((PermissionDenied, Http404)):
        services.post_purge(actor=author, post=reply)
    services.post_purge(actor=admin, post=reply)
    assert not Post.objects.filter(pk=reply.pk).exists()
    services.post_purge(actor=admin, post=thread.posts.get(position=1))
    assert not Thread.objects.filter(pk=thread.pk).exists()


def test_votes_reactions_and_scores(community):
    author, voter = member_of(community), member_of(community)
    thread = _thread(community, author, kind="question")
    answer = services.post_create(actor=voter, thread=thread, body="Answer")
    assert services.vote_set(actor=author, post=answer, value=1) == 1
    assert services.vote_set(actor=author, post=answer, value=-1) == -1
    assert services.vote_set(actor=author, post=answer, value=0) == 0
    with pytest.raises(PermissionDenied):
        services.vote_set(actor=voter, post=answer, value=1)  # their own post
    services.vote_set(actor=voter, post=thread.posts.get(position=1), value=1)
    thread.refresh_from_db()
    assert thread.score == 1
    assert services.reaction_toggle(actor=author, post=answer, kind="heart") is True
    assert services.reaction_toggle(actor=author, post=answer, kind="heart") is False
    with pytest.raises(ValidationError):
        services.reaction_toggle(actor=author, post=answer, kind="poop")


def test_ideas_are_voted_up_and_coordinators_set_their_status(community):
    author = member_of(community)
    idea = _thread(community, author, kind="idea")
    with pytest.raises(ValidationError):
        services.vote_set(actor=member_of(community), post=idea.posts.get(), value=-1)
    with pytest.raises(PermissionDenied):
        services.idea_status_set(
            actor=member_of(community, role="moderator"), thread=idea, status="planned"
        )
    services.idea_status_set(
        actor=member_of(community, role="coordinator"), thread=idea, status="planned"
    )
    assert idea.idea_status == "planned"


def test_the_asker_accepts_an_answer_and_can_change_it(community):
    asker = member_of(community)
    question = _thread(community, asker, kind="question")
    first = services.post_create(actor=member_of(community), thread=question, body="First")
    second = services.post_create(actor=member_of(community), thread=question, body="Second")
    with pytest.raises(PermissionDenied):
        services.answer_accept(actor=member_of(community), thread=question, post=first)
    services.answer_accept(actor=asker, thread=question, post=first)
    services.answer_accept(actor=asker, thread=question, post=second)
    assert question.accepted_post == second
    with pytest.raises(ValidationError):
        services.answer_accept(actor=asker, thread=question, post=question.posts.get(position=1))
    # The accepted answer hidden: nothing is accepted any more.
    services.post_hide(actor=member_of(community, role="moderator"), post=second)
    question.refresh_from_db()
    assert question.accepted_post is None


def test_read_state_and_first_unread(community):
    reader = member_of(community)
    thread = _thread(community)
    for number in range(5):
        services.post_create(actor=member_of(community), thread=thread, body=f"Post {number}")
    thread.refresh_from_db()
    assert selectors.first_unread_position(viewer=reader, thread=thread) == 1
    services.thread_mark_read(member=reader, thread=thread, position=4)
    services.thread_mark_read(member=reader, thread=thread, position=2)  # never backwards
    assert selectors.first_unread_position(viewer=reader, thread=thread) == 5
    assert selectors.unread_thread_counts(viewer=reader, communities=[community]) == {
        community.pk: 1
    }
    services.thread_mark_read(member=reader, thread=thread, position=6)
    assert selectors.unread_thread_counts(viewer=reader, communities=[community]) == {}


def test_threads_never_opened_count_as_unread_while_recent(community):
    from datetime import timedelta

    from django.utils import timezone

    from guilde.communities.models import Membership
    from guilde.notifications.models import Subscription

    reader = member_of(community)
    Membership.objects.filter(member=reader).update(joined_at=timezone.now() - timedelta(days=400))
    _fresh, old, muted, before = (_thread(community) for _ in range(4))
    now = timezone.now()
    Thread.objects.filter(pk=old.pk).update(
        last_activity_at=now - timedelta(days=selectors.UNREAD_NEW_DAYS + 1)
    )
    Thread.objects.filter(pk=before.pk).update(last_activity_at=now - timedelta(days=401))
    Subscription.objects.create(member=reader, thread=muted, level="mute")
    counts = selectors.unread_thread_counts(viewer=reader, communities=[community])
    assert counts == {community.pk: 1}  # only the fresh one
    # Opened, then a new post long ago: still unread, however old (it is being followed).
    old.refresh_from_db()
    services.thread_mark_read(member=reader, thread=old, position=1)
    services.post_create(actor=member_of(community), thread=old, body="Late reply")
    Thread.objects.filter(pk=old.pk).update(last_activity_at=now - timedelta(days=60))
    assert selectors.unread_thread_counts(viewer=reader, communities=[community]) == {
        community.pk: 2
    }


def test_drafts_are_kept_and_forgotten(community):
    member = member_of(community)
    services.draft_save(
        actor=member, community=community, thread=None, title="Half", body="written"
    )
    assert Draft.objects.get(member=member).title == "Half"
    services.draft_save(
        actor=member, community=community, thread=None, title="Half", body="written more"
    )
    assert Draft.objects.get(member=member).body == "written more"
    _thread(community, member)
    assert not Draft.objects.filter(member=member).exists()
    services.draft_save(actor=member, community=community, thread=None, title="", body="")
    assert not Draft.objects.exists()


def test_archived_communities_are_read_only_for_discussions(community):
    author = member_of(community)
    thread = _thread(community, author)
    community.status = "archived"
    community.save()
    thread = Thread.objects.get(pk=thread.pk)
    with pytest.raises(PermissionDenied):
        services.post_create(actor=author, thread=thread, body="Too late")
    with pytest.raises(PermissionDenied):
        services.post_edit(actor=author, post=thread.posts.get(), body="Too late")


@pytest.mark.django_db
def test_visitors_can_do_nothing_to_a_post_by_every_rule():
    """post_views skips the write rules for visitors: each rule must refuse them anyway."""
    from django.contrib.auth.models import AnonymousUser

    from guilde.core.permissions import can

    community = CommunityFactory.create(visibility="public")
    author = member_of(community)
    thread = services.thread_create(
        actor=author, community=community, kind="question", title="T", body="B"
    )
    post = services.post_create(actor=member_of(community), thread=thread, body="Answer")
    visitor = AnonymousUser()
    assert can(visitor, "read", post)
    for action in ("edit", "delete", "hide", "purge", "react", "vote", "flag"):
        assert not can(visitor, action, post), action
