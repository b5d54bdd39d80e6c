"""CappedPaginator counts up to its cap and says when there are more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guilde.accounts.models import User
from guilde.accounts.tests.factories import MemberFactory
from guilde.core.pagination import CappedPaginator


@pytest.mark.django_db
def test_counts_up_to_the_cap_then_says_more():
    MemberFactory.create_batch(7)
    members = User.objects.order_by("pk")
    exact = CappedPaginator(members, 2, cap=10)
    assert exact.count == 7
    assert not exact.capped
    capped = CappedPaginator(members, 2, cap=5)
    with CaptureQueriesContext(connection) as captured:
        assert capped.count == 6
    assert "LIMIT 6" in captured.captured_queries[0]["sql"]
    assert capped.capped
    assert capped.num_pages == 3
    assert len(capped.get_page(99).object_list) == 2  # the last page the count allows


@pytest.mark.django_db
def test_the_directory_says_more_than_the_cap(client, monkeypatch):
    monkeypatch.setattr("guilde.core.pagination.CAP", 3)
    MemberFactory.create_batch(5)
    page = client.get("/members/").content.decode()
    assert "More than 3 members" in page
