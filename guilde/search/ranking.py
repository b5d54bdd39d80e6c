"""How results are ordered: the one place for every weight and boost.

score = text relevance × document boost × recency

- **Text relevance** weighs where the words are found: a word in the title counts
  :data:`TITLE_WEIGHT` times a word in the body, one in the tags :data:`TAGS_WEIGHT` times.
  SQLite computes it with FTS5's BM25 (``bm25()`` with these column weights); PostgreSQL,
  which has no BM25, with ``ts_rank_cd`` over a tsvector whose title, tags and body carry
  the weights A, B and C (:data:`PG_WEIGHTS`), normalised by document length. The two
  scores differ in scale; the orders they give agree on the cases the tests build.
- **Document boost** (:func:`boost`, stored on each document, rewritten when its status
  changes): accepted answers and verified articles rise; articles waiting for review sink
  a little, archived ones more; events count as articles, cancelled ones sinking as
  archived articles do (still found, rarely what is looked for). Questions with an
  accepted answer are not boosted: a first version raised them ×1.2, and the
  duplicate-question evaluation showed it pushing open duplicates below solved
  look-alikes (its accepted answer already rises on its own).
- **Statistics per kind**: SQLite's BM25 weighs a word by how rare it is and a field by
  its length compared with the average. Replies have no title and long bodies; mixed
  with threads they make every thread title look three times too long. A search over
  threads only (the "questions" filter, "similar questions") therefore ranks against an
  FTS5 table of threads alone (``search_fts_thread``); mixed searches use the table of
  every document.
- **Recency**: ``1 + RECENCY_WEIGHT / (1 + age_in_days / RECENCY_DAYS)`` on the document's
  last activity — up to ×1.3 for today's, ×1.15 for three months old, fading towards ×1.

- **Rank window**: a query that matches more than :data:`RANK_WINDOW` documents ranks the
  :data:`RANK_WINDOW` most recently written of them (new and edited documents are written
  last). Neither FTS5 nor PostgreSQL stops early when ranking: a word in half of a million
  posts costs a second to rank in full. With the window, the broadest query costs about
  as much as one matching :data:`RANK_WINDOW` documents; queries that match fewer — nearly
  all precise ones — are ranked in full. Facet counts stop at 1,000 anyway.

- **Recent statistics** (SQLite): BM25 weighs a word by the share of documents holding
  it, and FTS5 counts them anew for every query by reading the word's whole list — for a
  word in half of a million documents, that count costs more than ranking the window. A
  search whose rank window lies entirely among the :data:`RECENT_DOCUMENTS` most recently
  written documents ranks against an FTS5 table of those only (``search_fts_recent``):
  the same documents, the same scores but for the words' weights, which come from a
  large recent sample of the collection instead of all of it (as a search engine
  spread over shards weighs words by each shard's statistics). Narrower searches, whose
  window reaches older documents, rank against the whole collection.

- **Hybrid** (keyword and meaning together): weighted reciprocal rank fusion — the
  keyword list gives a document ``1 / (RRF_K + rank)``, the meaning list
  ``MEANING_WEIGHT / (RRF_K + rank)``, the sums rank. The method's authors (Cormack,
  Clarke and Büttcher, SIGIR 2009) proposed k = 60 with equal weights; with those, hybrid
  ranked worse than meaning alone on the duplicate questions (MRR 0.504 against 0.604),
  the keyword list's many weak any-word matches outvoting the meaning list's close ones.
  :data:`RRF_K` and :data:`MEANING_WEIGHT` were then chosen on a *development* set that
  is not the evaluation's pairs: the beer dump's 117 "related" links (``guilde
  eval-search --links related``), over k ∈ {1, 5, 10, 20, 40, 60} × weight ∈ {1, 1.5, 2,
  3}, by mean reciprocal rank (k = 20, weight 2: MRR 0.390, recall@10 0.692, both the
  best of the grid); only then measured on the 24 duplicate pairs (docs/semantic.md).
  Each list gives its first :data:`FUSION_DEPTH` results; keyword results past those
  follow the fused ones in their own order. The meaning list holds only what is closer
  than the embedder's floor (``floor``, see ``guilde/semantic/embedders.py``): below it,
  texts are no closer than unrelated ones, and a query with no related content must find
  nothing rather than the least unrelated things.

The constants were set from these principles before any evaluation and are not tuned on
the duplicate-question evaluation (``guilde eval-search``); the hybrid's two, on the
related links only, as said above.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

TITLE_WEIGHT = 5.0
TAGS_WEIGHT = 2.5
BODY_WEIGHT = 1.0
# ts_rank_cd's weight array is {D, C, B, A}; body is C, tags B, title A.
PG_WEIGHTS = (0.0, BODY_WEIGHT / TITLE_WEIGHT, TAGS_WEIGHT / TITLE_WEIGHT, 1.0)
# ts_rank_cd normalisation: 1 divides by 1 + log(document length).
PG_NORMALISATION = 1

RANK_WINDOW = 2000
RECENT_DOCUMENTS = 100_000

RRF_K = 20
MEANING_WEIGHT = 2.0
# How many of each list's first results the fusion reads (the evaluation's depth too).
FUSION_DEPTH = 100

RECENCY_WEIGHT = 0.3
RECENCY_DAYS = 90.0

ACCEPTED_ANSWER = 1.6
REPLY = 0.9
VERIFIED_ARTICLE = 1.5
ARTICLE = 1.2
NEEDS_REVIEW_ARTICLE = 0.9
ARCHIVED_ARTICLE = 0.5
ATTACHMENT = 0.8


def boost(kind: str, status: str = "", *, accepted: bool = False) -> float:
    """The stored boost of a document of ``kind`` in ``status``."""
    if kind == "post":
        return ACCEPTED_ANSWER if accepted else REPLY
    if kind == "article":
        return {
            "verified": VERIFIED_ARTICLE,
            "needs_review": NEEDS_REVIEW_ARTICLE,
            "archived": ARCHIVED_ARTICLE,
        }.get(status, ARTICLE)
    if kind == "event":
        # Like an article; a cancelled event stays findable (its page says so) but sinks.
        return ARCHIVED_ARTICLE if status == "cancelled" else ARTICLE
    if kind == "attachment":
        return ATTACHMENT
    return 1.0


def fused[K: Hashable](
    *rankings: Sequence[K], weights: Sequence[float] = ()
) -> list[tuple[K, float]]:
    """Reciprocal rank fusion of ``rankings`` (keys, best first), each weighted by
    ``weights`` (1 when not given): (key, fused score), best first; equal scores in the
    order the keys were first seen."""
    scores: dict[K, float] = {}
    for i, ranked in enumerate(rankings):
        weight = weights[i] if i < len(weights) else 1.0
        for position, key in enumerate(ranked, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (RRF_K + position)
    return sorted(scores.items(), key=lambda item: -item[1])
