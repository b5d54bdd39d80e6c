"""Whatever people type: the selector, the search page (full and htmx), "similar
questions" and the API answer cleanly — never an error, never markup or syntax let
through, never a document the viewer may not see."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions import services as discussions
from guilde.search.models import SearchDocument
from guilde.search.selectors import MAX_PAGE, SearchParams, search

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"

# Input that a search engine's query language, SQL, HTML or Unicode might choke on.
HOSTILE = [
    # Quotes, balanced or not.
    '"',
    '""',
    '"""',
    "'",
    "''",
    '"hops',
    'hops"',
    '"hops" "malt',
    # FTS5 syntax.
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "hops AND",
    "OR hops",
    "hops NOT",
    "NEAR(hops malt, 2)",
    "hops NEAR/2 malt",
    "*",
    "hops*",
    "^",
    "^hops",
    ":",
    "hops:",
    "-",
    "-hops",
    "+",
    "+hops",
    "(",
    ")",
    "(hops",
    "hops)",
    "((()))",
    "col:word",
    "title_terms:hops",
    "{title_terms body_terms}: hops",
    "search_fts:hops",
    "rank:1",
    # SQL.
    "'; DROP TABLE x; --",
    "hops'; DROP TABLE search_searchdocument; --",
    "1' OR '1'='1",
    '" OR 1=1 --',
    "%",
    "%%",
    "_",
    "\\",
    "NULL",
    # tsquery syntax.
    "&",
    "|",
    "!",
    "!!hops",
    "<->",
    "<2>",
    ":*",
    "hops:*",
    "hops:AB",
    "hops & malt",
    "hops | !malt",
    "hops <-> malt",
    "'hops':*",
    # Markup.
    SCRIPT,
    "<img src=x onerror=alert(1)>",
    "&lt;&amp;&#0;",
    "{{ request }} {% debug %}",
    # Beyond ASCII.
    "🍺",
    "🍺 hops 🍻",
    "👨\u200d👩\u200d👧",
    "שלום עולם",
    "مرحبا بالعالم",
    "\u202ehops\u202c",
    "\u200b\u200b",
    "e\u0301\u0301\u0301",
    "\u0301",
    "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036b",
    unicodedata.normalize("NFD", "événements hops"),
    "ﬁne ﬂoor ² ª ①",
    # Only punctuation, only stop words.
    "!!!",
    "...",
    "— – · ¿? ¡!",
    "the",
    "the of and",
    "le la les de",
    "a",
    # Lengths and bytes.
    "x" * 61,
    "hops " * 40,
    "\x00",
    "hops\x00malt",
    "\t\n\r",
    " ",
]
WRAPPED_HOPS = [
    '"hops',
    'hops"',
    "hops AND",
    "OR hops",
    "hops*",
    "^hops",
    "-hops",
    "+hops",
    "(hops",
    "hops)",
    "hops:*",
    "'hops':*",
    "!!hops",
    "title_terms:hops",
    "hops'; DROP TABLE search_searchdocument; --",
    "<b>hops</b>",
    "\u202ehops\u202c",
    "🍺 hops 🍻",
]


@pytest.fixture
def data() -> dict[str, Any]:
    brewers = CommunityFactory.create(name="Brewers", slug="brewers", language="en")
    brasseurs = CommunityFactory.create(name="Brasseurs", slug="brasseurs", language="fr")
    secret = CommunityFactory.create(
        name="Vault", slug="vault", language="en", visibility=Community.Visibility.PRIVATE
    )
    author = member_of(brewers)
    hops = discussions.thread_create(
        actor=author,
        community=brewers,
        kind="question",
        title="Hops varieties",
        body=f"Cascade and malt. Also `{SCRIPT}` as text.",
    )
    discussions.post_create(actor=author, thread=hops, body="Citra hops, and more malt.")
    french = discussions.thread_create(
        actor=member_of(brasseurs),
        community=brasseurs,
        kind="discussion",
        title="Calendrier des événements",
        body="Le houblon arrive.",
    )
    hidden = discussions.thread_create(
        actor=member_of(secret),
        community=secret,
        kind="discussion",
        title="Secret hops stash",
        body="Nobody outside may read this: hops.",
    )
    return {"hops": hops, "french": french, "hidden": hidden}


