"""What semantic search holds about members (see guilde.accounts.rights): nothing of its
own. Vectors are computed from the search index's documents of threads and articles and
follow them (a deleted member's contributions are re-indexed, then re-embedded)."""

from guilde.accounts.rights import Handling, classify

classify(
    "semantic.Embedding",
    Handling.NONE,
    "vectors computed from threads' and articles' search documents; they follow them",
)
classify("semantic.VectorIndexVersion", Handling.NONE, "the vector index's own bookkeeping")
