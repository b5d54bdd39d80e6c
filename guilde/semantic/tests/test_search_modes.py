"""Searching by meaning: the page, the API and "similar questions" in keyword, semantic and
hybrid modes, through the viewer's eyes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries, run_queued_tasks
from guilde.discussions import services as discussions
from guilde.knowledge import services as knowledge
from guilde.search.selectors import SearchParams, search, similar_questions
from guilde.semantic.tests.factories import indexed, question

pytestmark = pytest.mark.django_db

# A French question, and an English query that shares no word with it.
FRENCH = (
    "Comment nettoyer mon fermenteur entre deux brassins ?",
    "Après chaque brassage, il garde une odeur de vieille bière.",
)
ENGLISH_QUERY = "cleaning a fermenting bucket after brewing"


@pytest.fixture
def brewers():
    return CommunityFactory.create(slug="brewers", name="Brewers")


def _keys(page) -> list[tuple[str, str]]:
    return [(r.kind, r.key) for r in page.results]


def test_meaning_finds_a_question_asked_in_the_other_language(brewers):
    french = question(brewers, *FRENCH)
    question(brewers, "Which hops give a citrus aroma?", "For an IPA, dry hopped.")
    indexed()
    viewer = AnonymousUser()

    keyword = search(viewer=viewer, params=SearchParams(q=ENGLISH_QUERY, mode="keyword"))
    assert ("thread", str(french.pk)) not in _keys(keyword)
    for mode in ("semantic", "hybrid"):
        page = search(viewer=viewer, params=SearchParams(q=ENGLISH_QUERY, mode=mode))
        assert page.mode == mode
        assert _keys(page)[0] == ("thread", str(french.pk)), mode
        assert page.results[0].similarity is not None
        assert page.results[0].similarity > 0.45
        assert page.total == len(page.results)
        assert next(f.count for f in page.types if f.value == "question") == page.total
    # Below the embedder's floor nothing is offered: an unrelated query finds nothing.
    assert search(viewer=viewer, params=SearchParams(q="xyzzy plugh", mode="semantic")).total == 0
    assert search(viewer=viewer, params=SearchParams(q="portrait lens", mode="semantic")).total == 0
    # A short query has a lower floor (short texts have lower cosines with everything).
    short = search(viewer=viewer, params=SearchParams(q="fermenter cleaning", mode="semantic"))
    assert _keys(short)[:1] == [("thread", str(french.pk))]
    # By date, a search is by the words.
    dated = search(viewer=viewer, params=SearchParams(q=ENGLISH_QUERY, mode="hybrid", sort="date"))
    assert dated.mode == "keyword"


def test_hybrid_fuses_words_and_meaning_and_keeps_the_filters(brewers):
    french = question(brewers, *FRENCH)
    worded = question(brewers, "Brewing in a bucket", "Cleaning after brewing, fermenting.")
    other = CommunityFactory.create(slug="cider", name="Cider")
    elsewhere = question(other, "Nettoyer un fermenteur à cidre", "Odeur de vieux cidre.")
    writer = member_of(brewers)
    article = knowledge.article_create(
        actor=writer,
        community=brewers,
        kind="guide",
        title="Nettoyer son fermenteur après le brassage",
        body="Tremper le seau, brosser doucement, rincer, désinfecter.",
    )
    knowledge.article_publish(actor=writer, article=article)
    indexed()
    viewer = AnonymousUser()

    page = search(viewer=viewer, params=SearchParams(q=ENGLISH_QUERY, mode="hybrid"))
    found = _keys(page)
    # The thread with the words and those close in meaning, in both communities.
    for thing in (french, worded, elsewhere):
        assert ("thread", str(thing.pk)) in found
    assert ("article", str(article.pk)) in found
    assert {f.value for f in page.communities} == {"brewers", "cider"}

    in_brewers = search(
        viewer=viewer, params=SearchParams(q=ENGLISH_QUERY, mode="hybrid", community="brewers")
    )
    assert ("thread", str(elsewhere.pk)) not in _keys(in_brewers)
    assert ("thread", str(french.pk)) in _keys(in_brewers)
    articles = search(
        viewer=viewer, params=SearchParams(q=ENGLISH_QUERY, mode="semantic", type="article")
    )
    assert _keys(articles) == [("article", str(article.pk))]
    # The type facet still counts every type found.
    assert next(f.count for f in articles.types if f.value == "question") >= 2


def test_private_content_never_comes_by_meaning(brewers, client):
    private = CommunityFactory.create(
        slug="secret", name="Secret", visibility=Community.Visibility.PRIVATE
    )
    hidden = question(private, *FRENCH)
    public = question(brewers, "Which hops give a citrus aroma?", "For an IPA.")
    indexed()
    insider = member_of(private)

    for viewer in (AnonymousUser(), member_of(brewers)):
        for mode in ("semantic", "hybrid"):
            page = search(viewer=viewer, params=SearchParams(q=ENGLISH_QUERY, mode=mode))
            assert ("thread", str(hidden.pk)) not in _keys(page)
            assert all(f.value != "secret" for f in page.communities)
        similar = similar_questions(viewer=viewer, text=ENGLISH_QUERY)
        assert str(hidden.pk) not in [r.key for r in similar]
    assert ("thread", str(hidden.pk)) in _keys(
        search(viewer=insider, params=SearchParams(q=ENGLISH_QUERY, mode="semantic"))
    )

    for query in ({"q": ENGLISH_QUERY, "mode": "semantic"}, {"q": ENGLISH_QUERY}):
        body = client.get("/api/v1/search", query).json()
        assert str(hidden.pk) not in [r["id"] for r in body["results"]]
        assert "Secret" not in str(body)
    html = client.get("/search/similar/", {"title": ENGLISH_QUERY}).content.decode()
    assert "fermenteur" not in html
    html = client.get("/search/", {"q": ENGLISH_QUERY}).content.decode()
    assert "fermenteur" not in html
    # Deleted since the index was built: dropped at once, before the worker's next build.
    aroma = SearchParams(q="citrus hops for an IPA", mode="semantic")
    assert ("thread", str(public.pk)) in _keys(search(viewer=AnonymousUser(), params=aroma))
    assert public.author is not None
    discussions.post_delete(actor=public.author, post=public.posts.get(position=1))
    run_queued_tasks()
    assert ("thread", str(public.pk)) not in _keys(search(viewer=AnonymousUser(), params=aroma))


def test_the_api_and_the_page_offer_the_three_modes(brewers, client):
    french = question(brewers, *FRENCH)
    indexed()

    body = client.get("/api/v1/search", {"q": ENGLISH_QUERY}).json()
    assert body["mode"] == "hybrid"
    assert body["results"][0]["id"] == str(french.pk)
    assert 0.45 < body["results"][0]["similarity"] <= 1
    body = client.get("/api/v1/search", {"q": ENGLISH_QUERY, "mode": "keyword"}).json()
    assert body["mode"] == "keyword"
    assert str(french.pk) not in [r["id"] for r in body["results"]]
    assert client.get("/api/v1/search", {"q": "x", "mode": "vector"}).status_code == 422

    html = client.get("/search/", {"q": ENGLISH_QUERY, "mode": "semantic"}).content.decode()
    assert 'name="mode" value="semantic" id="id_mode_2" checked' in html
    assert "fermenteur" in html
    assert "close in meaning" in html
    # The mode stays in the pages' and facets' links.
    assert "mode=semantic" in html
    french_html = client.get(
        "/search/", {"q": ENGLISH_QUERY}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Mots et sens" in french_html

    html = client.get("/search/similar/", {"title": ENGLISH_QUERY}).content.decode()
    assert FRENCH[0] in html
    assert "close in meaning" in html


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_searching_by_meaning_costs_the_same_queries_for_1_or_20_results(brewers, client, mode):
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            made.append(question(brewers, f"Nettoyer le fermenteur, question {len(made)}").pk)
        indexed()

    client.force_login(member_of(brewers))
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/search/", {"q": ENGLISH_QUERY, "mode": mode})
    )
    made.clear()
    assert_constant_queries(
        setup=setup,
        action=lambda: client.get("/api/v1/search", {"q": ENGLISH_QUERY, "mode": mode}),
        small=21,
        large=40,
    )


def test_the_api_offers_similar_questions_while_asking(brewers, client):
    french = question(brewers, *FRENCH)
    private = CommunityFactory.create(slug="secret", visibility=Community.Visibility.PRIVATE)
    hidden = question(private, "How to clean a fermenting bucket after brewing", "Old beer.")
    indexed()
    body = client.get("/api/v1/search/similar", {"text": ENGLISH_QUERY}).json()
    assert body[0]["id"] == str(french.pk)
    assert body[0]["similarity"] > 0.45
    assert str(hidden.pk) not in [item["id"] for item in body]
    assert client.get("/api/v1/search/similar", {"text": "ab"}).json() == []
    assert (
        client.get("/api/v1/search/similar", {"text": ENGLISH_QUERY, "community": "nowhere"}).json()
        == []
    )
    in_brewers = client.get(
        "/api/v1/search/similar", {"text": ENGLISH_QUERY, "community": "brewers"}
    ).json()
    assert [item["id"] for item in in_brewers][:1] == [str(french.pk)]
    assert client.get("/api/v1/search/similar").status_code == 422


def test_similar_questions_cost_the_same_queries_for_1_or_5_results(brewers, client):
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            made.append(question(brewers, f"Nettoyer le fermenteur, question {len(made)}").pk)
        indexed()

    assert_constant_queries(
        setup=setup,
        action=lambda: client.get("/api/v1/search/similar", {"text": ENGLISH_QUERY}),
        small=1,
        large=5,
    )