def _allowed() -> set[tuple[str, str]]:
    """Every document an anonymous visitor may find: all but the private community's."""
    return {
        (kind, key)
        for kind, key in SearchDocument.objects.exclude(
            community__slug="vault", kind__in=["thread", "post"]
        ).values_list("kind", "object_key")
    }


def _assert_clean_page(response: Any) -> str:
    assert response.status_code == 200
    content: str = response.content.decode()
    assert 'id="search-results"' in content
    assert SCRIPT not in content
    assert "<img src=x" not in content
    assert "Secret hops stash" not in content
    return content


def _assert_clean_api(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body: dict[str, Any] = json.loads(response.content)
    assert body["mode"] in ("keyword", "hybrid")  # no words (or an empty query): keyword
    assert isinstance(body["results"], list)
    assert body["count"] >= len(body["results"])
    assert 1 <= body["page"] <= MAX_PAGE
    assert len(body["query"]) <= 300
    for result in body["results"]:
        assert "<script" not in result["snippet"]
        assert result["title"] != "Secret hops stash"
    return body


@pytest.mark.parametrize("q", HOSTILE)
def test_the_selector_never_fails_and_finds_only_what_may_be_found(data: Any, q: str) -> None:
    allowed = _allowed()
    for sort in ("relevance", "date"):
        for kind in ("", "thread", "question"):
            page = search(viewer=AnonymousUser(), params=SearchParams(q=q, sort=sort, type=kind))
            assert {(r.kind, r.key) for r in page.results} <= allowed
            assert page.total >= len(page.results)
            for result in page.results:
                assert "<script" not in result.snippet
                assert "<script" not in result.title


@pytest.mark.parametrize("q", HOSTILE)
def test_the_page_the_htmx_partial_and_similar_questions_answer_cleanly(
    client: Client, data: Any, q: str
) -> None:
    _assert_clean_page(client.get("/search/", {"q": q}))
    _assert_clean_page(
        client.get("/search/", {"q": q}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results")
    )
    response = client.get("/search/similar/", {"title": q, "community": "brewers"})
    assert response.status_code == 200
    assert SCRIPT not in response.content.decode()


@pytest.mark.parametrize("q", HOSTILE)
def test_the_api_answers_cleanly(client: Client, data: Any, q: str) -> None:
    body = _assert_clean_api(client.get("/api/v1/search", {"q": q}))
    allowed = _allowed()
    assert {(r["type"], r["id"]) for r in body["results"]} <= allowed


@pytest.mark.parametrize("q", WRAPPED_HOPS)
def test_syntax_around_a_word_is_ignored_not_obeyed(client: Client, data: Any, q: str) -> None:
    hops = ("thread", str(data["hops"].pk))
    page = search(viewer=AnonymousUser(), params=SearchParams(q=q))
    assert hops in {(r.kind, r.key) for r in page.results}
    body = _assert_clean_api(client.get("/api/v1/search", {"q": q}))
    assert hops in {(r["type"], r["id"]) for r in body["results"]}
    assert SearchDocument.objects.filter(kind="thread", object_key=hops[1]).exists()


def test_a_script_in_the_text_is_shown_escaped_in_page_and_api(client: Client, data: Any) -> None:
    content = _assert_clean_page(client.get("/search/", {"q": "cascade"}))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    body = _assert_clean_api(client.get("/api/v1/search", {"q": "cascade"}))
    (result,) = body["results"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result["snippet"]
    assert "<mark>Cascade</mark>" in result["snippet"]


def test_very_long_input_is_refused_or_cut_cleanly(client: Client, data: Any) -> None:
    long = "hops " + "x" * 9_995
    page = search(viewer=AnonymousUser(), params=SearchParams(q=long))
    assert ("thread", str(data["hops"].pk)) in {(r.kind, r.key) for r in page.results}
    many_words = " ".join(f"word{n}" for n in range(2_000))
    assert search(viewer=AnonymousUser(), params=SearchParams(q=many_words)).results == []

    content = _assert_clean_page(client.get("/search/", {"q": long}))
    # The page says the query was too long, or searches its first 300 characters.
    assert "at most 300 characters" in content or 'value="hops xxxx' in content

    response = client.get("/api/v1/search", {"q": long})
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        body = _assert_clean_api(response)
        assert body["query"] == long[:300]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "bogus"),
        ("type", SCRIPT),
        ("since", "not-a-date"),
        ("since", "2024-02-30"),
        ("until", "99999-01-01"),
        ("page", "-1"),
        ("page", "0"),
        ("page", "999999"),
        ("page", "99999999999999999999999"),
        ("page", "abc"),
        ("sort", "bogus"),
        ("status", "bogus"),
        ("community", "../../etc/passwd"),
        ("community", "\x00"),
        ("tag", SCRIPT),
        ("tag", "\x00"),
        ("author", "\x00"),
        ("author", "x" * 1000),
    ],
)
def test_a_bad_filter_on_the_page_keeps_the_rest_of_the_search(
    client: Client, data: Any, field: str, value: str
) -> None:
    content = _assert_clean_page(client.get("/search/", {"q": "cascade", field: value}))
    assert f"/search/open/?kind=thread&amp;key={data['hops'].pk}" in content


