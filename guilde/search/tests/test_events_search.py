"""Events in the search: what of them is found (title, notes, place, topics; never the join
link), by whom (readers of their community), after which changes, and how a result shows.

Events are written through :mod:`guilde.events.services`, which index them in their
transaction; each item carries a nonsense word of its own so that results are exact.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Community, Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.events import services
from guilde.events.models import Event
from guilde.events.services import EventInput
from guilde.search import index
from guilde.search.models import SearchDocument
from guilde.search.selectors import SearchPage, SearchParams, search

pytestmark = pytest.mark.django_db

JOIN_URL = "https://meet.example.org/zqjoinsecret-room"


@pytest.fixture
def community() -> Community:
    return CommunityFactory.create(slug="brewers", name="Brewers")


def _input(title: str, **fields: Any) -> EventInput:
    start = (timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    fields.setdefault("venue", "Maison des associations")
    return EventInput(
        title=title, start=start, end=start + timedelta(hours=2), time_zone="Europe/Paris", **fields
    )


def _event(community: Community, title: str, actor: Any = None, **fields: Any) -> Event:
    return services.event_create(
        actor=actor or member_of(community), community=community, data=_input(title, **fields)
    )


def _found(viewer: Any, q: str, **params: Any) -> SearchPage:
    return search(viewer=viewer, params=SearchParams(q=q, **params))


def _keys(page: SearchPage) -> list[tuple[str, str]]:
    return [(r.kind, r.key) for r in page.results]


def test_an_event_is_found_by_its_title_notes_place_and_topics(community):
    Tag.objects.create(community=community, name="Zqfermenting", slug="zqfermenting")
    host = member_of(community)
    event = _event(
        community,
        "Zqkombucha tasting evening",
        actor=host,
        description="Bring a **zqscoby** jar.",
        address="12 rue Zqlavoisier, Lyon",
        tags=["zqfermenting"],
    )
    services.followup_save(
        actor=host,
        event=event,
        notes="We compared *zqsourdough* starters.",
        recording_url="",
        outcomes="A zqrecipe book.",
    )
    member = member_of(community)
    for word in ("zqkombucha", "zqscoby", "zqlavoisier", "zqsourdough", "zqrecipe"):
        assert _keys(_found(member, word)) == [("event", str(event.pk))], word
    assert _keys(_found(member, "", tag="zqfermenting")) == [("event", str(event.pk))]
    (result,) = _found(member, "zqkombucha", type="event").results
    assert result.plain_title == "Zqkombucha tasting evening"
    assert result.url == event.get_absolute_url()
    assert result.starts_at == event.start
    assert result.status == ""


def test_the_join_link_is_never_found_nor_shown(client, community):
    host = member_of(community)
    event = _event(
        community, "Zqwebinar on hop oils", actor=host, format="online", venue="", join_url=JOIN_URL
    )
    assert event.join_url == JOIN_URL
    for viewer in (AnonymousUser(), member_of(community), host):
        assert _found(viewer, "zqjoinsecret").results == []
        assert _found(viewer, "meet.example.org").results == []
    document = SearchDocument.objects.get(kind="event", object_key=str(event.pk))
    assert "zqjoinsecret" not in " ".join([document.title, document.tags, document.body])

    client.force_login(host)  # who may see the link on the event's page
    html = client.get("/search/", {"q": "zqwebinar"}).content.decode()
    assert f"key={event.pk}" in html
    assert "zqjoinsecret" not in html
    body = client.get("/api/v1/search", {"q": "zqwebinar", "type": "event"}).json()
    assert [r["id"] for r in body["results"]] == [str(event.pk)]
    assert "zqjoinsecret" not in str(body)
    body = client.get("/api/v1/search", {"q": "zqjoinsecret"}).json()
    assert body["count"] == 0


def test_a_private_communitys_event_is_found_by_its_members_only():
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    member = member_of(private)
    event = _event(private, "Zqsecretive cellar visit", actor=member)
    assert _found(AnonymousUser(), "zqsecretive").results == []
    assert _found(MemberFactory.create(), "zqsecretive").results == []
    assert _found(member_of(CommunityFactory.create()), "zqsecretive").results == []
    assert _keys(_found(member, "zqsecretive")) == [("event", str(event.pk))]
    assert _keys(_found(member_of(private), "zqsecretive")) == [("event", str(event.pk))]


def test_an_updated_title_is_found_and_the_old_one_no_longer(community):
    host = member_of(community)
    event = _event(community, "Zqoldname brewing day", actor=host)
    services.event_update(actor=host, event=event, data=_input("Zqnewname brewing day"))
    assert _keys(_found(host, "zqnewname")) == [("event", str(event.pk))]
    assert _found(host, "zqoldname").results == []


def test_a_cancelled_event_stays_findable_marked_cancelled(client, community):
    host = member_of(community)
    event = _event(community, "Zqcancelled barbecue", actor=host)
    services.event_cancel(actor=host, event=event, reason="Rain")
    (result,) = _found(host, "zqcancelled").results
    assert (result.kind, result.key, result.status) == ("event", str(event.pk), "cancelled")
    html = client.get("/search/", {"q": "zqcancelled"}).content.decode()
    assert "Cancelled" in html
    body = client.get("/api/v1/search", {"q": "zqcancelled"}).json()
    assert body["results"][0]["status"] == "cancelled"


def test_the_page_and_the_api_show_kind_start_and_link(client, community):
    event = _event(community, "Zqmeetup of cider makers")
    html = client.get("/search/", {"q": "zqmeetup", "type": "event"}).content.decode()
    assert f"kind=event&amp;key={event.pk}" in html
    assert re.search(r'class="badge badge-neutral">\s*Event\s*<', html)
    assert f'datetime="{timezone.localtime(event.start).isoformat()}"' in html
    opened = client.get("/search/open/", {"kind": "event", "key": str(event.pk)})
    assert opened.status_code == 302
    assert opened["Location"] == event.get_absolute_url()

    body = client.get("/api/v1/search", {"q": "zqmeetup", "type": "event"}).json()
    (result,) = body["results"]
    assert (result["type"], result["id"]) == ("event", str(event.pk))
    assert result["url"].endswith(event.get_absolute_url())
    assert datetime.fromisoformat(result["starts_at"]) == event.start
    assert {f["value"]: f["count"] for f in body["types"] if f["count"]} == {"event": 1}


def test_a_rebuild_indexes_events(community):
    event = _event(community, "Zqrebuilt tasting")
    SearchDocument.objects.filter(kind="event").delete()
    index.rebuild()
    assert SearchDocument.objects.filter(kind="event", object_key=str(event.pk)).exists()


def test_the_results_page_costs_the_same_queries_for_1_or_20_events(client, community):
    host = member_of(community)
    made: list[int] = []

    def setup(n: int) -> None:
        while len(made) < n:
            made.append(_event(community, f"Zqtasting session {len(made)}", actor=host).pk)

    client.force_login(member_of(community))
    assert_constant_queries(setup=setup, action=lambda: client.get("/search/", {"q": "zqtasting"}))
    made.clear()
    assert_constant_queries(
        setup=setup,
        action=lambda: client.get("/api/v1/search", {"q": "zqtasting"}),
        small=21,
        large=40,
    )
