"""Writes to the search index: what each kind of object contributes, and when.

Services never call this module: they call :func:`guilde.core.indexing.changed`, which
lands in :func:`handle` inside their transaction. Each kind has one function that re-reads
the objects and writes (or removes) their documents, so "what is searchable" is decided in
one place:

- a thread in its list (not deleted, hidden or merged away): its title, tags and opening
  post; each visible reply is a document of its own;
- an article in any state (drafts only for their author and the community's stewards);
- an attachment's extracted text, while a visible post or a published article uses it;
- a community that is not deleted (for whoever may discover it);
- a member who can sign in: their name and the profile fields each audience may see
  (skills, interests, about me);
- an event, cancelled or not (for readers of its community): its title, tags,
  description, place, notes and outcomes — never its join link.

Direct messages are never indexed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from guilde.accounts.models import VISIBLE_FIELDS, MemberSkill, User, Visibility
from guilde.communities.models import Community, Tag
from guilde.core import indexing
from guilde.core.batches import make_room
from guilde.discussions.models import Post, Thread
from guilde.events.models import Event
from guilde.knowledge.models import Article
from guilde.search import analysis, ranking
from guilde.search.backends import backend
from guilde.search.models import AttachmentText, Audience, IndexState, Kind, SearchDocument
from guilde.uploads.models import Upload

MAX_BODY = 100_000
BATCH = 500


def html_text(markup: str) -> str:
    """The text of sanitised HTML, whitespace collapsed."""
    if not markup:
        return ""
    text = html.unescape(nh3.clean(markup, tags=set()))
    return re.sub(r"\s+", " ", text).strip()[:MAX_BODY]


@dataclass
class Doc:
    kind: str
    key: str
    audience: str
    community_id: int | None
    language: str
    title: str
    body: str
    url: str
    created_at: datetime
    activity_at: datetime
    tags: str = ""
    context: str = ""
    thread_id: int | None = None
    author_id: int | None = None
    subtype: str = ""
    status: str = ""
    boost: float = 1.0

    def values(self, now: datetime) -> tuple[Any, ...]:
        """The row's values, in the order of :data:`_COLUMNS`."""
        title_terms, tags_terms, body_terms = backend().analyse(self)
        at = connection.ops.adapt_datetimefield_value
        return (
            self.kind,
            self.key,
            self.audience,
            self.community_id,
            self.thread_id,
            self.author_id,
            self.language,
            self.subtype,
            self.status,
            self.title[:300],
            self.context[:300],
            self.tags[:1000],
            self.body,
            title_terms,
            tags_terms,
            body_terms,
            self.url,
            self.boost,
            at(self.created_at),
            at(self.activity_at),
            at(now),
        )


# The columns :meth:`Doc.values` fills. Documents are written with one multi-row INSERT per
# batch rather than through ``bulk_create``: a rebuild writes a million of them, and the
# ORM's per-value preparation cost more than the analysis itself.
_COLUMNS = (
    "kind", "object_key", "audience", "community_id", "thread_id", "author_id", "language",
    "subtype", "status", "title", "context", "tags", "body", "title_terms", "tags_terms",
    "body_terms", "url", "boost", "created_at", "activity_at", "indexed_at",
)  # fmt: skip


def _insert(docs: list[Doc]) -> None:
    if not docs:
        return
    now = timezone.now()
    table = SearchDocument._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    size = max(1, min(BATCH, connection.ops.bulk_batch_size(list(_COLUMNS), docs)))
    # On PostgreSQL two writers may replace one document at once (a request and the worker,
    # under READ COMMITTED: each deleted the old row, one inserted first): the second
    # insert updates the row the first made instead of failing on search_document_once.
    # SQLite writes one transaction at a time: a plain insert.
    conflict = ""
    if connection.vendor == "postgresql":
        updated = ", ".join(
            f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}"
            for c in _COLUMNS[3:]
        )
        conflict = f" ON CONFLICT (kind, object_key, audience) DO UPDATE SET {updated}"
    with connection.cursor() as cursor:
        for start in range(0, len(docs), size):
            batch = docs[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - constant names
                + ", ".join([row] * len(batch))
                + conflict,
                [value for doc in batch for value in doc.values(now)],
            )


def _save(kind: str, keys: Iterable[str], docs: list[Doc]) -> None:
    """Replace the documents of ``kind`` for ``keys`` by ``docs``."""
    keys = list(keys)
    for start in range(0, len(keys), BATCH):
        SearchDocument.objects.filter(
            kind=kind, object_key__in=keys[start : start + BATCH]
        ).delete()
    _insert(docs)


