"""The worker's side of semantic search: vectors follow the index, and the embedder."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q
from django.tasks import task

from guilde.core import indexing
from guilde.core.scheduling import every, periodic
from guilde.discussions.models import Post
from guilde.semantic import services, vectors


@task()
def embed_documents(kind: str, keys: list[str]) -> int:
    """Embed these threads or articles again (unchanged texts are skipped)."""
    return services.embed(kind, keys)


@task()
def embed_community(community_id: int) -> int:
    """Everything in a community (after an import or generated data)."""
    return services.embed_all(community_id=community_id)


@periodic(every(seconds=5))
@task()
def refresh_vector_index() -> int:
    """A new version of the vector index when the vectors changed (processes map it within
    seconds: vectors.CHECK_SECONDS)."""
    return vectors.refresh() or 0


@periodic(every(minutes=10))
@task()
def reembed_if_model_changed() -> int:
    """When the configured embedder differs from the one that made some vectors (or some
    thread or article has none), embed those."""
    return services.embed_all(only_stale=True)


def changed(kind: str, ids: tuple[Any, ...], **options: Any) -> None:
    """The handler :mod:`guilde.core.indexing` calls (after the search index's, in the
    writer's transaction): queue the vectors that may have changed."""
    if kind in ("thread", "article", "event"):
        embed_documents.enqueue(kind, [str(pk) for pk in ids])
    elif kind == "post":  # an opening post or an accepted answer is part of the text
        threads = Post.objects.filter(pk__in=ids).filter(
            Q(position=1) | Q(thread__accepted_post_id=F("pk"))
        )
        keys = sorted({str(t) for t in threads.values_list("thread_id", flat=True)})
        if keys:
            embed_documents.enqueue("thread", keys)
    elif kind == "community_content":
        for community_id in ids:
            embed_community.enqueue(int(community_id))


indexing.register(changed)
