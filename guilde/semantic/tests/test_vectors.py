"""The vector index: rebuilt by the worker when vectors change, mapped by every process
at its newest version, masked by community before the top results are cut."""

from __future__ import annotations

import pytest

from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.semantic import vectors
from guilde.semantic.embedders import embedder
from guilde.semantic.models import VectorIndexVersion
from guilde.semantic.tasks import refresh_vector_index

pytestmark = pytest.mark.django_db

QUERY = "How should I clean my fermenter between two batches?"


def _question(community, title: str, body: str):
    return discussions.thread_create(
        actor=member_of(community), community=community, kind="question", title=title, body=body
    )


def _query():
    return embedder().embed([QUERY])[0]


def test_the_mask_applies_before_the_top_is_cut():
    public = CommunityFactory.create()
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    far = _question(public, "Which hops for a citrus IPA?", "Looking for aroma hops.")
    close = _question(private, QUERY, "Mine smells of old beer after each brew.")
    run_queued_tasks()
    assert vectors.current() is None  # before the worker built the index
    assert refresh_vector_index.call() == 2

    everything = vectors.nearest(_query(), communities=[public.pk, private.pk], k=1)
    assert [key for _kind, key, _score in everything] == [str(close.pk)]
    # Without the private community, its closer thread is masked, not cut away with it.
    masked = vectors.nearest(_query(), communities=[public.pk], k=1)
    assert [key for _kind, key, _score in masked] == [str(far.pk)]
    assert vectors.nearest(_query(), communities=[], k=5) == []
    assert vectors.nearest(_query(), communities=[public.pk], kinds=("article",)) == []


def test_processes_map_the_newest_version_and_rebuild_only_on_change(settings, tmp_path):
    community = CommunityFactory.create()
    _question(community, "Bottle conditioning", "How much sugar per litre?")
    run_queued_tasks()
    vectors.refresh()
    first = vectors.current()
    assert first is not None
    assert len(first) == 1
    assert vectors.refresh() is None  # nothing changed: no new version

    newer = _question(community, QUERY, "Smells of vinegar.")
    run_queued_tasks()
    assert vectors.refresh() == 2
    mapped = vectors.current()
    assert mapped is not None
    assert mapped.version[0] == first.version[0] + 1
    assert str(newer.pk) in [
        key for _k, key, _s in vectors.nearest(_query(), communities=[community.pk])
    ]

    # A deletion changes the index too.
    discussions.post_delete(actor=newer.author, post=newer.posts.get(position=1))
    run_queued_tasks()
    assert vectors.refresh() == 1

    # Another machine (no files here) builds the current version from the database.
    settings.GUILDE_VECTOR_DIR = str(tmp_path / "elsewhere")
    vectors.forget()
    again = vectors.current()
    assert again is not None
    assert len(again) == 1
    assert again.version == (
        VectorIndexVersion.objects.get().version,
        VectorIndexVersion.objects.get().token,
    )
    # Old versions' files go: only the last two stay.
    assert len(list((tmp_path / "vectors").glob("*.meta.npy"))) <= vectors.KEEP_VERSIONS


def test_searching_by_meaning_shows_each_viewer_only_what_they_may_see():
    from django.contrib.auth.models import AnonymousUser

    from guilde.search.selectors import SearchParams, search

    public = CommunityFactory.create()
    private = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    shown = _question(public, "Cleaning a fermenter", "Soak it, then sanitise.")
    secret = _question(private, QUERY, "Ours smells of old beer.")
    reader = member_of(private)
    run_queued_tasks()
    vectors.refresh()

    def keys(viewer, community=None, exclude=()):
        params = SearchParams(
            q=QUERY, mode="semantic", community=community.slug if community else ""
        )
        return [r.key for r in search(viewer=viewer, params=params, exclude=exclude).results]

    assert keys(AnonymousUser()) == [str(shown.pk)]
    assert keys(member_of(public)) == [str(shown.pk)]
    assert keys(reader) == [str(secret.pk), str(shown.pk)]
    assert keys(reader, community=public) == [str(shown.pk)]
    assert keys(reader, exclude=(("thread", str(secret.pk)),)) == [str(shown.pk)]

    # Hidden since the index was built: the index still has it, the check drops it.
    discussions.post_delete(actor=secret.author, post=secret.posts.get(position=1))
    assert keys(reader) == [str(shown.pk)]


def test_a_thread_is_found_by_its_accepted_answer_and_listed_once():
    community = CommunityFactory.create()
    asker = member_of(community)
    thread = discussions.thread_create(
        actor=asker,
        community=community,
        kind="question",
        title="Strange smell after brew day",
        body="Something is off with my equipment.",
    )
    answer = discussions.post_create(actor=member_of(community), thread=thread, body=QUERY)
    discussions.answer_accept(actor=asker, thread=thread, post=answer)
    _question(community, "Which hops for a citrus IPA?", "Looking for aroma hops.")
    run_queued_tasks()
    vectors.refresh()
    found = vectors.nearest(_query(), communities=[community.pk], k=5)
    keys = [key for _kind, key, _score in found]
    assert keys[0] == str(thread.pk)  # by its answer, the closer of its two vectors
    assert len(keys) == len(set(keys)) == 2
    assert found[0][2] > 0.95


def test_large_indexes_are_scored_in_parallel_chunks_with_the_same_products(monkeypatch):
    import numpy as np

    rng = np.random.default_rng(7)
    rows = rng.integers(-127, 128, (vectors.CHUNK_ROWS * 3 + 17, 64), dtype=np.int8)
    query = rng.integers(-127, 128, 64, dtype=np.int8)
    expected = rows.astype(np.int64) @ query.astype(np.int64)
    monkeypatch.setattr(vectors, "SCORING_THREADS", 3)
    assert np.array_equal(vectors._products(rows, query), expected)
    monkeypatch.setattr(vectors, "SCORING_THREADS", 1)
    assert np.array_equal(vectors._products(rows, query), expected)
