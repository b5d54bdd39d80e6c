"""Every moderation action: its effect, its entry in the log, and what readers see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.communities.models import Membership, ModerationLogEntry
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.discussions.models import Post, PostRevision, Thread
from guilde.moderation import services
from guilde.moderation.models import Appeal, Flag
from guilde.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db
Action = ModerationLogEntry.Action


@pytest.fixture
def guild():
    community = CommunityFactory.create(slug="guild", visibility="public", charter="Be kind.")
    people = {
        "coordinator": member_of(community, role="coordinator", username="coord"),
        "moderator": member_of(community, role="moderator", username="mod"),
        "author": member_of(community, username="author"),
        "reader": member_of(community, username="reader"),
    }
    thread = discussions.thread_create(
        actor=people["author"],
        community=community,
        kind="question",
        title="Sourdough?",
        body="How?",
    )
    reply = discussions.post_create(actor=people["reader"], thread=thread, body="Reader reply text")
    return {"community": community, "thread": thread, "reply": reply, **people}


def _page(member, url: str) -> str:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client.get(url).content.decode()


def _last(action: str) -> ModerationLogEntry:
    return ModerationLogEntry.objects.filter(action=action).latest("pk")


def _told(member, action: str) -> bool:
    run_queued_tasks()
    return Notification.objects.filter(
        recipient=member, kind=Kind.MODERATION, data__action=action
    ).exists()


def test_hide_and_restore(guild):
    reply, mod, reader = guild["reply"], guild["moderator"], guild["reader"]
    url = guild["thread"].get_absolute_url()
    discussions.post_hide(actor=mod, post=reply, reason="Rude")
    entry = _last(Action.POST_HIDE)
    assert (entry.actor, entry.member, entry.reason, entry.target_id) == (
        mod,
        reader,
        "Rude",
        reply.pk,
    )
    assert "Reader reply text" not in _page(guild["author"], url)
    assert "This post was hidden by a moderator." in _page(None, url)
    assert "Reader reply text" in _page(reader, url)  # its author still reads it
    assert _told(reader, Action.POST_HIDE)
    discussions.post_restore(actor=mod, post=reply)
    assert _last(Action.POST_RESTORE).member == reader
    assert "Reader reply text" in _page(None, url)


def test_lock_with_a_reason_and_unlock(guild):
    thread, mod = guild["thread"], guild["moderator"]
    discussions.thread_moderate(actor=mod, thread=thread, locked=True, reason="Heated; cooling off")
    assert _last(Action.THREAD_LOCK).reason == "Heated; cooling off"
    page = _page(guild["reader"], thread.get_absolute_url())
    assert "This thread is locked" in page
    assert "Heated; cooling off" in page
    assert 'name="body"' not in page  # no composer
    with pytest.raises(PermissionDenied):
        discussions.post_create(actor=guild["reader"], thread=thread, body="Still?")
    discussions.thread_moderate(actor=mod, thread=thread, locked=False)
    assert _last(Action.THREAD_UNLOCK).actor == mod
    discussions.post_create(actor=guild["reader"], thread=thread, body="Now I can")


def test_pin_in_the_community_and_for_everyone(guild):
    community, mod = guild["community"], guild["moderator"]
    other = discussions.thread_create(
        actor=guild["reader"],
        community=community,
        kind="discussion",
        title="Newer thread",
        body="x",
    )
    discussions.thread_moderate(actor=mod, thread=guild["thread"], pinned=True)
    assert _last(Action.THREAD_PIN).target_id == guild["thread"].pk
    listing = _page(None, "/communities/guild/threads/")
    assert listing.index("Sourdough?") < listing.index("Newer thread")
    with pytest.raises(PermissionDenied):
        discussions.thread_moderate(actor=mod, thread=other, pinned_globally=True)
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    discussions.thread_moderate(actor=admin, thread=other, pinned_globally=True)
    assert _last(Action.THREAD_PIN_GLOBALLY).actor == admin
    assert "Pinned for everyone" in _page(MemberFactory.create(), "/")
    discussions.thread_moderate(actor=admin, thread=other, pinned_globally=False)
    assert _last(Action.THREAD_UNPIN_GLOBALLY).actor == admin
    assert "Pinned for everyone" not in _page(None, "/")


def test_editing_someone_elses_post_is_recorded(guild):
    reply, mod = guild["reply"], guild["moderator"]
    discussions.post_edit(actor=mod, post=reply, body="Reader reply, tidied")
    revision = PostRevision.objects.get(post=reply)
    assert revision.edited_by == mod
    assert revision.body == "Reader reply text"
    assert _last(Action.POST_EDIT).member == guild["reader"]
    assert "tidied" in _page(None, guild["thread"].get_absolute_url())
    discussions.post_edit(actor=guild["reader"], post=reply, body="My own edit")
    assert ModerationLogEntry.objects.filter(action=Action.POST_EDIT).count() == 1


def test_close_a_question_as_off_topic_and_reopen(guild):
    thread, mod = guild["thread"], guild["moderator"]
    with pytest.raises(ValidationError):
        discussions.thread_close(actor=mod, thread=thread, reason=" ")
    discussions.thread_close(actor=mod, thread=thread, reason="Belongs in the bakers' guild")
    assert _last(Action.THREAD_CLOSE).reason == "Belongs in the bakers' guild"
    page = _page(None, thread.get_absolute_url())
    assert "closed as off-topic" in page
    assert "Belongs in the bakers" in page
    with pytest.raises(PermissionDenied):
        discussions.post_create(actor=guild["reader"], thread=thread, body="An answer")
    assert _told(guild["author"], Action.THREAD_CLOSE)
    discussions.thread_reopen(actor=mod, thread=thread)
    assert _last(Action.THREAD_REOPEN).actor == mod
    discussions.post_create(actor=guild["reader"], thread=thread, body="An answer at last")


def test_slow_mode(guild):
    thread, mod, reader = guild["thread"], guild["moderator"], guild["reader"]
    discussions.thread_slow_mode(actor=mod, thread=thread, minutes=15)
    assert _last(Action.THREAD_SLOW_MODE).details == {"minutes": 15}
    assert "every 15 minutes" in _page(None, thread.get_absolute_url())
    # The reader posted just now (the fixture's reply): they wait.
    with pytest.raises(ValidationError, match="slow mode"):
        discussions.post_create(actor=reader, thread=thread, body="Again")
    Post.objects.filter(author=reader).update(created_at=timezone.now() - timedelta(minutes=16))
    discussions.post_create(actor=reader, thread=thread, body="Again, later")
    discussions.post_create(actor=mod, thread=thread, body="Moderators are not slowed")
    discussions.post_create(actor=mod, thread=thread, body="Not even twice")


def test_moving_a_thread_rechecks_who_reads_it(guild):
    private = CommunityFactory.create(slug="inner", visibility="private", join_policy="approval")
    Membership.objects.create(
        community=private, member=guild["moderator"], role="moderator", joined_at=timezone.now()
    )
    thread = guild["thread"]
    with pytest.raises(Http404):  # the coordinator is not even in the other one
        discussions.thread_move(actor=guild["coordinator"], thread=thread, to=private)
    discussions.thread_move(actor=guild["moderator"], thread=thread, to=private, reason="Internal")
    entries = ModerationLogEntry.objects.filter(action=Action.THREAD_MOVE)
    assert sorted(entries.values_list("community__slug", flat=True)) == ["guild", "inner"]
    thread.refresh_from_db()
    assert thread.community == private
    assert _page(guild["reader"], f"/communities/inner/threads/{thread.pk}/") != ""
    assert Client().get(f"/communities/inner/threads/{thread.pk}/").status_code == 404
    assert Client().get(f"/communities/guild/threads/{thread.pk}/").status_code == 404
    assert _told(guild["author"], Action.THREAD_MOVE)


def test_merge_and_split(guild):
    community, mod, thread = guild["community"], guild["moderator"], guild["thread"]
    duplicate = discussions.thread_create(
        actor=guild["reader"],
        community=community,
        kind="discussion",
        title="Sourdough again",
        body="Same?",
    )
    discussions.post_create(actor=guild["author"], thread=duplicate, body="Duplicate answer")
    discussions.thread_merge(actor=mod, source=duplicate, into=thread, reason="Same question")
    entry = _last(Action.THREAD_MERGE)
    assert entry.details["from"] == duplicate.pk
    assert entry.reason == "Same question"
    thread.refresh_from_db()
    assert list(
        Post.objects.filter(thread=thread).order_by("position").values_list("position", flat=True)
    ) == [1, 2, 3, 4]
    client = Client()
    response = client.get(f"/communities/guild/threads/{duplicate.pk}/")
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert "Duplicate answer" in _page(None, thread.get_absolute_url())

    new = discussions.thread_split(
        actor=mod, thread=thread, positions=[3, 4], title="A side discussion"
    )
    assert _last(Action.THREAD_SPLIT).details == {"new_thread": new.pk, "positions": [3, 4]}
    assert list(new.posts.order_by("position").values_list("body", flat=True)) == [
        "Same?",
        "Duplicate answer",
    ]
    assert "Duplicate answer" not in _page(None, thread.get_absolute_url())
    assert "Duplicate answer" in _page(None, new.get_absolute_url())
    with pytest.raises(ValidationError):
        discussions.thread_split(actor=mod, thread=thread, positions=[1], title="No")


def test_suspension_and_lifting_it(guild):
    community, mod, reader = guild["community"], guild["moderator"], guild["reader"]
    membership = Membership.objects.get(community=community, member=reader)
    with pytest.raises(PermissionDenied):  # a moderator does not suspend another moderator
        community_services.membership_suspend(
            actor=mod,
            membership=Membership.objects.get(community=community, member=guild["coordinator"]),
            until=None,
            reason="x",
        )
    until = timezone.now() + timedelta(days=3)
    community_services.membership_suspend(
        actor=mod, membership=membership, until=until, reason="Spamming"
    )
    entry = _last(Action.MEMBER_SUSPEND)
    assert (entry.member, entry.reason) == (reader, "Spamming")
    assert _told(reader, Action.MEMBER_SUSPEND)
    assert "Sourdough?" in _page(reader, "/communities/guild/threads/")  # still reads
    community_services.membership_unsuspend(actor=mod, membership=membership)
    assert _last(Action.MEMBER_UNSUSPEND).member == reader
    discussions.post_create(actor=reader, thread=guild["thread"], body="Back")


def test_silence_everywhere(guild):
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    reader = guild["reader"]
    with pytest.raises(PermissionDenied):
        services.member_silence(actor=guild["coordinator"], member=reader, until=None, reason="x")
    services.member_silence(actor=admin, member=reader, until=None, reason="Harassment")
    assert _last(Action.MEMBER_SILENCE).community is None
    reader.refresh_from_db()
    with pytest.raises(PermissionDenied):
        discussions.post_create(actor=reader, thread=guild["thread"], body="Hello")
    from guilde.conversations import services as conversations

    with pytest.raises(PermissionDenied):
        conversations.conversation_start(sender=reader, recipients=[guild["author"]], body="Hi")
    services.member_unsilence(actor=admin, member=reader)
    reader.refresh_from_db()
    discussions.post_create(actor=reader, thread=guild["thread"], body="Hello again")
    assert _last(Action.MEMBER_UNSILENCE).actor == admin


def test_warning_reaches_only_the_member_and_the_coordinators(guild):
    mod, reader = guild["moderator"], guild["reader"]
    entry = services.warn(
        actor=mod, community=guild["community"], member=reader, message="Please stay on topic."
    )
    assert _told(reader, Action.MEMBER_WARN)
    url = f"/moderation/notices/{entry.pk}/"
    assert "Please stay on topic." in _page(reader, url)
    assert "Please stay on topic." in _page(guild["coordinator"], url)
    for outsider in (guild["author"], MemberFactory.create()):
        client = Client()
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_flags_hide_at_the_threshold_and_the_queue_decides(guild):
    community, reply = guild["community"], guild["reply"]
    community.flag_threshold = 2
    community.save()
    flaggers = [guild["author"], member_of(community)]
    services.flag_create(actor=flaggers[0], post=reply, reason=Flag.Reason.SPAM)
    with pytest.raises(ValidationError):
        services.flag_create(actor=flaggers[0], post=reply, reason=Flag.Reason.SPAM)
    reply.refresh_from_db()
    assert reply.hidden_at is None
    services.flag_create(actor=flaggers[1], post=reply, reason=Flag.Reason.OFF_TOPIC)
    reply.refresh_from_db()
    assert reply.hidden_reason == "flags"
    assert _last(Action.AUTO_HIDE).actor is None
    assert "hidden after flags" in _page(None, guild["thread"].get_absolute_url())
    # A moderator disagrees: the post comes back; flaggers learn it.
    services.flags_resolve(actor=guild["moderator"], post=reply, agree=False, reason="Fine")
    reply.refresh_from_db()
    assert reply.hidden_at is None
    assert _last(Action.FLAGS_DISAGREE).details["flags"] == 2
    run_queued_tasks()
    outcomes = Notification.objects.filter(kind=Kind.FLAG_OUTCOME, data__agreed=False)
    assert sorted(n.recipient_id for n in outcomes) == sorted(f.pk for f in flaggers)
    # Flag again, a moderator agrees from the queue page: hidden for good.
    services.flag_create(actor=flaggers[0], post=reply, reason=Flag.Reason.INAPPROPRIATE)
    client = Client()
    client.force_login(guild["moderator"])
    assert "Inappropriate" in client.get("/communities/guild/moderation/").content.decode()
    client.post(
        f"/communities/guild/moderation/posts/{reply.pk}/",
        {"decision": "agree", "reason": "Insulting"},
    )
    reply.refresh_from_db()
    assert reply.hidden_reason == "moderator"
    assert _last(Action.FLAGS_AGREE).reason == "Insulting"
    assert "Nothing is waiting." in client.get("/communities/guild/moderation/").content.decode()


def test_newcomers_first_posts_wait_for_approval(guild):
    community = guild["community"]
    community.review_first_posts = True
    community.save()
    newcomer = member_of(community, username="newbie")
    held = discussions.post_create(actor=newcomer, thread=guild["thread"], body="My first words")
    assert held.hidden_reason == "review"
    assert "My first words" not in _page(guild["reader"], guild["thread"].get_absolute_url())
    assert "My first words" in _page(newcomer, guild["thread"].get_absolute_url())
    run_queued_tasks()
    assert not Notification.objects.filter(post=held).exists()  # not announced yet
    services.held_post_decide(actor=guild["moderator"], post=held, approve=True)
    assert _last(Action.POST_APPROVE).member == newcomer
    assert "My first words" in _page(guild["reader"], guild["thread"].get_absolute_url())
    run_queued_tasks()
    assert Notification.objects.filter(
        post=held, recipient=guild["author"]
    ).exists()  # announced now
    # Approved once: the next post goes straight through.
    assert (
        discussions.post_create(actor=newcomer, thread=guild["thread"], body="Second").hidden_at
        is None
    )
    # A held new thread; rejected.
    other = member_of(community, username="other-newbie")
    thread = discussions.thread_create(
        actor=other, community=community, kind="discussion", title="Buy now", body="Spam"
    )
    assert thread.hidden_reason == "review"
    assert "Buy now" not in _page(guild["reader"], "/communities/guild/threads/")
    services.held_post_decide(
        actor=guild["moderator"], post=thread.posts.get(), approve=False, reason="Spam"
    )
    assert _last(Action.POST_REJECT).reason == "Spam"
    assert Thread.objects.get(pk=thread.pk).hidden_reason == "moderator"


def test_appeals_go_to_someone_else_once(guild):
    mod, coordinator, reader, reply = (
        guild["moderator"],
        guild["coordinator"],
        guild["reader"],
        guild["reply"],
    )
    discussions.post_hide(actor=mod, post=reply, reason="Off-topic")
    decision = _last(Action.POST_HIDE)
    with pytest.raises(Http404):  # not theirs to see
        services.appeal_create(actor=guild["author"], decision=decision, message="Not mine")
    appeal = services.appeal_create(
        actor=reader, decision=decision, message="It answers the question"
    )
    with pytest.raises(PermissionDenied):  # once
        services.appeal_create(actor=reader, decision=decision, message="Again")
    with pytest.raises(PermissionDenied):  # not by who decided
        services.appeal_decide(actor=mod, appeal=appeal, overturn=True, outcome="x")
    client = Client()
    client.force_login(coordinator)
    assert (
        "It answers the question" in client.get("/communities/guild/moderation/").content.decode()
    )
    client.force_login(mod)
    assert (
        "It answers the question"
        not in client.get("/communities/guild/moderation/").content.decode()
    )
    services.appeal_decide(
        actor=coordinator, appeal=appeal, overturn=True, outcome="Indeed on topic"
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OVERTURNED
    reply.refresh_from_db()
    assert reply.hidden_at is None
    assert _last(Action.APPEAL_OVERTURN).reason == "Indeed on topic"
    assert _told(reader, Action.APPEAL_OVERTURN)
    page = _page(reader, f"/moderation/notices/{decision.pk}/")
    assert "Indeed on topic" in page
    assert "Send my appeal" not in page


def test_the_log_is_for_coordinators_and_administrators_and_exports_as_csv(guild):
    discussions.post_hide(
        actor=guild["moderator"], post=guild["reply"], reason="Rude, with a comma"
    )
    for role, status in (("coordinator", 200), ("moderator", 403), ("author", 403)):
        client = Client()
        client.force_login(guild[role])
        assert client.get("/communities/guild/moderation/log/").status_code == status
        assert client.get("/communities/guild/moderation/log.csv").status_code == status
    client = Client()
    client.force_login(guild["coordinator"])
    response = client.get("/communities/guild/moderation/log.csv")
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0] == "when,community,action,moderator,on,id,what,member,reason"
    assert ",guild,post_hide,mod,post," in text
    assert '"Rude, with a comma"' in text


def test_purge_and_unpin_are_logged(guild):
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    reply, thread = guild["reply"], guild["thread"]
    discussions.post_purge(actor=admin, post=reply)
    entry = _last(Action.POST_PURGE)
    assert (entry.target_label, entry.member) == ("Sourdough? #2", guild["reader"])
    assert "Reader reply text" not in _page(guild["moderator"], thread.get_absolute_url())
    discussions.thread_moderate(actor=guild["moderator"], thread=thread, pinned=True)
    discussions.thread_moderate(actor=guild["moderator"], thread=thread, pinned=False)
    assert _last(Action.THREAD_UNPIN).actor == guild["moderator"]
    discussions.thread_moderate(actor=guild["moderator"], thread=thread, pinned=False)  # no change
    assert ModerationLogEntry.objects.filter(action=Action.THREAD_UNPIN).count() == 1