# Threads and posts ---------------------------------------------------------------------------


def thread_status(thread: Thread) -> str:
    if thread.kind != Thread.Kind.QUESTION:
        return ""
    if thread.accepted_post_id is not None:
        return "solved"
    return "unanswered" if thread.reply_count == 0 else "answered"


def _thread_url(thread: Thread, community: Community, position: int | None = None) -> str:
    url = reverse("discussions:thread", args=[community.slug, thread.pk])
    return f"{url}#post-{position}" if position else url


def _threads(ids: Iterable[int]) -> list[Thread]:
    return list(
        Thread.objects.filter(pk__in=list(ids))
        .select_related("community")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


def _indexable_thread(thread: Thread) -> bool:
    return thread.deleted_at is None and thread.hidden_at is None and thread.merged_into_id is None


def _thread_doc(thread: Thread, opening: Post | None) -> Doc:
    status = thread_status(thread)
    visible_opening = opening is not None and opening.is_visible
    return Doc(
        kind=Kind.THREAD,
        key=str(thread.pk),
        audience=Audience.COMMUNITY,
        community_id=thread.community_id,
        language=analysis.language_of(thread.community.language),
        title=thread.title,
        tags=" ".join(t.name for t in thread.tags.all()),
        body=html_text(opening.body_html) if visible_opening and opening else "",
        url=_thread_url(thread, thread.community),
        created_at=thread.created_at,
        activity_at=thread.last_activity_at,
        thread_id=thread.pk,
        author_id=thread.author_id,
        subtype=thread.kind,
        status=status,
        boost=ranking.boost(Kind.THREAD, status),
    )


def _post_doc(post: Post, thread: Thread, thread_url: str = "") -> Doc:
    status = thread_status(thread)
    thread_url = thread_url or _thread_url(thread, thread.community)
    accepted = thread.accepted_post_id == post.pk
    return Doc(
        kind=Kind.POST,
        key=str(post.pk),
        audience=Audience.COMMUNITY,
        community_id=thread.community_id,
        language=analysis.language_of(thread.community.language),
        title="",
        context=thread.title,
        body=html_text(post.body_html),
        url=f"{thread_url}#post-{post.position}",
        created_at=post.created_at,
        activity_at=post.edited_at or post.created_at,
        thread_id=thread.pk,
        author_id=post.author_id,
        subtype=thread.kind,
        status=status,
        boost=ranking.boost(Kind.POST, status, accepted=accepted),
    )


def index_threads(ids: Iterable[int], *, with_posts: bool = False) -> None:
    """Each thread's document; its replies' status and boost (all their text too when
    ``with_posts``); everything of a thread that left the lists is removed."""
    ids = list(ids)
    threads = _threads(ids)
    listed = [t for t in threads if _indexable_thread(t)]
    gone = set(ids) - {t.pk for t in listed}
    if gone:
        SearchDocument.objects.filter(thread_id__in=gone).delete()
    openings = {
        p.thread_id: p
        for p in Post.objects.filter(thread__in=listed, position=1).only(
            "thread_id", "body_html", "deleted_at", "hidden_at", "position"
        )
    }
    _save(
        Kind.THREAD,
        [str(t.pk) for t in listed],
        [_thread_doc(t, openings.get(t.pk)) for t in listed],
    )
    if with_posts:
        _index_replies(listed)
    else:
        for thread in listed:
            _restate_posts(thread)
    attachments_of(threads=[t.pk for t in threads])


def _index_replies(threads: list[Thread]) -> None:
    """Every visible reply of ``threads``, analysed again (in batches, across threads)."""
    by_id = {t.pk: t for t in threads}
    urls = {t.pk: _thread_url(t, t.community) for t in threads}
    SearchDocument.objects.filter(kind=Kind.POST, thread_id__in=list(by_id)).delete()
    replies = (
        Post.objects.filter(thread__in=threads, position__gt=1)
        .visible()
        .only("thread_id", "position", "body_html", "author_id", "created_at", "edited_at")
        .order_by("thread_id", "position")
    )
    for chunk in _chunks(replies.iterator(chunk_size=BATCH)):
        docs = [_post_doc(p, by_id[p.thread_id], urls[p.thread_id]) for p in chunk]
        # By key too: a reply moved from a thread outside this batch still has a document.
        _save(Kind.POST, [str(p.pk) for p in chunk], docs)


def _restate_posts(thread: Thread) -> None:
    """Status and boosts of a thread's reply documents follow the thread (no re-analysis)."""
    status = thread_status(thread)
    docs = SearchDocument.objects.filter(kind=Kind.POST, thread_id=thread.pk)
    docs.exclude(community_id=thread.community_id).update(community_id=thread.community_id)
    docs.exclude(status=status).update(status=status)
    accepted = str(thread.accepted_post_id) if thread.accepted_post_id else ""
    docs.filter(object_key=accepted).exclude(boost=ranking.ACCEPTED_ANSWER).update(
        boost=ranking.ACCEPTED_ANSWER
    )
    docs.exclude(object_key=accepted).exclude(boost=ranking.REPLY).update(boost=ranking.REPLY)


def index_posts(ids: Iterable[int]) -> None:
    posts = list(Post.objects.filter(pk__in=list(ids)).select_related("thread__community"))
    keys = [str(pk) for pk in ids]
    openings = {p.thread_id for p in posts if p.is_opening}
    docs = [
        _post_doc(p, p.thread)
        for p in posts
        if not p.is_opening and p.is_visible and _indexable_thread(p.thread)
    ]
    _save(Kind.POST, keys, docs)
    if openings:
        index_threads(openings)
    attachments_of(posts=[p.pk for p in posts])


# Articles ------------------------------------------------------------------------------------


def _article_doc(article: Article) -> Doc:
    draft = article.status == Article.Status.DRAFT
    body = " ".join(filter(None, [article.summary, html_text(article.body_html)]))
    return Doc(
        kind=Kind.ARTICLE,
        key=str(article.pk),
        audience=Audience.DRAFT if draft else Audience.COMMUNITY,
        community_id=article.community_id,
        language=analysis.language_of(article.community.language),
        title=article.title,
        tags=" ".join(t.name for t in article.tags.all()),
        body=body[:MAX_BODY],
        url=reverse("knowledge:article", args=[article.community.slug, article.pk]),
        created_at=article.created_at,
        activity_at=article.updated_at,
        author_id=article.created_by_id,
        subtype=article.kind,
        status=article.status,
        boost=ranking.boost(Kind.ARTICLE, article.status),
    )


def index_articles(ids: Iterable[int]) -> None:
    articles = list(
        Article.objects.filter(pk__in=list(ids))
        .select_related("community")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )
    _save(Kind.ARTICLE, [str(pk) for pk in ids], [_article_doc(a) for a in articles])
    attachments_of(articles=[a.pk for a in articles])


# Events --------------------------------------------------------------------------------------


def _event_doc(event: Event) -> Doc:
    """An event's document. Its date (``created_at``: what the date filters and the sort by
    date read, and what results show) is when it starts — for a series, its first
    occurrence; recency follows its last change. The join link is left out: only those
    with a seat may see it, and readers of the community would find it here."""
    status = Event.Status.CANCELLED.value if event.is_cancelled else ""
    body = " ".join(
        filter(
            None,
            [
                html_text(event.description_html),
                event.venue,
                event.address,
                html_text(event.notes_html),
                event.outcomes,
            ],
        )
    )
    return Doc(
        kind=Kind.EVENT,
        key=str(event.pk),
        audience=Audience.COMMUNITY,
        community_id=event.community_id,
        language=analysis.language_of(event.community.language),
        title=event.title,
        tags=" ".join(t.name for t in event.tags.all()),
        body=body[:MAX_BODY],
        url=event.get_absolute_url(),
        created_at=event.start,
        activity_at=event.updated_at,
        author_id=event.created_by_id,
        subtype=event.kind,
        status=status,
        boost=ranking.boost(Kind.EVENT, status),
    )


def index_events(ids: Iterable[int]) -> None:
    events = list(
        Event.objects.filter(pk__in=list(ids))
        .select_related("community")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )
    _save(Kind.EVENT, [str(pk) for pk in ids], [_event_doc(e) for e in events])


# Attachments ---------------------------------------------------------------------------------


def attachments_of(
    *, threads: Iterable[int] = (), posts: Iterable[int] = (), articles: Iterable[int] = ()
) -> None:
    """Re-decide the attachment documents of the uploads these objects use."""
    condition = Q(pk__in=[])
    if threads := list(threads):
        condition |= Q(posts__thread_id__in=threads)
    if posts := list(posts):
        condition |= Q(posts__pk__in=posts)
    if articles := list(articles):
        condition |= Q(articles__pk__in=articles)
    if not (threads or posts or articles):
        return
    ids = set(Upload.objects.filter(condition).values_list("pk", flat=True))
    if ids:
        index_uploads(ids)


def index_uploads(ids: Iterable[Any]) -> None:
    """An upload with extracted text is found while a visible post of a listed thread or a
    non-draft article uses it; the result names where it is used."""
    ids = list(ids)
    texts = {t.upload_id: t.text for t in AttachmentText.objects.filter(upload_id__in=ids)}
    uploads = Upload.objects.filter(pk__in=list(texts)).select_related("community")
    used_in_posts = (
        Post.objects.filter(attachments__in=list(texts))
        .visible()
        .filter(thread__deleted_at__isnull=True, thread__hidden_at__isnull=True)
        .filter(thread__merged_into__isnull=True)
        .values_list("attachments", "thread__title")
    )
    used_in_articles = (
        Article.objects.filter(attachments__in=list(texts))
        .exclude(status=Article.Status.DRAFT)
        .values_list("attachments", "title")
    )
    where: dict[Any, str] = {}
    for upload_id, title in [*used_in_posts, *used_in_articles]:
        where.setdefault(upload_id, title)
    docs = [
        Doc(
            kind=Kind.ATTACHMENT,
            key=str(u.pk),
            audience=Audience.COMMUNITY,
            community_id=u.community_id,
            language=analysis.language_of(u.community.language),
            title=u.name,
            context=where[u.pk],
            body=texts[u.pk][:MAX_BODY],
            url=u.url,
            created_at=u.created_at,
            activity_at=u.created_at,
            author_id=u.uploader_id,
            subtype=u.content_type[:20],
            boost=ranking.ATTACHMENT,
        )
        for u in uploads
        if texts[u.pk].strip() and u.pk in where
    ]
    _save(Kind.ATTACHMENT, [str(pk) for pk in ids], docs)


# Communities and members ---------------------------------------------------------------------


def index_communities(ids: Iterable[int]) -> None:
    communities = Community.objects.filter(pk__in=list(ids)).exclude(
        status=Community.Status.DELETED
    )
    docs = [
        Doc(
            kind=Kind.COMMUNITY,
            key=str(c.pk),
            audience=Audience.DISCOVER,
            community_id=c.pk,
            language=analysis.language_of(c.language),
            title=c.name,
            body=" ".join(filter(None, [c.domain, c.description])),
            url=reverse("communities:detail", args=[c.slug]),
            created_at=c.created_at,
            activity_at=c.created_at,
            status="archived" if c.status == Community.Status.ARCHIVED else "",
        )
        for c in communities
    ]
    _save(Kind.COMMUNITY, [str(pk) for pk in ids], docs)
    _relanguage(list(communities))


def _relanguage(communities: Iterable[Community]) -> None:
    """A community whose language changed has its content analysed again, by the worker
    (a large community takes minutes; until then its documents keep the old analysis)."""
    from guilde.search.tasks import reindex_community

    for community in communities:
        language = analysis.language_of(community.language)
        stale = (
            SearchDocument.objects.filter(community_id=community.pk)
            .exclude(kind=Kind.COMMUNITY)
            .exclude(language=language)
        )
        if stale.exists():
            reindex_community.enqueue(community.pk)


def _visible_to(member: User, field: str, audience: str) -> bool:
    level = str(member.field_visibility.get(field, VISIBLE_FIELDS[field].value))
    if audience == Audience.EVERYONE:
        return level == Visibility.EVERYONE
    return level in (Visibility.EVERYONE, Visibility.COMMUNITIES)


_SKILL_FIELDS: dict[str, str] = {
    MemberSkill.Kind.SKILL: "skills",
    MemberSkill.Kind.INTEREST: "interests",
    MemberSkill.Kind.LEARNING: "learning_goals",
}


def index_members(ids: Iterable[int]) -> None:
    """Two documents per member: what everyone sees, and what members who share a
    community with them see (the search picks one per viewer)."""
    members = list(
        User.objects.real()
        .filter(pk__in=list(ids))
        .prefetch_related(
            Prefetch("member_skills", queryset=MemberSkill.objects.select_related("skill"))
        )
    )
    docs = []
    for member in members:
        for audience in (Audience.EVERYONE, Audience.SHARED):
            skills = [
                s.skill.name
                for s in member.member_skills.all()
                if _visible_to(member, _SKILL_FIELDS[s.kind], audience)
            ]
            bio = member.bio if _visible_to(member, "bio", audience) else ""
            docs.append(
                Doc(
                    kind=Kind.MEMBER,
                    key=str(member.pk),
                    audience=audience,
                    community_id=None,
                    language=analysis.language_of(member.language or settings.LANGUAGE_CODE),
                    title=" ".join(filter(None, [member.display_name, member.username])),
                    context=member.name,
                    tags=" ".join(sorted(set(skills))),
                    body=bio,
                    url=reverse("accounts:member", args=[member.username]),
                    created_at=member.date_joined,
                    activity_at=member.date_joined,
                    author_id=member.pk,
                )
            )
    _save(Kind.MEMBER, [str(pk) for pk in ids], docs)


# Dispatch and rebuild ------------------------------------------------------------------------


def index_community_content(
    ids: Iterable[int], progress: Callable[[int], None] | None = None
) -> None:
    """Everything in these communities (imports and generated data), each batch in a
    transaction of its own."""
    for community_id in ids:
        index_communities([community_id])
        for model, indexer in (
            (Thread, lambda chunk: index_threads(chunk, with_posts=True)),
            (Article, index_articles),
            (Event, index_events),
        ):
            pks = model.objects.filter(community_id=community_id).values_list("pk", flat=True)
            for chunk in _chunks(list(pks.order_by("pk")), size=50):
                make_room()  # between two transactions: the site's writes get their turn
                with transaction.atomic():
                    indexer(chunk)
                if progress:
                    progress(len(chunk))
    backend().after_bulk_load()


def uploads_changed(ids: Iterable[Any]) -> None:
    """New or removed uploads: their documents follow; a new document's text is extracted
    by the worker (enqueued in this transaction), then indexed."""
    from guilde.search.tasks import extract_attachment_text

    ids = list(ids)
    index_uploads(ids)
    waiting = Upload.objects.filter(pk__in=ids, kind=Upload.Kind.DOCUMENT).exclude(
        pk__in=AttachmentText.objects.filter(upload_id__in=ids).values("upload_id")
    )
    for upload_id in waiting.values_list("pk", flat=True):
        extract_attachment_text.enqueue(str(upload_id))


_INDEXERS: dict[str, Callable[..., None]] = {
    "thread": index_threads,
    "post": index_posts,
    "article": index_articles,
    "upload": uploads_changed,
    "community": index_communities,
    "member": index_members,
    "event": index_events,
    "community_content": index_community_content,
}


def handle(kind: str, ids: tuple[Any, ...], **options: Any) -> None:
    """The handler :mod:`guilde.core.indexing` calls, inside the writer's transaction."""
    indexer = _INDEXERS[kind]
    if kind == "community_content":  # whole communities: batches of their own
        indexer(ids, **options)
        return
    with transaction.atomic():
        indexer(ids, **options)


def _chunks(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


ANALYSER_KEY = "analyser_version"


def stored_analyser_version() -> int | None:
    state = IndexState.objects.filter(key=ANALYSER_KEY).values_list("value", flat=True)[:1]
    return int(state[0]) if state else None


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Re-analyse everything, batch by batch (each its own transaction), while the site
    keeps serving and writing: documents are replaced one batch at a time, and at the end
    those of objects that are no longer searchable are dropped. Returns the documents."""
    started = timezone.now()

    def run(model: Any, indexer: Callable[[list[Any]], None], queryset: Any = None) -> None:
        pks = (queryset if queryset is not None else model.objects).values_list("pk", flat=True)
        for chunk in _chunks(list(pks.order_by("pk")), size=100):
            with transaction.atomic():
                indexer(chunk)
            if progress:
                progress(len(chunk))

    run(Community, index_communities)
    run(User, index_members, User.objects.real())
    run(Thread, lambda chunk: index_threads(chunk, with_posts=True), Thread.objects.listed())
    run(Article, index_articles)
    run(Event, index_events)
    run(Upload, index_uploads, Upload.objects.filter(pk__in=AttachmentText.objects.values("pk")))
    with transaction.atomic():
        SearchDocument.objects.filter(indexed_at__lt=started).delete()
        IndexState.objects.update_or_create(
            key=ANALYSER_KEY, defaults={"value": str(analysis.ANALYSER_VERSION)}
        )
    backend().after_bulk_load()
    with transaction.atomic():
        backend().optimise()
    return SearchDocument.objects.count()


def objects_to_index() -> int:
    """How many objects :func:`rebuild` walks (for its progress bar)."""
    return (
        Community.objects.count()
        + User.objects.real().count()
        + Thread.objects.listed().count()
        + Article.objects.count()
        + Event.objects.count()
        + AttachmentText.objects.count()
    )


indexing.register(handle)
