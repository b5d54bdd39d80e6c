from __future__ import annotations

import pytest

from guilde.accounts.models import Block
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.notifications import services
from guilde.notifications.models import Kind, Notification, Subscription


def _kinds(member) -> list[str]:
    return sorted(Notification.objects.filter(recipient=member).values_list("kind", flat=True))


@pytest.fixture
def community(db):
    return CommunityFactory.create()


def test_one_notification_per_person_the_most_personal_reason_wins(community):
    asker, helper, watcher, mentioned = (member_of(community) for _ in range(4))
    question = discussions.thread_create(
        actor=asker, community=community, kind="question", title="Q", body="Help"
    )
    services.subscription_set(member=watcher, target=question, level="watch")
    services.subscription_set(member=mentioned, target=question, level="watch")
    run_queued_tasks()
    discussions.post_create(
        actor=helper, thread=question, body=f"Here is how, and @{mentioned.username} knows more"
    )
    run_queued_tasks()
    assert _kinds(asker) == ["answer"]
    assert _kinds(watcher) == ["watched_post"]
    assert _kinds(mentioned) == ["mention"]
    assert _kinds(helper) == []  # nobody is told about their own post
    # Starting and replying made both watchers of the thread.
    assert Subscription.objects.filter(
        member=asker, thread=question, level="watch", automatic=True
    ).exists()
    assert Subscription.objects.filter(
        member=helper, thread=question, level="watch", automatic=True
    ).exists()


def test_replies_to_a_post_and_new_threads_in_watched_places(community):
    Tag.objects.create(community=community, name="Bread", slug="bread")
    author, replier, community_watcher, tag_watcher = (member_of(community) for _ in range(4))
    services.subscription_set(member=community_watcher, target=community, level="watch")
    services.subscription_set(
        member=tag_watcher, target=Tag.objects.get(slug="bread"), level="watch"
    )
    thread = discussions.thread_create(
        actor=author, community=community, kind="discussion", title="T", body="B", tags=["bread"]
    )
    run_queued_tasks()
    assert _kinds(community_watcher) == ["watched_thread"]
    assert _kinds(tag_watcher) == ["watched_thread"]
    first = discussions.post_create(actor=replier, thread=thread, body="First")
    discussions.post_create(actor=author, thread=thread, body="Answering you", reply_to=first)
    run_queued_tasks()
    assert "reply" in _kinds(replier)


def test_muting_silences_a_thread_but_not_mentions(community):
    author, muter = member_of(community), member_of(community)
    thread = discussions.thread_create(
        actor=author, community=community, kind="discussion", title="T", body="B"
    )
    services.subscription_set(member=muter, target=thread, level="mute")
    services.subscription_set(member=muter, target=community, level="watch")
    discussions.post_create(actor=author, thread=thread, body="Something")
    run_queued_tasks()
    assert _kinds(muter) == []
    discussions.post_create(actor=author, thread=thread, body=f"@{muter.username} look")
    run_queued_tasks()
    assert _kinds(muter) == ["mention"]


def test_a_member_who_blocked_someone_hears_nothing_from_them(community):
    author, blocker = member_of(community), member_of(community)
    Block.objects.create(blocker=blocker, blocked=author)
    discussions.thread_create(
        actor=author, community=community, kind="discussion", title="T", body=f"@{blocker.username}"
    )
    run_queued_tasks()
    assert _kinds(blocker) == []


def test_nobody_is_told_about_what_they_may_not_see(db):
    private = CommunityFactory.create(visibility="private", join_policy="approval")
    author = member_of(private)
    outsider = MemberFactory.create()
    thread = discussions.thread_create(
        actor=author, community=private, kind="discussion", title="T", body=f"@{outsider.username}"
    )
    Subscription.objects.create(
        member=outsider, thread=thread, level="watch"
    )  # left over from before
    discussions.post_create(actor=author, thread=thread, body="More")
    run_queued_tasks()
    assert _kinds(outsider) == []


def test_reactions_are_batched_and_accepted_answers_told(community):
    asker, helper = member_of(community), member_of(community)
    fans = [member_of(community) for _ in range(3)]
    question = discussions.thread_create(
        actor=asker, community=community, kind="question", title="Q", body="?"
    )
    answer = discussions.post_create(actor=helper, thread=question, body="!")
    for fan in fans:
        discussions.reaction_toggle(actor=fan, post=answer, kind="heart")
    discussions.answer_accept(actor=asker, thread=question, post=answer)
    run_queued_tasks()
    reactions = Notification.objects.get(recipient=helper, kind=Kind.REACTION)
    assert reactions.data["count"] == 3
    assert Notification.objects.filter(recipient=helper, kind=Kind.ACCEPTED).count() == 1


def test_membership_decisions_requests_and_invitations(community):
    coordinator = member_of(community, role="coordinator")
    community.join_policy = "approval"
    community.save()
    hopeful = MemberFactory.create()
    request = community_services.membership_join(actor=hopeful, community=community)
    run_queued_tasks()
    assert _kinds(coordinator) == ["join_request"]
    community_services.membership_decide(actor=coordinator, membership=request, approve=True)
    friend = MemberFactory.create(email="friend@example.org")
    community_services.invitation_create(
        actor=coordinator, community=community, email="friend@example.org"
    )
    community_services.invitation_create(
        actor=coordinator, community=community, email="nobody-yet@example.org"
    )
    run_queued_tasks()
    decided = Notification.objects.get(recipient=hopeful, kind=Kind.MEMBERSHIP)
    assert decided.data["approved"] is True
    assert _kinds(friend) == ["invitation"]


def test_marking_read(community):
    member = member_of(community)
    for number in range(3):
        services.notify(
            recipient=member,
            kind=Kind.MESSAGE,
            data={"conversation": number},
            check_visibility=False,
        )
    first = Notification.objects.filter(recipient=member).earliest("pk")
    assert services.mark_read(member=member, notification_ids=[first.pk]) == 1
    assert services.mark_read(member=member) == 2


def test_an_event_handled_again_tells_nobody_twice(community):
    """A task runs at least once: a retry, or a worker killed after the handlers wrote but
    before the task was marked done, runs the same event's handlers again."""
    from django_tasks_db.models import DBTaskResult

    from guilde.core.events import dispatch

    asker, helper, watcher = (member_of(community) for _ in range(3))
    question = discussions.thread_create(
        actor=asker, community=community, kind="question", title="Q", body="Help"
    )
    services.subscription_set(member=watcher, target=question, level="watch")
    run_queued_tasks()
    answer = discussions.post_create(actor=helper, thread=question, body="Here is how")
    discussions.reaction_toggle(actor=watcher, post=answer, kind="heart")
    queued = list(DBTaskResult.objects.ready().filter(task_path__endswith="events.dispatch"))
    assert {row.args_kwargs["args"][0] for row in queued} == {"post.created", "reaction.added"}
    run_queued_tasks()
    before = sorted(Notification.objects.values_list("recipient_id", "kind", "data"))
    for row in queued:  # the same events, run again as a requeued task would
        dispatch.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    assert sorted(Notification.objects.values_list("recipient_id", "kind", "data")) == before
    assert _kinds(asker) == ["answer"]
    assert _kinds(helper) == ["reaction"]
    assert Notification.objects.get(recipient=helper).data["count"] == 1
    # A new event is a new notification, or folds into the open batch.
    discussions.reaction_toggle(actor=asker, post=answer, kind="heart")
    run_queued_tasks()
    assert Notification.objects.get(recipient=helper).data["count"] == 2
