"""Each event a webhook may choose, emitted by the service where it happens and delivered
to a real receiver, in both formats; a webhook gets only the events it chose."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as communities
from guilde.communities.models import Community, CommunityInvitation, Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.events import services as events
from guilde.knowledge import services as knowledge
from guilde.webhooks.models import Webhook
from guilde.webhooks.tests.factories import webhook_for

pytestmark = pytest.mark.django_db


def _received(receiver) -> list[dict[str, Any]]:
    bodies = [r.json() for r in receiver.requests]
    receiver.requests.clear()
    return bodies


def _event_input(title: str) -> events.EventInput:
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    return events.EventInput(
        title=title,
        start=start,
        end=start + timedelta(hours=2),
        time_zone="Europe/Paris",
        format="hybrid",
        venue="The back room",
        join_url="https://meet.example/secret-room",
    )


def test_every_event_is_emitted_where_it_happens(receiver):
    community = CommunityFactory.create(slug="makers", name="Makers")
    coordinator = member_of(community, role="coordinator", username="coco")
    asker = member_of(community, username="asker")
    webhook_for(community, coordinator, receiver.url)

    thread = discussions.thread_create(
        actor=asker, community=community, kind="question", title="How?", body="Tell me."
    )
    run_queued_tasks()
    [created] = _received(receiver)
    assert created["event"] == "thread.created"

    answer = discussions.post_create(actor=coordinator, thread=thread, body="Like **this**.")
    discussions.answer_accept(actor=asker, thread=thread, post=answer)
    run_queued_tasks()
    [accepted] = _received(receiver)
    assert accepted["event"] == "answer.accepted"
    assert accepted["data"]["thread"]["id"] == thread.pk
    assert accepted["data"]["answer"]["id"] == answer.pk
    assert accepted["data"]["answer"]["author"]["username"] == "coco"
    assert accepted["data"]["answer"]["excerpt"] == "Like this."
    assert accepted["data"]["answer"]["url"].endswith(f"/threads/{thread.pk}/?post=2")

    article = knowledge.article_create(
        actor=coordinator,
        community=community,
        kind="guide",
        title="The guide",
        body="Text.",
        publish_now=True,
    )
    knowledge.article_verify(actor=coordinator, article=article)
    run_queued_tasks()
    [verified] = _received(receiver)
    assert verified["event"] == "article.verified"
    assert verified["data"]["article"]["title"] == "The guide"
    assert verified["data"]["article"]["verified_by"]["username"] == "coco"
    assert verified["data"]["article"]["verification_expires_at"]

    event = events.event_create(
        actor=coordinator, community=community, data=_event_input("Workshop")
    )
    run_queued_tasks()
    [announced] = _received(receiver)
    assert announced["event"] == "event.created"
    assert announced["data"]["event"]["title"] == "Workshop"
    assert announced["data"]["event"]["time_zone"] == "Europe/Paris"
    assert "secret-room" not in str(announced)
    assert "back room" not in str(announced)

    events.event_cancel(actor=coordinator, event=event, reason="The room is flooded.")
    run_queued_tasks()
    [cancelled] = _received(receiver)
    assert cancelled["event"] == "event.cancelled"
    assert cancelled["data"]["event"]["status"] == "cancelled"
    assert cancelled["data"]["event"]["cancel_reason"] == "The room is flooded."

    newcomer = MemberFactory.create(username="newbie")
    communities.membership_join(actor=newcomer, community=community)
    run_queued_tasks()
    [joined] = _received(receiver)
    assert joined["event"] == "member.joined"
    assert joined["data"]["member"]["username"] == "newbie"
    assert joined["data"]["role"] == "member"


def test_members_approved_or_invited_are_announced_once_they_are_in(receiver):
    community = CommunityFactory.create(join_policy=Community.JoinPolicy.APPROVAL)
    coordinator = member_of(community, role="coordinator")
    webhook_for(community, coordinator, receiver.url, events=["member.joined"])

    applicant = MemberFactory.create(username="applicant")
    membership = communities.membership_join(actor=applicant, community=community)
    run_queued_tasks()
    assert receiver.requests == []  # asking is not joining
    communities.membership_decide(actor=coordinator, membership=membership, approve=True)
    run_queued_tasks()
    assert [b["data"]["member"]["username"] for b in _received(receiver)] == ["applicant"]

    guest = MemberFactory.create(username="guest")
    invitation = communities.invitation_create(
        actor=coordinator, community=community, email=guest.email
    )
    communities.invitation_accept(invitation=invitation, member=guest)
    run_queued_tasks()
    assert [b["data"]["member"]["username"] for b in _received(receiver)] == ["guest"]
    assert CommunityInvitation.objects.get(pk=invitation.pk).accepted_by == guest
    assert Membership.objects.get(community=community, member=guest).is_active


def test_a_webhook_gets_only_the_events_it_chose(receiver):
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    webhook_for(community, coordinator, receiver.url, events=["event.created"])
    discussions.thread_create(
        actor=coordinator, community=community, kind="discussion", title="Hi", body="Hello."
    )
    communities.membership_join(actor=MemberFactory.create(), community=community)
    events.event_create(actor=coordinator, community=community, data=_event_input("Meetup"))
    run_queued_tasks()
    assert [b["event"] for b in _received(receiver)] == ["event.created"]


def test_another_communitys_webhook_hears_nothing(receiver):
    community, elsewhere = CommunityFactory.create(), CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    webhook_for(elsewhere, member_of(elsewhere, role="coordinator"), receiver.url)
    discussions.thread_create(
        actor=coordinator, community=community, kind="discussion", title="Hi", body="Hello."
    )
    run_queued_tasks()
    assert receiver.requests == []


def test_the_chat_format_posts_one_line_of_text_with_a_link(receiver):
    community = CommunityFactory.create(slug="beer", name="Beer & Co")
    coordinator = member_of(community, role="coordinator")
    author = member_of(community, display_name="Ada <3")
    webhook_for(community, coordinator, receiver.url, format=Webhook.Format.CHAT)
    thread = discussions.thread_create(
        actor=author, community=community, kind="question", title="IPA > stout?", body="Which?"
    )
    events.event_create(actor=coordinator, community=community, data=_event_input("Tasting"))
    run_queued_tasks()

    bodies = _received(receiver)
    assert all(set(body) == {"text"} for body in bodies)
    question, tasting = (body["text"] for body in bodies)
    url = f"/communities/beer/threads/{thread.pk}/"
    assert question.startswith("Beer &amp; Co — new question by Ada &lt;3: IPA &gt; stout? http"), (
        question
    )
    assert question.endswith(url)
    assert "\n" not in question
    assert tasting.startswith("Beer &amp; Co — new event: Tasting, ")
    assert "(Europe/Paris) http" in tasting


def test_chat_messages_speak_the_communitys_language(receiver):
    community = CommunityFactory.create(name="Brasseurs", language=Community.Language.FRENCH)
    coordinator = member_of(community, role="coordinator", display_name="Camille")
    webhook_for(community, coordinator, receiver.url, format=Webhook.Format.CHAT)
    discussions.thread_create(
        actor=coordinator, community=community, kind="question", title="Houblon ?", body="?"
    )
    run_queued_tasks()
    [body] = _received(receiver)
    assert body["text"].startswith("Brasseurs — nouvelle question de Camille : Houblon ? http")


def test_removals_carry_ids_only(receiver):
    community = CommunityFactory.create(slug="makers")
    coordinator = member_of(community, role="coordinator")
    author = member_of(community)
    admin = MemberFactory.create(is_staff=True)
    webhook_for(
        community,
        coordinator,
        receiver.url,
        events=["post.deleted", "post.hidden", "post.purged"],
    )
    thread = discussions.thread_create(
        actor=author, community=community, kind="discussion", title="secret title", body="Hi."
    )
    regret = discussions.post_create(actor=author, thread=thread, body="regretted text")
    rude = discussions.post_create(actor=author, thread=thread, body="rude text")
    thread_id = thread.pk
    discussions.post_delete(actor=author, post=regret)
    discussions.post_hide(actor=coordinator, post=rude)
    run_queued_tasks()
    discussions.post_purge(actor=admin, post=thread.posts.get(position=1))
    run_queued_tasks()

    bodies = {body["event"]: body for body in _received(receiver)}
    assert set(bodies) == {"post.deleted", "post.hidden", "post.purged"}
    assert bodies["post.deleted"]["data"] == {
        "post": {"id": regret.pk, "position": 2},
        "thread": {"id": thread_id, "removed": False},
    }
    assert bodies["post.hidden"]["data"]["post"]["id"] == rude.pk
    opening_id = bodies["post.purged"]["data"]["post"]["id"]
    assert opening_id not in (regret.pk, rude.pk)
    assert bodies["post.purged"]["data"] == {
        "post": {"id": opening_id},
        "thread": {"id": thread_id, "removed": True},
    }
    assert bodies["post.purged"]["community"]["slug"] == "makers"
    for text in ("secret title", "regretted text", "rude text", "Hi."):
        assert text not in str(bodies)


def test_chats_are_not_told_of_removals():
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    with pytest.raises(ValidationError, match="Guilde JSON webhooks only"):
        webhook_for(
            community,
            coordinator,
            "https://chat.example.org/h",
            events=["thread.created", "post.hidden"],
            format=Webhook.Format.CHAT,
        )
