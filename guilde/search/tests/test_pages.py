"""The search page, its API, opening a result, "similar questions" and the search log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services
from guilde.search import services as search_services
from guilde.search.models import SearchClick, SearchQuery

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory.create(slug="brewers", name="Brewers")


def _question(community, title, body="Body text", author=None):
    return services.thread_create(
        actor=author or member_of(community),
        community=community,
        kind="question",
        title=title,
        body=body,
    )


def test_the_page_shows_highlighted_results_facets_and_keeps_bad_filters_out(client, community):
    thread = _question(community, "Dry hopping a lager", body="How long should hops stay?")
    response = client.get("/search/", {"q": "hops lager", "since": "not a date"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>lager</mark>" in html
    assert f"key={thread.pk}" in html
    assert "Enter a valid date." in html  # the bad filter is named, the search still ran
    assert 'aria-current="true"' not in html
    facets = response.context["page"].types
    assert {f.value: f.count for f in facets if f.count} == {"thread": 1, "question": 1}


def test_htmx_asks_for_the_results_only(client, community):
    _question(community, "Sparging temperature")
    response = client.get(
        "/search/", {"q": "sparging"}, headers={"HX-Request": "true", "HX-Target": "search-results"}
    )
    html = response.content.decode()
    assert 'id="search-results"' in html
    assert "<html" not in html


def test_the_page_and_the_api_cost_the_same_queries_for_1_or_20_results(client, community):
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            made.append(_question(community, f"Kettle souring question {len(made)}").pk)

    member = member_of(community)
    client.force_login(member)
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/search/", {"q": "kettle souring"})
    )
    made.clear()
    assert_constant_queries(
        setup=setup,
        action=lambda: client.get("/api/v1/search", {"q": "kettle"}),
        small=21,
        large=40,
    )


def test_the_api_returns_the_documented_fields(client, community):
    thread = _question(community, "Yeast pitching rate")
    body = client.get(
        "/api/v1/search", {"q": "pitching", "type": "question", "mode": "keyword"}
    ).json()
    assert body["count"] == 1
    assert body["mode"] == "keyword"
    (result,) = body["results"]
    assert result["type"] == "thread"
    assert result["id"] == str(thread.pk)
    assert result["title"] == "Yeast pitching rate"
    assert "<mark>pitching</mark>" in result["snippet"] or result["snippet"] == "Body text"
    assert result["url"].endswith(f"/communities/brewers/threads/{thread.pk}/")
    assert result["score"] > 0
    assert client.get("/api/v1/search", {"q": "x", "mode": "vector"}).status_code == 422


def test_searches_and_opened_results_are_logged_and_names_forgotten_after_30_days(
    client, community
):
    member = member_of(community)
    client.force_login(member)
    thread = _question(community, "Bottle conditioning")
    client.get("/search/", {"q": "bott"})
    client.get("/search/", {"q": "bottle cond"})  # typed on: the same search, refined
    (logged,) = SearchQuery.objects.all()
    assert (logged.text, logged.member, logged.results) == ("bottle cond", member, 1)
    response = client.get(
        "/search/open/", {"kind": "thread", "key": str(thread.pk), "query": logged.pk, "rank": 1}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/communities/brewers/threads/{thread.pk}/"
    assert SearchClick.objects.get().rank == 1

    SearchQuery.objects.update(created_at=timezone.now() - timedelta(days=31))
    assert search_services.forget_identities() == 1
    assert SearchQuery.objects.get().member is None


def test_opening_a_result_one_may_not_read_is_a_404(client, community):
    assert client.get("/search/open/", {"kind": "thread", "key": "999"}).status_code == 404
    assert client.get("/search/open/", {"kind": "nonsense", "key": "'"}).status_code == 404


def test_similar_questions_while_typing_and_on_a_question(client, community):
    first = _question(community, "How do I clear a hazy beer?", body="Finings or cold crash")
    second = _question(community, "Hazy pale ale from my kettle")
    response = client.get("/search/similar/", {"title": "hazy pale beer", "community": "brewers"})
    html = response.content.decode()
    assert "Similar questions already asked" in html
    assert "How do I clear a hazy beer?" in html
    assert "Hazy pale ale from my kettle" in html
    assert client.get("/search/similar/", {"title": "ab"}).content.decode().strip() == ""

    response = client.get("/search/similar/", {"thread": first.pk})
    html = response.content.decode()
    assert "Hazy pale ale from my kettle" in html
    assert "How do I clear a hazy beer?" not in html  # not itself
    assert client.get("/search/similar/", {"thread": second.pk + 100}).status_code == 404


def test_similar_questions_cost_the_same_queries_for_1_or_5_results(client, community):
    asked = _question(community, "Clarifying beer with gelatin")
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            made.append(_question(community, f"Gelatin fining question {len(made)}").pk)

    assert_constant_queries(
        setup=setup,
        action=lambda: client.get("/search/similar/", {"thread": asked.pk}),
        small=1,
        large=5,
    )


def test_a_visitors_searches_refine_one_record_without_starting_a_session(community):
    from django.conf import settings

    _question(community, "Bottle conditioning")
    visitor = Client()
    visitor.get("/search/", {"q": "bott"})
    response = visitor.get("/search/", {"q": "bottle cond"})  # typed on
    (logged,) = SearchQuery.objects.all()
    assert (logged.text, logged.member, logged.results) == ("bottle cond", None, 1)
    # Neither a session (a write; and the visitors' page cache skips anyone with one) nor
    # the query's text in a cookie: only the record's signed number.
    assert settings.SESSION_COOKIE_NAME not in visitor.cookies
    assert "bottle" not in response.cookies["guilde_search"].value
    # A forged number is ignored: a new record, not someone else's refined.
    visitor.cookies["guilde_search"] = str(logged.pk)
    visitor.get("/search/", {"q": "bottle conditioning"})
    assert SearchQuery.objects.count() == 2
    # Another browser starts its own record.
    Client().get("/search/", {"q": "bottle conditioning"})
    assert SearchQuery.objects.count() == 3
    assert SearchQuery.objects.get(pk=logged.pk).text == "bottle cond"
