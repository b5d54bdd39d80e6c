"""Related threads and articles beside a thread or an article: close in meaning, from any
community the reader reads, never what they may not see, refreshed when content changes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries, count_queries
from guilde.discussions import services as discussions
from guilde.knowledge import services as knowledge
from guilde.semantic.selectors import related
from guilde.semantic.tests.factories import indexed, question

pytestmark = pytest.mark.django_db


def _keys(items) -> list[tuple[str, str]]:
    return [(item.kind, item.key) for item in items]


@pytest.fixture
def world():
    brewers = CommunityFactory.create(slug="brewers", name="Brewers")
    cider = CommunityFactory.create(slug="cider", name="Cider makers")
    secret = CommunityFactory.create(
        slug="secret", name="Secret cellar", visibility=Community.Visibility.PRIVATE
    )
    reading = question(
        brewers,
        "How do I clean my fermenter between batches?",
        "It smells of old beer after each brew.",
    )
    french = question(
        cider,
        "Comment nettoyer mon fermenteur entre deux cuvées ?",
        "Il garde une odeur de vieux cidre après chaque fermentation.",
    )
    hidden = question(secret, "Cleaning a fermenting bucket after brewing", "Smells of stale beer.")
    unrelated = question(brewers, "Which lens for portraits in low light?", "A 50 mm at f/1.8?")
    writer = member_of(brewers)
    article = knowledge.article_create(
        actor=writer,
        community=brewers,
        kind="guide",
        title="Cleaning and sanitising a fermenter",
        body="Soak, scrub gently, rinse, sanitise before every batch.",
    )
    knowledge.article_publish(actor=writer, article=article)
    indexed()
    return {
        "brewers": brewers,
        "secret": secret,
        "reading": reading,
        "french": french,
        "hidden": hidden,
        "unrelated": unrelated,
        "article": article,
    }


def test_related_content_comes_by_meaning_from_every_community_read(world):
    found = _keys(related(viewer=AnonymousUser(), kind="thread", key=str(world["reading"].pk)))
    assert ("thread", str(world["french"].pk)) in found  # another community, other language
    assert ("article", str(world["article"].pk)) in found
    assert ("thread", str(world["reading"].pk)) not in found  # not itself
    assert ("thread", str(world["unrelated"].pk)) not in found  # below the floor
    # The private community's thread, only for its members.
    assert ("thread", str(world["hidden"].pk)) not in found
    insider = member_of(world["secret"])
    assert ("thread", str(world["hidden"].pk)) in _keys(
        related(viewer=insider, kind="thread", key=str(world["reading"].pk))
    )
    # From the article's side too.
    from_article = related(viewer=AnonymousUser(), kind="article", key=str(world["article"].pk))
    assert ("thread", str(world["reading"].pk)) in _keys(from_article)


def test_the_fragment_and_the_api_never_show_private_content(world, client):
    reading, hidden = world["reading"], world["hidden"]
    html = client.get("/search/related/", {"kind": "thread", "key": reading.pk}).content.decode()
    assert "Related threads, articles and events" in html
    assert world["french"].title in html
    assert "close in meaning" in html
    assert hidden.title not in html
    body = client.get("/api/v1/search/related", {"type": "thread", "id": reading.pk}).json()
    assert str(world["french"].pk) in [item["id"] for item in body]
    assert str(hidden.pk) not in [item["id"] for item in body]
    assert all(0.3 <= item["similarity"] <= 1 for item in body)
    # Of a thread one may not read, nothing at all (not even that it exists).
    assert client.get("/search/related/", {"kind": "thread", "key": hidden.pk}).status_code == 404
    assert (
        client.get("/api/v1/search/related", {"type": "thread", "id": hidden.pk}).status_code == 404
    )
    assert client.get("/search/related/", {"kind": "post", "key": "1"}).status_code == 404
    # The thread page loads it; in French too.
    page = client.get(reading.get_absolute_url()).content.decode()
    assert f"/search/related/?kind=thread&amp;key={reading.pk}" in page
    french = client.get(
        "/search/related/", {"kind": "thread", "key": reading.pk}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Fils, articles et événements liés" in french


def test_related_lists_are_cached_and_refreshed_when_content_changes(world):
    reading = world["reading"]
    viewer = AnonymousUser()
    first = related(viewer=viewer, kind="thread", key=str(reading.pk))
    computed, _sql = count_queries(
        lambda: related(viewer=viewer, kind="thread", key=str(reading.pk))
    )
    # Cached: the community rights and the check of the candidates, no vector read.
    assert computed == 3
    assert _keys(related(viewer=viewer, kind="thread", key=str(reading.pk))) == _keys(first)

    # A new thread: once the worker has built the next index, it is there.
    newer = question(
        world["brewers"],
        "Cleaning my fermenter after brewing",
        "Between two batches, it smells of old beer.",
    )
    indexed()
    assert ("thread", str(newer.pk)) in _keys(
        related(viewer=viewer, kind="thread", key=str(reading.pk))
    )
    # A deleted one leaves at once, before the worker's next index.
    assert newer.author is not None
    discussions.post_delete(actor=newer.author, post=newer.posts.get(position=1))
    assert ("thread", str(newer.pk)) not in _keys(
        related(viewer=viewer, kind="thread", key=str(reading.pk))
    )


def test_related_costs_the_same_queries_for_1_or_5_items(client):
    community = CommunityFactory.create(slug="brewers")
    reading = question(community, "How do I clean my fermenter?", "Smells of old beer.")
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            made.append(
                question(community, f"Cleaning a fermenter, again ({len(made)})", "Old beer.").pk
            )
        indexed()

    assert_constant_queries(
        setup=setup,
        action=lambda: client.get("/search/related/", {"kind": "thread", "key": reading.pk}),
        small=1,
        large=5,
    )
    made.clear()
    assert_constant_queries(
        setup=setup,
        action=lambda: client.get("/api/v1/search/related", {"type": "thread", "id": reading.pk}),
        small=1,
        large=5,
    )


def test_events_are_related_content_both_ways(client):
    from datetime import timedelta

    from django.utils import timezone

    from guilde.events import services as events

    brewers = CommunityFactory.create(slug="brewers", name="Brewers")
    reading = question(
        brewers,
        "How do I clean my fermenter between batches?",
        "It smells of old beer after each brew.",
    )
    host = member_of(brewers)
    start = timezone.now() + timedelta(days=4)
    event = events.event_create(
        actor=host,
        community=brewers,
        data=events.EventInput(
            title="Workshop: cleaning and sanitising fermenters",
            description="Bring your fermenter: we clean, scrub and sanitise it between batches.",
            start=start, end=start + timedelta(hours=2), time_zone="Europe/Paris",
            format="online", join_url="https://meet.example/secret-room",
        ),
    )  # fmt: skip
    indexed()
    found = _keys(related(viewer=AnonymousUser(), kind="thread", key=str(reading.pk)))
    assert ("event", str(event.pk)) in found
    from_event = related(viewer=AnonymousUser(), kind="event", key=str(event.pk))
    assert ("thread", str(reading.pk)) in _keys(from_event)
    html = client.get("/search/related/", {"kind": "thread", "key": reading.pk}).content.decode()
    assert event.title in html
    assert "secret-room" not in html
    page = client.get(event.get_absolute_url()).content.decode()
    assert f"/search/related/?kind=event&amp;key={event.pk}" in page