def test_an_unknown_community_or_a_far_page_on_the_page_finds_nothing_cleanly(
    client: Client, data: Any
) -> None:
    content = _assert_clean_page(client.get("/search/", {"q": "hops", "community": "unknown"}))
    assert "Nothing found" in content
    content = _assert_clean_page(client.get("/search/", {"q": "hops", "page": "9999"}))
    assert "search/open/" not in content


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("type", "bogus", 422),
        ("type", SCRIPT, 422),
        ("since", "not-a-date", 422),
        ("since", "2024-02-30", 422),
        ("until", "99999-01-01", 422),
        ("page", "abc", 422),
        ("sort", "bogus", 422),
        ("status", "bogus", 422),
        ("mode", "bogus", 422),
        ("mode", SCRIPT, 422),
        ("page", "-1", 200),
        ("page", "0", 200),
        ("page", "999999", 200),
        ("page", "99999999999999999999999", 200),
        ("community", "unknown", 200),
        ("community", "../../etc/passwd", 200),
        ("tag", SCRIPT, 200),
        ("author", "x" * 1000, 200),
        # PostgreSQL refuses NUL in text: the API must refuse it too, or drop it.
        ("community", "\x00", (200, 422)),
        ("tag", "\x00", (200, 422)),
        ("author", "hops\x00", (200, 422)),
    ],
)
def test_a_bad_filter_in_the_api_is_refused_or_finds_nothing(
    client: Client, data: Any, field: str, value: str, status: int | tuple[int, int]
) -> None:
    response = client.get("/api/v1/search", {"q": "hops", field: value})
    assert response.status_code in (status if isinstance(status, tuple) else (status,)), (
        response.content
    )
    if response.status_code == 200:
        body = _assert_clean_api(response)
        if field != "page" or value in ("-1", "0"):
            assert body["page"] == 1
        if field != "page":
            assert body["results"] == []
    else:
        assert "detail" in json.loads(response.content)


WORDS = st.sampled_from(
    ["hops", "HOPS", "houblon", "événements", "secret", "stash", "malt", "the", "NEAR", '"']
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    q=st.lists(st.one_of(WORDS, st.text(max_size=40)), max_size=6).map(" ".join),
    kind=st.sampled_from(["", "thread", "question", "post"]),
    sort=st.sampled_from(["relevance", "date"]),
)
def test_any_text_searches_without_error_and_finds_only_indexed_documents(
    data: Any, q: str, kind: str, sort: str
) -> None:
    allowed = _allowed()
    page = search(viewer=AnonymousUser(), params=SearchParams(q=q, type=kind, sort=sort))
    found = {(r.kind, r.key) for r in page.results}
    assert found <= allowed
    assert ("thread", str(data["hidden"].pk)) not in found
    assert page.total >= len(page.results)
