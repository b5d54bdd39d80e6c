"""Writes of the search app: the search log (what was searched, which result was opened)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from guilde.search.models import SearchClick, SearchQuery

LOG_IDENTITY_DAYS = 30
# A query typed on from the previous one within this time replaces it (live results send
# one request per pause in typing; the log keeps what the person was looking for).
TYPING_SECONDS = 60


@transaction.atomic
def query_log(
    *,
    member: Any,
    text: str,
    community_id: int | None,
    filters: dict[str, str],
    results: int,
    previous: int | None = None,
) -> SearchQuery:
    """Record a search; refine the ``previous`` one when this is the same search typed on."""
    member_id = member.pk if member is not None and member.is_authenticated else None
    now = timezone.now()
    text = text[:300]
    if previous is not None:
        earlier = SearchQuery.objects.filter(
            pk=previous,
            member_id=member_id,
            created_at__gte=now - timedelta(seconds=TYPING_SECONDS),
            clicks__isnull=True,
        ).first()
        if earlier is not None and (text.startswith(earlier.text) or earlier.text.startswith(text)):
            earlier.text, earlier.results, earlier.filters = text, results, filters
            earlier.community_id, earlier.created_at = community_id, now
            earlier.save(update_fields=["text", "results", "filters", "community", "created_at"])
            return earlier
    return SearchQuery.objects.create(
        member_id=member_id,
        text=text,
        community_id=community_id,
        filters=filters,
        results=results,
        created_at=now,
    )


def click_log(*, query: SearchQuery, kind: str, key: str, rank: int) -> SearchClick:
    return SearchClick.objects.create(query=query, kind=kind, object_key=key[:40], rank=rank)


def forget_identities(now: datetime | None = None) -> int:
    """Searches older than :data:`LOG_IDENTITY_DAYS` no longer say who made them."""
    limit = (now or timezone.now()) - timedelta(days=LOG_IDENTITY_DAYS)
    return SearchQuery.objects.filter(created_at__lt=limit, member__isnull=False).update(
        member=None
    )
