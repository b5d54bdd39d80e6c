"""Direct messages: only participants ever see them; who may write to whom; blocks; reports."""

from __future__ import annotations

from functools import partial

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from guilde.accounts.models import Block
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.conversations import services
from guilde.conversations.models import Conversation, Message, MessageReport
from guilde.core.testing import assert_constant_queries, run_queued_tasks
from guilde.discussions import services as discussions
from guilde.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

SECRET = "The-secret-word-is-brioche"


def _signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def people():
    community = CommunityFactory.create(slug="guild")
    alice, bob = member_of(community, username="alice"), member_of(community, username="bob")
    moderator = member_of(community, role="moderator", username="mod")
    coordinator = member_of(community, role="coordinator", username="coord")
    admin = MemberFactory.create(username="root", is_staff=True, is_superuser=True)
    return {
        "community": community,
        "alice": alice,
        "bob": bob,
        "moderator": moderator,
        "coordinator": coordinator,
        "admin": admin,
    }


def test_messages_are_invisible_to_everyone_but_the_participants(people):
    alice, bob = people["alice"], people["bob"]
    conversation = services.conversation_start(
        sender=alice, recipients=[bob], subject="Between us", body=SECRET
    )
    message = conversation.messages.get()
    run_queued_tasks()
    assert (
        Notification.objects.filter(kind=Kind.MESSAGE).values_list("recipient", flat=True).get()
        == bob.pk
    )
    for participant in (alice, bob):
        client = _signed_in(participant)
        assert SECRET in client.get(f"/messages/{conversation.pk}/").content.decode()
        assert "Between us" in client.get("/messages/").content.decode()
        assert (
            client.get(f"/api/v1/me/conversations/{conversation.pk}/messages").json()["results"][0][
                "body"
            ]
            == SECRET
        )
    for outsider in ("moderator", "coordinator", "admin"):
        client = _signed_in(people[outsider])
        assert client.get(f"/messages/{conversation.pk}/").status_code == 404
        assert "Between us" not in client.get("/messages/").content.decode()
        assert client.get("/api/v1/me/conversations").json()["results"] == []
        assert client.get(f"/api/v1/me/conversations/{conversation.pk}/messages").status_code == 404
        assert (
            client.post(
                f"/api/v1/me/conversations/{conversation.pk}/messages",
                {"body": "hi"},
                content_type="application/json",
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/api/v1/me/messages/{message.pk}/report",
                {"reason": "x"},
                content_type="application/json",
            ).status_code
            == 404
        )
        assert client.post(f"/messages/{conversation.pk}/leave/").status_code == 404
        for page in (
            "/",
            "/notifications/",
            "/api/v1/me/notifications",
            f"/members/{alice.username}/",
            "/communities/guild/",
        ):
            assert SECRET not in client.get(page).content.decode()
    assert Client().get(f"/messages/{conversation.pk}/").status_code == 302  # to the login page
    assert Client().get(f"/api/v1/me/conversations/{conversation.pk}/messages").status_code == 401
    # The administration site has no page for conversations or messages.
    admin = _signed_in(people["admin"])
    assert admin.get("/admin/").status_code == 200
    assert SECRET not in admin.get("/admin/").content.decode()
    assert admin.get("/admin/conversations/conversation/").status_code == 404
    assert admin.get("/admin/conversations/message/").status_code == 404
    assert SECRET not in admin.get("/admin/conversations/messagereport/").content.decode()


def test_a_reported_message_and_only_it_reaches_the_administrators(people):
    alice, bob = people["alice"], people["bob"]
    conversation = services.conversation_start(
        sender=alice, recipients=[bob], body=f"First: {SECRET}"
    )
    insult = services.message_send(
        sender=alice, conversation=conversation, body="You are a bad baker"
    )
    response = _signed_in(bob).post(f"/messages/reports/{insult.pk}/", {"reason": "Rude"})
    assert response.status_code == 302
    report = MessageReport.objects.get()
    assert report.reporter == bob
    assert report.message == insult
    admin = _signed_in(people["admin"])
    page = admin.get(f"/admin/conversations/messagereport/{report.pk}/change/").content.decode()
    assert "You are a bad baker" in page
    assert SECRET not in page
    # A report of nothing says so and records nothing.
    _signed_in(bob).post(f"/messages/reports/{insult.pk}/", {"reason": " "})
    assert MessageReport.objects.count() == 1


