"""Embedding what semantic search finds, from the search index's documents.

A thread has two vectors, its question (title and opening post) and its accepted answer;
an article one, its title, summary and first sections — read from the documents
:mod:`guilde.search.index` keeps, so only what keyword search may find is embedded, with
the same community and audience, and a removed thread or article loses its vector with its
document. The worker runs :func:`embed` after the index changes (never a request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import numpy as np
from django.db import transaction
from django.utils import timezone

from guilde.core.batches import keyset_batches, make_room
from guilde.discussions.models import Thread
from guilde.search.models import Audience, Kind, SearchDocument
from guilde.semantic.embedders import embedder
from guilde.semantic.models import Embedding

EMBEDDED_KINDS = (Kind.THREAD.value, Kind.ARTICLE.value, Kind.EVENT.value)
# Characters of each part embedded: the encoder reads the start of a text.
TITLE_CHARS = 300
BODY_CHARS = 1500
ANSWER_CHARS = 800
BATCH = 32


Part = tuple[str, str]  # (object key, part)


def texts(kind: str, keys: Iterable[str]) -> dict[Part, tuple[str, SearchDocument]]:
    """What to embed for each of ``keys`` that the index holds, part by part, with its
    document: a thread's question (title and opening post) and accepted answer, an
    article's text (title, summary and first sections)."""
    documents = {
        d.object_key: d
        for d in SearchDocument.objects.filter(
            kind=kind,
            object_key__in=list(keys),
            audience__in=[Audience.COMMUNITY, Audience.DRAFT],
            community__isnull=False,
        ).only("object_key", "title", "body", "community_id", "audience", "thread_id")
    }
    answers: dict[str, str] = {}
    if kind == Kind.THREAD and documents:
        accepted = dict(
            Thread.objects.filter(
                pk__in=[int(k) for k in documents], accepted_post__isnull=False
            ).values_list("pk", "accepted_post_id")
        )
        bodies = dict(
            SearchDocument.objects.filter(
                kind=Kind.POST, object_key__in=[str(p) for p in accepted.values()]
            ).values_list("object_key", "body")
        )
        answers = {str(t): bodies.get(str(p), "") for t, p in accepted.items()}
    found: dict[Part, tuple[str, SearchDocument]] = {}
    main = Embedding.Part.QUESTION if kind == Kind.THREAD else Embedding.Part.TEXT
    for key, d in documents.items():
        found[key, main] = (f"{d.title[:TITLE_CHARS]}\n{d.body[:BODY_CHARS]}".strip(), d)
        if answers.get(key, "").strip():
            found[key, Embedding.Part.ANSWER] = (answers[key][:ANSWER_CHARS], d)
    return found


def _digest(text: str, model: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


def embed(kind: str, keys: Iterable[str], *, force: bool = False) -> int:
    """Bring the vectors of ``keys`` (of ``kind``) in step with the index: embed new and
    changed texts (unless unchanged, or ``force``), drop those the index no longer holds
    (and a thread's answer once none is accepted). Returns the texts embedded."""
    if kind not in EMBEDDED_KINDS:
        return 0
    keys = [str(k) for k in keys]
    model = embedder()
    wanted = texts(kind, keys)
    stored = {
        (e.object_key, e.part): e
        for e in Embedding.objects.filter(kind=kind, object_key__in=keys).only(
            "object_key", "part", "digest", "model", "community_id", "audience"
        )
    }
    to_embed = [
        part
        for part, (text, _doc) in wanted.items()
        if force
        or part not in stored
        or stored[part].digest != _digest(text, model.name)
        or stored[part].model != model.name
    ]
    vectors = model.embed([wanted[part][0] for part in to_embed]) if to_embed else None
    now = timezone.now()
    with transaction.atomic():
        gone = [stored[part].pk for part in set(stored) - set(wanted)]
        Embedding.objects.filter(pk__in=gone).delete()
        for part, (_text, doc) in wanted.items():  # moved or published without a new text
            row = stored.get(part)
            if (
                row
                and part not in to_embed
                and (row.community_id, row.audience)
                != (
                    doc.community_id,
                    doc.audience,
                )
            ):
                Embedding.objects.filter(pk=row.pk).update(
                    community_id=doc.community_id, audience=doc.audience, updated_at=now
                )
        for part, vector in zip(to_embed, vectors if vectors is not None else [], strict=True):
            text, doc = wanted[part]
            Embedding.objects.update_or_create(
                kind=kind,
                object_key=part[0],
                part=part[1],
                defaults={
                    "community_id": int(doc.community_id or 0),
                    "audience": doc.audience,
                    "model": model.name,
                    "dimensions": int(vector.shape[0]),
                    "vector": np.asarray(vector, dtype=np.float32).tobytes(),
                    "digest": _digest(text, model.name),
                    "updated_at": now,
                },
            )
    return len(to_embed)


def vector_of(embedding: Embedding) -> np.ndarray:
    return np.frombuffer(bytes(embedding.vector), dtype=np.float32)


def objects_to_embed() -> int:
    return SearchDocument.objects.filter(
        kind__in=EMBEDDED_KINDS, audience__in=[Audience.COMMUNITY, Audience.DRAFT]
    ).count()


def embed_all(
    *,
    progress: Callable[[int], None] | None = None,
    only_stale: bool = False,
    force: bool = False,
    community_id: int | None = None,
) -> int:
    """Embed every thread and article (of one community, with ``community_id``) whose text
    changed (``force``: all of them; ``only_stale``: only those whose vector another
    embedder made, or none), batch by batch; drop vectors of what the index no longer
    holds. Returns the texts embedded."""
    embedded = 0
    name = embedder().name
    scope = {} if community_id is None else {"community_id": community_id}
    for kind in EMBEDDED_KINDS:
        documents = SearchDocument.objects.filter(
            kind=kind, audience__in=[Audience.COMMUNITY, Audience.DRAFT], **scope
        )
        if only_stale:
            current = Embedding.objects.filter(kind=kind, model=name).values("object_key")
            documents = documents.exclude(object_key__in=current)
        rows = documents.values_list("pk", "object_key")
        for page in keyset_batches(rows, size=BATCH):  # no read open while embed() writes
            make_room()
            batch = tuple(key for _pk, key in page)
            embedded += embed(kind, batch, force=force)
            if progress:
                progress(len(batch))
        indexed = SearchDocument.objects.filter(kind=kind).values("object_key")
        Embedding.objects.filter(kind=kind, **scope).exclude(object_key__in=indexed).delete()
    return embedded


def stale_count() -> int:
    """Vectors made by another embedder than the configured one."""
    return Embedding.objects.exclude(model=embedder().name).count()
