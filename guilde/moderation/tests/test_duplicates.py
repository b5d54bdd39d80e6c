"""Closing a question as a duplicate: moderators choose the original (suggested by words
and meaning), readers are sent there, the asker is told, the log keeps it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from guilde.communities.models import ModerationLogEntry
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import count_queries, run_queued_tasks
from guilde.discussions import services as discussions
from guilde.discussions.models import Thread, ThreadLink
from guilde.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db
Action = ModerationLogEntry.Action


@pytest.fixture
def guild():
    community = CommunityFactory.create(slug="guild", visibility="public")
    moderator = member_of(community, role="moderator", username="mod")
    author = member_of(community, username="asker")
    original = discussions.thread_create(
        actor=member_of(community),
        community=community,
        kind="question",
        title="How do I keep sourdough starter alive on holiday?",
        body="Two weeks away: fridge or freezer for the sourdough starter?",
    )
    again = discussions.thread_create(
        actor=author,
        community=community,
        kind="question",
        title="Sourdough starter while on holiday",
        body="Leaving for two weeks, what do I do with my sourdough starter?",
    )
    return {
        "community": community,
        "moderator": moderator,
        "author": author,
        "original": original,
        "again": again,
    }


def _client(member=None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def test_a_moderator_closes_a_question_as_a_duplicate_from_the_suggestions(guild):
    again, original, moderator = guild["again"], guild["original"], guild["moderator"]
    tools = reverse("moderation:thread", args=["guild", again.pk])
    client = _client(moderator)
    page = client.get(tools).content.decode()
    assert "Close as a duplicate" in page
    # The original is suggested, ready to choose with one button.
    assert f'name="original" value="{original.pk}"' in page

    response = client.post(tools, {"action": "duplicate", "original": original.pk})
    assert response.status_code == 302
    again.refresh_from_db()
    assert again.duplicate_of == original
    assert again.closed_at is not None
    entry = ModerationLogEntry.objects.filter(action=Action.THREAD_DUPLICATE).latest("pk")
    assert entry.actor == moderator
    assert entry.member == guild["author"]
    assert str(original.pk) in entry.reason

    # Readers are sent to the original; the duplicate takes no more answers.
    html = _client().get(again.get_absolute_url()).content.decode()
    assert "This question has been asked before." in html
    assert "Duplicated by:" in _client().get(original.get_absolute_url()).content.decode()
    assert original.get_absolute_url() in html
    assert original.title in html
    with pytest.raises(PermissionDenied):
        discussions.post_create(actor=guild["author"], thread=again, body="Still asking")
    run_queued_tasks()
    told = Notification.objects.get(recipient=guild["author"], kind=Kind.MODERATION)
    assert told.data["action"] == Action.THREAD_DUPLICATE
    french = _client(guild["author"]).get("/notifications/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "doublon" in french.content.decode()

    # The API says so, and reopening undoes it.
    body = _client().get(f"/api/v1/threads/{again.pk}").json()
    assert body["duplicate_of"] == original.pk
    assert body["closed"] is True
    client.post(tools, {"action": "reopen"})
    again.refresh_from_db()
    assert again.duplicate_of is None
    assert again.closed_at is None
    assert not ThreadLink.objects.filter(source=again).exists()


def test_the_original_must_be_another_question_of_the_community(guild):
    again, original, moderator = guild["again"], guild["original"], guild["moderator"]
    other = CommunityFactory.create(slug="other")
    elsewhere = discussions.thread_create(
        actor=member_of(other), community=other, kind="question", title="Starter?", body="Hm."
    )
    chat = discussions.thread_create(
        actor=guild["author"],
        community=guild["community"],
        kind="discussion",
        title="Bread talk",
        body="Anything goes.",
    )
    for target, wanted in ((elsewhere, "same community"), (chat, "Only a question")):
        with pytest.raises(ValidationError, match=wanted):
            discussions.thread_close_as_duplicate(actor=moderator, thread=again, original=target)
    with pytest.raises(ValidationError, match="itself"):
        discussions.thread_close_as_duplicate(actor=moderator, thread=again, original=again)
    with pytest.raises(PermissionDenied):
        discussions.thread_close_as_duplicate(
            actor=guild["author"], thread=again, original=original
        )

    # A duplicate of a duplicate leads to the first question; so do earlier duplicates of a
    # question closed in turn, and a cycle is refused.
    third = discussions.thread_create(
        actor=guild["author"],
        community=guild["community"],
        kind="question",
        title="Feeding a starter before a trip",
        body="Same question, again.",
    )
    discussions.thread_close_as_duplicate(actor=moderator, thread=again, original=original)
    discussions.thread_close_as_duplicate(actor=moderator, thread=third, original=again)
    assert Thread.objects.get(pk=third.pk).duplicate_of_id == original.pk
    with pytest.raises(ValidationError, match="itself"):
        discussions.thread_close_as_duplicate(
            actor=moderator, thread=Thread.objects.get(pk=original.pk), original=third
        )


def test_the_api_closes_as_duplicate_for_moderators_only(guild):
    again, original = guild["again"], guild["original"]
    url = f"/api/v1/threads/{again.pk}/moderation"
    payload = {"action": "duplicate", "original": original.pk}
    refused = _client(guild["author"]).post(url, payload, content_type="application/json")
    assert refused.status_code in (403, 404)
    done = _client(guild["moderator"]).post(url, payload, content_type="application/json")
    assert done.status_code == 200, done.content
    assert Thread.objects.get(pk=again.pk).duplicate_of_id == original.pk
    unknown = _client(guild["moderator"]).post(
        url, {"action": "duplicate", "original": 999_999}, content_type="application/json"
    )
    assert unknown.status_code == 404


def test_a_duplicates_page_costs_at_most_one_query_more_than_any_question(guild):
    again, original, moderator = guild["again"], guild["original"], guild["moderator"]
    client = _client()
    client.get(again.get_absolute_url())
    before, _sql = count_queries(lambda: client.get(again.get_absolute_url()))
    discussions.thread_close_as_duplicate(actor=moderator, thread=again, original=original)
    client.get(again.get_absolute_url())
    after, _sql = count_queries(lambda: client.get(again.get_absolute_url()))
    assert after <= before + 1  # the original, to link to it (the page may be cached)
