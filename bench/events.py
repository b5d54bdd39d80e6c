"""Events on the canonical data set: server-side time of the lists, the month calendar, the
event page, the community feed and the API's range, as an anonymous visitor and as a
signed-in member of several communities (bench/search.py's viewer).

The data set's events come from ``guilde generate`` (``Generator.events``: about one per
thousand posts, a fifth of them series, answers and waitlists); a data set made before
it had them gets them here first, from the generator's own random stream.

Requests, drawn with a fixed seed among the generated communities the viewer reads:

- **list**: ``/communities/<slug>/events/`` (upcoming, or past), and ``/events/``;
- **month**: ``/communities/<slug>/events/calendar/?month=…`` and ``/events/calendar/``
  over the data set's months;
- **event**: an event's page (a series: one of its occurrences);
- **feed**: ``/communities/<slug>/events/calendar.ics``;
- **api**: ``/api/v1/events?start=…&end=…`` (90 days).

Each URL is requested twice, a warm-up pass then the measured pass, with Django's test
client in this process under production settings; a third pass counts SQL queries.

    .venv/bin/python bench/events.py [--requests 100] [--seed 1]

Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def prepare() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from bench.pages import open_data_set

    open_data_set()
    from guilde.events.models import Event
    from guilde.importers.generator import PRESETS, Generator

    done: dict[str, Any] = {}
    if not Event.objects.exists():
        preset = PRESETS["bench-1m"]
        started = time.perf_counter()
        generator = Generator(preset.members, preset.posts, preset.communities, preset.seed)
        generator.events()
        done["events_added_seconds"] = round(time.perf_counter() - started, 1)
    return done


def urls(viewer: Any, count: int, seed: int) -> dict[str, list[str]]:
    from guilde.events.models import Event
    from guilde.events.recurrence import occurrences_between
    from guilde.events.selectors import event_queryset

    chooser = random.Random(seed)
    events = list(event_queryset(viewer=viewer).select_related("community").order_by("pk"))
    slugs = sorted({event.community.slug for event in events})
    months = sorted({f"{event.start:%Y-%m}" for event in events})
    found: dict[str, list[str]] = {"list": [], "month": [], "event": [], "feed": [], "api": []}
    for _ in range(count):
        slug = chooser.choice(slugs)
        past = "?when=past" if chooser.random() < 0.3 else ""
        found["list"].append(
            f"/communities/{slug}/events/{past}" if chooser.random() < 0.7 else f"/events/{past}"
        )
        month = chooser.choice(months)
        found["month"].append(
            f"/communities/{slug}/events/calendar/?month={month}"
            if chooser.random() < 0.7
            else f"/events/calendar/?month={month}"
        )
        event: Event = chooser.choice(events)
        url = event.get_absolute_url()
        if event.repeat:
            first = occurrences_between(event, event.start, event.end)
            if first:
                url += f"?occurrence={first[0].key_text}"
        found["event"].append(url)
        found["feed"].append(f"/communities/{slug}/events/calendar.ics")
        start = f"{month}-01T00:00:00Z"
        mine = "true" if chooser.random() < 0.5 else "false"
        found["api"].append(f"/api/v1/events?start={start}&mine={mine}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    prepared = prepare()
    from django.test import Client

    from bench.people import measure
    from bench.report import emit
    from bench.search import member_viewer
    from guilde.events.models import Event, Registration

    member, about_member = member_viewer(None)
    visitor, signed_in = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(member)
    results: dict[str, Any] = {}
    for role, client, viewer in (("anonymous", visitor, None), ("member", signed_in, member)):
        from django.contrib.auth.models import AnonymousUser

        chosen = urls(viewer or AnonymousUser(), arguments.requests, arguments.seed)
        results[role] = {name: measure(client, found) for name, found in chosen.items()}
    emit(
        {
            "benchmark": "events: lists, month calendar, event page, feed, API (in-process)",
            "database": "SQLite, var/bench (guilde generate --preset bench-1m)",
            "seed": arguments.seed,
            "member": about_member,
            "prepared": prepared,
            "events": Event.objects.count(),
            "series": Event.objects.exclude(repeat="").count(),
            "registrations": Registration.objects.count(),
            **results,
        }
    )


if __name__ == "__main__":
    main()