def test_who_may_write_to_whom(people):
    alice, bob = people["alice"], people["bob"]
    stranger = MemberFactory.create(username="stranger")
    assert services.may_message(alice, bob)
    assert not services.may_message(stranger, alice)  # no shared community
    with pytest.raises(PermissionDenied):
        services.conversation_start(sender=stranger, recipients=[alice], body="Hello")
    api = _signed_in(stranger)
    refused = api.post(
        "/api/v1/me/conversations",
        {"to": ["alice"], "body": "Hello"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    page = api.post("/messages/new/", {"to": "alice", "body": "Hello, I keep my text"})
    assert page.status_code == 200
    assert "Hello, I keep my text" in page.content.decode()
    assert not Conversation.objects.exists()
    alice.messages_from = "anyone"
    alice.save()
    assert (
        api.post(
            "/api/v1/me/conversations",
            {"to": ["alice"], "body": "Hello"},
            content_type="application/json",
        ).status_code
        == 201
    )
    unknown = api.post(
        "/api/v1/me/conversations",
        {"to": ["nobody-here"], "body": "Hello"},
        content_type="application/json",
    )
    assert unknown.status_code == 422


def test_blocking_stops_messages_and_mentions_and_folds_posts(people):
    alice, bob = people["alice"], people["bob"]
    conversation = services.conversation_start(sender=bob, recipients=[alice], body="Before")
    client = _signed_in(alice)
    assert client.put("/api/v1/me/blocks/bob").status_code == 204
    assert client.get("/api/v1/me/blocks").json()[0]["username"] == "bob"
    assert not services.may_message(bob, alice)
    assert not services.may_message(alice, bob)
    with pytest.raises(PermissionDenied):
        services.message_send(sender=bob, conversation=conversation, body="Still there?")
    thread = discussions.thread_create(
        actor=bob,
        community=people["community"],
        kind="discussion",
        title="Hi",
        body=f"@{alice.username} {SECRET}",
    )
    run_queued_tasks()
    assert not Notification.objects.filter(recipient=alice, kind=Kind.MENTION).exists()
    page = client.get(thread.get_absolute_url()).content.decode()
    assert SECRET not in page
    assert "A post by a member you blocked." in page
    assert SECRET in client.get(thread.get_absolute_url() + "?show_blocked=1").content.decode()
    assert client.delete("/api/v1/me/blocks/bob").status_code == 204
    assert services.may_message(bob, alice)
    assert client.put("/api/v1/me/blocks/alice").status_code == 422  # not oneself
    # From the member's page, too.
    client.post("/members/bob/block/")
    assert Block.objects.filter(blocker=alice, blocked=bob).exists()


def test_unread_state_leaving_and_batched_notifications(people):
    alice, bob, mod = people["alice"], people["bob"], people["moderator"]
    conversation = services.conversation_start(
        sender=alice, recipients=[bob, mod], subject="Trio", body="One"
    )
    services.message_send(sender=alice, conversation=conversation, body="Two")
    run_queued_tasks()
    notification = Notification.objects.get(recipient=bob, kind=Kind.MESSAGE)
    assert notification.data["count"] == 2
    bob_client = _signed_in(bob)
    assert bob_client.get("/api/v1/me/conversations").json()["results"][0]["unread"] == 2
    bob_client.get(f"/messages/{conversation.pk}/")
    assert bob_client.get("/api/v1/me/conversations").json()["results"][0]["unread"] == 0
    notification.refresh_from_db()
    assert notification.read_at is not None  # reading the conversation read its notification
    assert bob_client.post(f"/api/v1/me/conversations/{conversation.pk}/leave").status_code == 204
    assert bob_client.get(f"/messages/{conversation.pk}/").status_code == 404
    services.message_send(sender=alice, conversation=conversation, body="Three")
    run_queued_tasks()
    assert not Notification.objects.filter(
        recipient=bob, kind=Kind.MESSAGE, read_at__isnull=True
    ).exists()
    assert [r["kind"] for r in bob_client.get("/api/v1/me/notifications").json()["results"]] == []
    assert Notification.objects.get(recipient=mod, kind=Kind.MESSAGE).data["count"] == 3


def test_conversation_pages_cost_a_constant_number_of_queries(people):
    alice = people["alice"]
    partners = [people["bob"], people["moderator"], people["coordinator"]]
    client = _signed_in(alice)
    conversation = services.conversation_start(sender=alice, recipients=partners, body="Start")

    def setup(count: int) -> None:
        while Conversation.objects.count() < count:
            services.conversation_start(
                sender=partners[Conversation.objects.count() % 3], recipients=[alice], body="Hi"
            )
        while Message.objects.filter(conversation=conversation).count() < count:
            number = Message.objects.filter(conversation=conversation).count()
            services.message_send(
                sender=partners[number % 3], conversation=conversation, body=f"**Message** {number}"
            )

    for url in (
        "/messages/",
        f"/messages/{conversation.pk}/",
        "/api/v1/me/conversations",
        f"/api/v1/me/conversations/{conversation.pk}/messages",
    ):
        assert_constant_queries(setup=setup, small=1, large=30, action=partial(client.get, url))
