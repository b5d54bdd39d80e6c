"""What the search holds about members (see guilde.accounts.rights)."""

from __future__ import annotations

from typing import Any

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.search import index
from guilde.search.models import Kind, SearchDocument, SearchQuery

classify(
    "search.SearchDocument",
    Handling.CUSTOM,
    "copies of searchable content and profiles: re-derived from what deletion left,"
    " without the member's name",
)
classify("search.IndexState", Handling.NONE, "the index's own bookkeeping")
classify("search.AttachmentText", Handling.NONE, "text read from uploaded documents")
classify(
    "search.SearchQuery",
    Handling.OWNED,
    "what the member searched for (their name is dropped after 30 days): deleted",
    export_part="searches",
    owner_field="member",
)
classify("search.SearchClick", Handling.NONE, "which result of a search was opened")


@on_account_deletion(order=90)
def forget_in_search(context: DeletionContext) -> None:
    """After every other app's step: the member's documents follow what is left of their
    contributions, their profile leaves the index, their searches are deleted."""
    member = context.member
    documents = SearchDocument.objects.filter(author_id=member.pk)
    threads = {t for t in documents.values_list("thread_id", flat=True) if t is not None}
    articles = set(documents.filter(kind=Kind.ARTICLE).values_list("object_key", flat=True))
    uploads = set(documents.filter(kind=Kind.ATTACHMENT).values_list("object_key", flat=True))
    index.index_threads(threads, with_posts=True)
    index.index_articles([int(key) for key in articles])
    index.index_uploads(uploads)
    SearchDocument.objects.filter(kind=Kind.MEMBER, object_key=str(member.pk)).delete()
    SearchDocument.objects.filter(author_id=member.pk).update(author=None)
    SearchQuery.objects.filter(member_id=member.pk).delete()


@exporter("searches")
def export_searches(member: User) -> list[dict[str, Any]]:
    return [
        {"id": q.pk, "text": q.text, "filters": q.filters, "created_at": q.created_at}
        for q in SearchQuery.objects.filter(member=member).order_by("created_at")
    ]
