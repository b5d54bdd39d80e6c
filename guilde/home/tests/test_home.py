from __future__ import annotations

import pytest

from guilde.core.testing import count_queries


@pytest.mark.django_db
def test_the_home_page_says_what_guilde_is(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Learn from the people who do the work" in response.content.decode()


@pytest.mark.django_db
def test_the_home_page_in_french(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Apprenez de celles et ceux qui font le travail" in response.content.decode()


@pytest.mark.django_db
def test_the_home_page_costs_no_query_for_an_anonymous_visitor(client):
    queries, sql = count_queries(lambda: client.get("/"))
    assert queries == 0, sql


@pytest.mark.django_db
def test_unknown_pages_get_the_site_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
