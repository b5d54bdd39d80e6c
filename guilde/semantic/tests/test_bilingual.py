"""French ↔ English: a question finds its counterpart in the other language by meaning.

``bilingual.json`` was written for this test: 36 questions asked in French and again, in
other words, in English (the same question, not a translation word for word), among 240
distractors — 120 in each language, most on the same nine subjects and many on close
sub-topics (a flat beer beside an over-carbonated one). Each thread is created through the
services, embedded by the worker's task, and found by the search in its semantic mode, as
any viewer's search is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.search.selectors import SearchParams, search
from guilde.semantic.tasks import refresh_vector_index

pytestmark = pytest.mark.django_db

DATA = json.loads((Path(__file__).parent / "bilingual.json").read_text(encoding="utf-8"))


def _recall_at_5(
    threads: dict[str, int], pairs: list[dict[str, Any]], source: str, target: str
) -> float:
    found = 0
    for i, pair in enumerate(pairs):
        asked = pair[source]
        page = search(
            viewer=AnonymousUser(),
            params=SearchParams(q=f"{asked['title']}\n{asked['body']}", mode="semantic"),
            require_all=False,
            exclude=(("thread", str(threads[f"{source}{i}"])),),
            per_page=5,
            facets=False,
        )
        found += str(threads[f"{target}{i}"]) in [r.key for r in page.results]
    return found / len(pairs)


def test_a_question_finds_its_counterpart_in_the_other_language():
    pairs, distractors = DATA["pairs"], DATA["distractors"]
    assert len(pairs) >= 30
    assert len(distractors) >= 200
    assert {d["lang"] for d in distractors} == {"fr", "en"}
    community = CommunityFactory.create()
    author = member_of(community)
    threads: dict[str, int] = {}
    items = [(f"{lang}{i}", pair[lang]) for i, pair in enumerate(pairs) for lang in ("fr", "en")]
    items += [(f"distractor{i}", d) for i, d in enumerate(distractors)]
    for name, item in items:
        thread = discussions.thread_create(
            actor=author,
            community=community,
            kind="question",
            title=item["title"],
            body=item["body"],
        )
        threads[name] = thread.pk
    run_queued_tasks(limit=5000)
    assert refresh_vector_index.call() == len(items)

    french_to_english = _recall_at_5(threads, pairs, "fr", "en")
    english_to_french = _recall_at_5(threads, pairs, "en", "fr")
    measured = (
        f"French to English {french_to_english:.3f}, English to French {english_to_french:.3f}"
    )
    assert french_to_english >= 0.8, measured
    assert english_to_french >= 0.8, measured
