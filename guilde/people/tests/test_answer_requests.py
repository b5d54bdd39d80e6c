"""People who could answer an open question, and asking them: a notification, once per
member and question, within limits, never to someone who said no or across a block."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from guilde.accounts.models import Block
from guilde.communities.models import Community, Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services as discussions
from guilde.notifications.models import Kind, Notification
from guilde.people import evidence, services
from guilde.people.models import AnswerRequest

pytestmark = pytest.mark.django_db


def _question(community, author, tag="hops", title="Which hops for a pale ale?"):
    return discussions.thread_create(
        actor=author, community=community, kind="question", title=title, body="?", tags=[tag]
    )


@pytest.fixture
def world():
    community = CommunityFactory.create(slug="brewers")
    Tag.objects.create(community=community, slug="hops", name="Hops")
    knowers = [member_of(community, username=f"knower{i}") for i in range(3)]
    for i, knower in enumerate(knowers):
        for n in range(i + 1):
            old = _question(community, member_of(community), title=f"Old {i} {n}")
            discussions.post_create(actor=knower, thread=old, body="Like this.")
    asker = member_of(community, username="asker")
    open_question = _question(community, asker)
    evidence.refresh()
    return {"community": community, "knowers": knowers, "asker": asker, "thread": open_question}


def _could(client: Client, thread) -> list[str]:
    return [e["username"] for e in client.get(f"/api/v1/threads/{thread.pk}/could-answer").json()]


def test_people_who_could_answer_an_open_question(world):
    thread = world["thread"]
    assert _could(Client(), thread) == ["knower2", "knower1", "knower0"]
    html = Client().get(f"/questions/{thread.pk}/could-answer/").content.decode()
    assert "People who could answer" in html
    assert "knower2" in html
    # Who already replied is not suggested; a solved question suggests nobody.
    reply = discussions.post_create(actor=world["knowers"][2], thread=thread, body="Citra.")
    assert _could(Client(), thread) == ["knower1", "knower0"]
    discussions.answer_accept(actor=world["asker"], thread=thread, post=reply)
    assert _could(Client(), thread) == []


def test_asking_notifies_once_and_the_page_says_so(world):
    thread, asker, knower = world["thread"], world["asker"], world["knowers"][1]
    client = Client()
    client.force_login(asker)
    response = client.post(
        f"/api/v1/threads/{thread.pk}/answer-requests",
        {"username": "knower1"},
        content_type="application/json",
    )
    assert response.status_code == 201
    notification = Notification.objects.get(recipient=knower)
    assert (notification.kind, notification.thread_id, notification.actor_id) == (
        Kind.ANSWER_REQUEST,
        thread.pk,
        asker.pk,
    )
    again = client.post(
        f"/api/v1/threads/{thread.pk}/answer-requests",
        {"username": "knower1"},
        content_type="application/json",
    )
    assert again.status_code == 422
    assert Notification.objects.filter(recipient=knower).count() == 1
    knower_client = Client()
    knower_client.force_login(knower)
    inbox = knower_client.get("/notifications/").content.decode()
    assert "asked you to answer a question" in inbox
    french = knower_client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "vous demande de répondre à une question" in french
    # The fragment marks who was asked.
    html = client.get(f"/questions/{thread.pk}/could-answer/").content.decode()
    assert "asked" in html


def test_members_who_said_no_are_never_asked(world):
    knower = world["knowers"][0]
    services.preferences_set(actor=knower, answer_requests=False)
    with pytest.raises(ValidationError):
        services.answer_request(actor=world["asker"], thread=world["thread"], member=knower)
    assert not AnswerRequest.objects.exists()


def test_no_request_across_a_block_or_to_someone_who_cannot_answer(world):
    knower = world["knowers"][0]
    Block.objects.create(blocker=knower, blocked=world["asker"])
    with pytest.raises(PermissionDenied):
        services.answer_request(actor=world["asker"], thread=world["thread"], member=knower)
    assert "knower0" not in _logged_in_could(world["asker"], world["thread"])
    outsider_community = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    stranger = member_of(outsider_community)
    with pytest.raises(ValidationError):
        services.answer_request(actor=world["asker"], thread=world["thread"], member=stranger)


def _logged_in_could(member, thread) -> list[str]:
    client = Client()
    client.force_login(member)
    return _could(client, thread)


def test_the_limits(world, monkeypatch):
    monkeypatch.setattr(services, "ASKS_PER_QUESTION", 2)
    community, asker = world["community"], world["asker"]
    for knower in world["knowers"][:2]:
        services.answer_request(actor=asker, thread=world["thread"], member=knower)
    with pytest.raises(ValidationError) as refused:
        services.answer_request(actor=asker, thread=world["thread"], member=world["knowers"][2])
    assert refused.value.code == "rate_limited"
    monkeypatch.setattr(services, "REQUESTS_RECEIVED_PER_DAY", 1)
    other = _question(community, member_of(community), title="Another one")
    with pytest.raises(ValidationError):
        services.answer_request(actor=asker, thread=other, member=world["knowers"][0])
    monkeypatch.setattr(services, "ASKS_PER_DAY", 2)
    client = Client()
    client.force_login(asker)
    response = client.post(
        f"/api/v1/threads/{other.pk}/answer-requests",
        {"username": "knower2"},
        content_type="application/json",
    )
    assert response.status_code == 429


def test_the_suggestions_cost_the_same_queries_for_1_or_5_knowers(world):
    community = world["community"]
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            knower = member_of(community)
            old = _question(community, member_of(community), title=f"More {len(made)}")
            discussions.post_create(actor=knower, thread=old, body="So.")
            made.append(knower.pk)
        evidence.refresh()

    client = Client()
    client.force_login(world["asker"])
    thread = world["thread"]
    assert_constant_queries(
        setup=setup, action=lambda: client.get(f"/questions/{thread.pk}/could-answer/"), large=5
    )
    made.clear()
    assert_constant_queries(
        setup=setup,
        action=lambda: client.get(f"/api/v1/threads/{thread.pk}/could-answer"),
        large=5,
    )
