"""Ranking and result pages on crafted cases: the order results come in (never their exact
scores, which differ between SQLite's BM25 and PostgreSQL's ts_rank_cd), all-words
matching and its fallback, date order, facets and snippets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from guilde.communities.models import Community, Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core import indexing
from guilde.discussions import services as discussions
from guilde.discussions.models import Post, Thread
from guilde.events import services as events
from guilde.knowledge import services as knowledge
from guilde.knowledge.models import Article
from guilde.search.backends import backend
from guilde.search.selectors import SearchPage, SearchParams, search

pytestmark = pytest.mark.django_db

# Filler words that none of the queries below look for.
FILLER = "Notes from the club evening about brewing at home with friends"


@pytest.fixture
def community() -> Community:
    community = CommunityFactory.create(
        name="Brewers", slug="brewers", domain="Home brewing", language="en"
    )
    for name in ("Saison", "Lager", "Stout", "Porter"):
        Tag.objects.create(community=community, name=name, slug=name.lower())
    return community


def _thread(community: Community, author: Any = None, **fields: Any) -> Thread:
    return discussions.thread_create(
        actor=author or member_of(community),
        community=community,
        kind=fields.pop("kind", "discussion"),
        title=fields.pop("title", "A question about brewing"),
        body=fields.pop("body", FILLER),
        **fields,
    )


def _found(q: str, **params: Any) -> SearchPage:
    return search(viewer=AnonymousUser(), params=SearchParams(q=q, **params))


def _keys(page: SearchPage) -> list[tuple[str, str]]:
    return [(r.kind, r.key) for r in page.results]


def _thread_key(thread: Thread) -> tuple[str, str]:
    return ("thread", str(thread.pk))


@pytest.mark.parametrize("only_threads", [False, True], ids=["everything", "threads"])
def test_a_word_in_the_title_beats_one_in_the_tags_which_beats_one_in_the_body(
    community: Community, only_threads: bool
) -> None:
    # Created in neither order, so that neither creation order nor recency explains it.
    in_title = _thread(
        community,
        title="Brewing weekend plans for the saison",
        tags=["stout"],
        body=f"{FILLER} lager",
    )
    in_body = _thread(
        community,
        title="Brewing weekend plans for the club",
        tags=["lager"],
        body=f"{FILLER} saison",
    )
    in_tags = _thread(
        community,
        title="Brewing weekend plans for the group",
        tags=["saison"],
        body=f"{FILLER} lager",
    )
    page = _found("saison", type="thread" if only_threads else "")
    assert _keys(page) == [_thread_key(t) for t in (in_title, in_tags, in_body)]


def test_an_accepted_answer_ranks_above_an_identical_reply(community: Community) -> None:
    asker = member_of(community)
    question = _thread(
        community, asker, kind="question", title="Foam everywhere", body="What do I do?"
    )
    answerer = member_of(community)
    answer = "Fit a blow-off tube: the krausen climbs out of the airlock."
    first = discussions.post_create(actor=answerer, thread=question, body=answer)
    second = discussions.post_create(actor=answerer, thread=question, body=answer)
    # Both ways round: the boost, not the order of creation, decides.
    for accepted, other in ((second, first), (first, second)):
        discussions.answer_accept(actor=asker, thread=question, post=accepted)
        page = _found("krausen")
        assert _keys(page) == [("post", str(accepted.pk)), ("post", str(other.pk))]


def test_a_verified_article_ranks_above_an_identical_published_one(
    community: Community,
) -> None:
    coordinator = member_of(community, role="coordinator")
    articles = [
        knowledge.article_create(
            actor=coordinator,
            community=community,
            kind="guide",
            title="Cleaning kegs",
            body="Soak the keg in percarbonate, then rinse twice.",
            publish_now=True,
        )
        for _ in range(2)
    ]
    for verified, published in (articles, articles[::-1]):
        Article.objects.filter(pk=published.pk).update(status=Article.Status.PUBLISHED)
        indexing.changed("article", published.pk)
        knowledge.article_verify(actor=coordinator, article=verified)
        page = _found("percarbonate")
        assert _keys(page) == [("article", str(verified.pk)), ("article", str(published.pk))]


def _age(thread: Thread, days: int) -> None:
    when = timezone.now() - timedelta(days=days)
    Thread.objects.filter(pk=thread.pk).update(created_at=when, last_activity_at=when)
    Post.objects.filter(thread=thread).update(created_at=when)
    indexing.changed("thread", thread.pk)


def test_recent_activity_ranks_above_old_for_the_same_text(community: Community) -> None:
    text = {"title": "Dry hopping schedule", "body": "Add the hops on day three."}
    old, recent = _thread(community, **text), _thread(community, **text)
    _age(old, 400)
    assert _keys(_found("hopping")) == [_thread_key(recent), _thread_key(old)]
    # The other way round, so creation order plays no part.
    _age(recent, 800)
    assert _keys(_found("hopping")) == [_thread_key(old), _thread_key(recent)]


def test_every_word_is_required_while_something_has_them_all(community: Community) -> None:
    both = _thread(community, title="Cascade hops in a pale ale", body=FILLER)
    hops = _thread(community, title="Cascade in a lager", body=FILLER)
    _thread(community, title="Pale malt for a lager", body=FILLER)
    page = _found("cascade pale")
    assert (_keys(page), page.fallback, page.total) == ([_thread_key(both)], False, 1)
    page = _found("cascade")
    assert sorted(_keys(page)) == sorted([_thread_key(both), _thread_key(hops)])


def test_any_word_ranks_when_nothing_has_them_all(community: Community) -> None:
    both = _thread(community, title="Cascade hops in a pale ale", body=FILLER)
    cascade = _thread(community, title="Cascade in a lager", body=FILLER)
    _thread(community, title="Pale malt for a stout", body=FILLER)
    page = _found("cascade zymurgy")
    assert page.fallback is True
    assert sorted(_keys(page)) == sorted([_thread_key(both), _thread_key(cascade)])
    assert page.total == 2
    # A single word has no fallback: nothing found is nothing found.
    page = _found("zymurgy")
    assert (page.results, page.fallback, page.total) == ([], False, 0)


def test_date_order_is_newest_first_whatever_the_relevance(community: Community) -> None:
    # The oldest has the word in its title (the most relevant), the newest in its body.
    newest = _thread(community, title="Mash tun", body=f"{FILLER} sparging")
    oldest = _thread(community, title="Sparging technique", body=FILLER)
    middle = _thread(community, title="Mash tun", tags=["stout"], body=f"{FILLER} sparging")
    for days, thread in ((300, oldest), (200, middle), (100, newest)):
        _age(thread, days)
    assert _keys(_found("sparging"))[0] == _thread_key(oldest)
    assert _keys(_found("sparging", sort="date")) == [
        _thread_key(t) for t in (newest, middle, oldest)
    ]


def test_type_facets_count_what_each_type_filter_finds(community: Community) -> None:
    asker = member_of(community, role="coordinator")
    question = _thread(community, asker, kind="question", title="Wort chilling", body=FILLER)
    _thread(community, asker, title="Chilling with ice baths", body=FILLER)
    _thread(community, asker, title="Unrelated", body=FILLER)
    discussions.post_create(actor=asker, thread=question, body="Chilling takes twenty minutes.")
    knowledge.article_create(
        actor=asker,
        community=community,
        kind="guide",
        title="Immersion chilling",
        body="Copper coils.",
        publish_now=True,
    )
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    events.event_create(
        actor=asker,
        community=community,
        data=events.EventInput(
            title="Chilling demonstration",
            start=start,
            end=start + timedelta(hours=1),
            time_zone="Europe/Paris",
            venue="The brewery",
        ),
    )
    page = _found("chilling")
    counts = {facet.value: facet.count for facet in page.types}
    assert counts == {
        "thread": 2,
        "question": 1,
        "post": 1,
        "article": 1,
        "attachment": 0,
        "community": 0,
        "member": 0,
        "event": 1,
    }
    assert page.total == len(page.results) == 5
    assert [(f.value, f.count) for f in page.communities] == [("brewers", 5)]
    for value, count in counts.items():
        filtered = _found("chilling", type=value)
        assert filtered.total == len(filtered.results) == count, value
        # A type's facets still count the other types (a facet ignores its own filter).
        assert {f.value: f.count for f in filtered.types} == counts


def test_snippets_mark_the_original_words_and_escape_the_text() -> None:
    community = CommunityFactory.create(language="fr")
    thread = _thread(
        community,
        title="Calendrier <b>du</b> club",
        body=(
            "Les ÉVÉNEMENTS du trimestre : brassage en mars. "
            "Le code `<script>alert('x')</script>` reste du texte, comme `&lt;` et 3 < 4."
        ),
    )
    (result,) = _found("evenement").results
    assert (result.kind, result.key) == _thread_key(thread)
    assert "<mark>ÉVÉNEMENTS</mark>" in result.snippet
    assert "<script" not in result.snippet
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in result.snippet
    # The text "&lt;" is shown as typed: its ampersand is escaped.
    assert "&amp;lt;" in result.snippet
    assert "3 &lt; 4" in result.snippet
    assert result.title == "Calendrier &lt;b&gt;du&lt;/b&gt; club"
    (result,) = _found("calendriers").results
    assert result.title == "<mark>Calendrier</mark> &lt;b&gt;du&lt;/b&gt; club"


def test_a_long_body_is_cut_around_the_matching_words(community: Community) -> None:
    body = " ".join(["Filler words about nothing much."] * 40)
    body += " The secret is whirlpool hops. " + " ".join(["More filler text here."] * 40)
    _thread(community, title="Long story", body=body)
    (result,) = _found("whirlpool").results
    assert result.snippet.startswith("…")
    assert result.snippet.endswith("…")
    assert "<mark>whirlpool</mark>" in result.snippet
    assert len(result.snippet) < 400


def test_the_index_stays_sound_through_inserts_updates_and_deletes(
    community: Community,
) -> None:
    author = member_of(community, role="coordinator")
    threads = [_thread(community, author, title=f"Batch {n} of mead", body=FILLER) for n in (1, 2)]
    reply = discussions.post_create(actor=author, thread=threads[0], body="Honey and water.")
    article = knowledge.article_create(
        actor=author, community=community, kind="guide", title="Mead", body="Honey."
    )
    knowledge.article_update(actor=author, article=article, title="Melomel", body="Honey!")
    opening = threads[1].posts.get(position=1)
    discussions.post_edit(actor=author, post=opening, body="Now about cider.", title="Cider")
    discussions.post_delete(actor=author, post=reply)
    discussions.post_delete(actor=author, post=threads[0].posts.get(position=1))
    discussions.thread_moderate(actor=author, thread=threads[1], locked=True, reason="Done")
    indexing.changed("community", community.pk)

    backend().check()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_searchdocument WHERE search_vector IS NULL")
            assert cursor.fetchone() == (0,)
    assert _keys(_found("mead")) == []
    assert _keys(_found("cider")) == [_thread_key(threads[1])]
    assert _keys(_found("honey")) == []  # the article is a draft, the reply deleted

    knowledge.article_publish(actor=author, article=article)
    knowledge.article_verify(actor=author, article=article)
    backend().check()
    assert _keys(_found("melomel honey")) == [("article", str(article.pk))]
    assert _keys(_found("brewers", type="community")) == [("community", str(community.pk))]


def test_reciprocal_rank_fusion_favours_what_both_lists_rank_well():
    from guilde.search.ranking import RRF_K, fused

    def fuse(*rankings: list[str]) -> list[str]:
        return [key for key, _score in fused(*rankings)]

    keyword = ["a", "b", "c", "d"]
    meaning = ["c", "e", "a", "b"]
    both = fuse(keyword, meaning)
    # With k = 20: a: 1/21 + 1/23; c: 1/23 + 1/21 — equal, first seen first;
    # b: 1/22 + 1/24; e: 1/22.
    assert both[:2] == ["a", "c"]
    assert both.index("b") < both.index("e") < both.index("d")
    assert fused(keyword)[0] == ("a", 1 / 21)
    assert RRF_K == 20
    # Weighted: meaning counts twice; c (meaning's first) passes a (keyword's first):
    # c: 1/23 + 2/21; a: 1/21 + 2/23; b: 1/22 + 2/24; e: 2/22; d: 1/24.
    weighted = [key for key, _score in fused(keyword, meaning, weights=(1.0, 2.0))]
    assert weighted == ["c", "a", "b", "e", "d"]
    assert fuse(keyword) == keyword
    assert fuse() == []
