"""Member directory and "who knows about …" on the canonical data set: server-side time of
the pages and API calls, as an anonymous visitor and as a signed-in member of several
communities (bench/search.py's viewer).

The data set's members get their profiles (skills with levels, interests, learning goals,
languages, organisations, availability, some fields hidden) from ``guilde generate``; a
data set made before it had them gets them here first, from the generator's own random
stream. The stored expertise evidence is computed first when missing (the worker does it
every hour): ``refresh_seconds`` says what one refresh costs on a million posts.

Queries, drawn with a fixed seed:

- **directory**: the member directory (``/members/`` and ``/api/v1/members``) with one or
  two filters among name, skill, interest, organisation, community, language, time zone
  (± hours), open to questions or to mentoring — each filter also requiring the field to
  be visible to the viewer, and blocks applied, as the product does;
- **who knows**: ``/people/experts/?q=…`` and ``/api/v1/experts?q=…`` naming one tag (a
  quarter name two tags of the same community): the ranking from the stored evidence,
  the reasons in words, the page.

Each URL is requested twice, a warm-up pass then the measured pass (a visit the database
cache has seen, as popular searches are), with Django's test client in this process under
production settings; a third pass counts SQL queries.

    .venv/bin/python bench/people.py [--queries 200] [--seed 1]

Prints one JSON document; its last line is the JSON on one line.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0


def prepare() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from bench.pages import open_data_set

    open_data_set()
    from guilde.accounts.models import MemberSkill, User
    from guilde.importers.generator import PRESETS, Generator
    from guilde.people import evidence
    from guilde.people.models import EvidenceSnapshot

    done: dict[str, Any] = {}
    members = list(
        User.objects.filter(username__startswith="gen-").order_by("pk").values_list("pk", flat=True)
    )
    if not MemberSkill.objects.filter(member_id__in=members[:100]).exists():
        preset = PRESETS["bench-1m"]
        started = time.perf_counter()
        Generator(preset.members, preset.posts, preset.communities, preset.seed).profiles(members)
        done["profiles_added_seconds"] = round(time.perf_counter() - started, 1)
    if not EvidenceSnapshot.objects.exists():
        started = time.perf_counter()
        evidence.refresh()
        done["refresh_seconds"] = round(time.perf_counter() - started, 1)
    return done


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def directory_urls(count: int, seed: int) -> list[dict[str, str]]:
    from guilde.accounts.models import Organisation, Skill, User
    from guilde.communities.models import Community

    chooser = random.Random(seed)
    names = list(
        User.objects.filter(username__startswith="gen-").values_list("display_name", flat=True)[
            :2000
        ]
    )
    skills = list(Skill.objects.values_list("slug", flat=True))
    organisations = list(Organisation.objects.values_list("slug", flat=True))
    communities = list(Community.objects.filter(visibility="public").values_list("slug", flat=True))
    makers = [
        lambda: {"q": chooser.choice(names).split()[0][:4]},
        lambda: {"skill": chooser.choice(skills)},
        lambda: {"interest": chooser.choice(skills)},
        lambda: {"organisation": chooser.choice(organisations)},
        lambda: {"community": chooser.choice(communities)},
        lambda: {"language": chooser.choice(["fr", "de", "es"])},
        lambda: {
            "time_zone": chooser.choice(["Europe/Paris", "America/Montreal", "Asia/Tokyo"]),
            "hours_apart": str(chooser.randint(0, 3)),
        },
        lambda: {"availability": chooser.choice(["questions", "mentoring"])},
    ]
    found = []
    for _ in range(count):
        filters = chooser.choice(makers)()
        if chooser.random() < 0.4:
            filters |= chooser.choice(makers)()
        found.append(filters)
    return found


def who_knows_texts(count: int, seed: int) -> list[str]:
    from guilde.communities.models import Community, Tag

    chooser = random.Random(seed)
    public = Community.objects.filter(visibility="public").values("pk")
    tags = list(Tag.objects.filter(community_id__in=public).values_list("community_id", "name"))
    texts = []
    for _ in range(count):
        community, name = chooser.choice(tags)
        if chooser.random() < 0.25:
            other = chooser.choice([n for c, n in tags if c == community])
            texts.append(f"{name} and {other}?")
        else:
            texts.append(f"who knows about {name}?")
    return texts


def api_filters(filters: dict[str, str]) -> dict[str, str]:
    """The page's filters as the API names them (availability is two booleans there)."""
    found = {k: v for k, v in filters.items() if k != "availability"}
    if "availability" in filters:
        name = {"questions": "open_to_questions", "mentoring": "open_to_mentor"}
        found[name[filters["availability"]]] = "true"
    return found


def measure(client: Any, urls: list[str]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls:  # warm-up
        client.get(url)
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    queries = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries.append(len(captured.captured_queries))
    return {
        "requests": len(urls),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "queries_median": statistics.median(queries),
        "queries_max": max(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--member", help="the signed-in viewer's username")
    arguments = parser.parse_args()
    prepared = prepare()
    from django.test import Client

    from bench.report import emit
    from bench.search import member_viewer
    from guilde.people.models import ActivityEvidence, TopicEvidence

    member, about_member = member_viewer(arguments.member)
    visitor, signed_in = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(member)
    filters = directory_urls(arguments.queries, arguments.seed)
    texts = who_knows_texts(arguments.queries, arguments.seed)
    results: dict[str, Any] = {}
    for role, client in (("anonymous", visitor), ("member", signed_in)):
        results[role] = {
            "directory_page": measure(client, [f"/members/?{urlencode(f)}" for f in filters]),
            "directory_api": measure(
                client, [f"/api/v1/members?{urlencode(api_filters(f))}" for f in filters]
            ),
            "who_knows_page": measure(
                client, [f"/people/experts/?{urlencode({'q': t})}" for t in texts]
            ),
            "who_knows_api": measure(
                client, [f"/api/v1/experts?{urlencode({'q': t})}" for t in texts]
            ),
        }
    emit(
        {
            "benchmark": "people: member directory and who knows (pages and API, in-process)",
            "database": "SQLite, var/bench (guilde generate --preset bench-1m)",
            "seed": arguments.seed,
            "member": about_member,
            "prepared": prepared,
            "evidence_rows": {
                "topic": TopicEvidence.objects.count(),
                "activity": ActivityEvidence.objects.count(),
            },
            "target": {"p95_ms": TARGET_P95_MS},
            **results,
        }
    )


if __name__ == "__main__":
    main()
