"""API of discussions: threads, posts, reactions, votes, accepted answers, uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.text import slugify
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from guilde.accounts.api import signed_in
from guilde.accounts.models import User
from guilde.api.auth import member_auth, public_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities.selectors import community_get
from guilde.core.permissions import can
from guilde.discussions import selectors, services
from guilde.discussions.models import Post, PostRevision, Thread
from guilde.uploads import services as upload_services
from guilde.uploads.models import Upload

router = Router(tags=["discussions"])

KindLiteral = Literal["discussion", "question", "idea", "announcement"]
FilterLiteral = Literal["latest", "unanswered", "unsolved", "solved", "top", "mine"]
IdeaStatusLiteral = Literal["", "considering", "planned", "done", "declined"]
ReactionLiteral = Literal["thumbs_up", "heart", "celebrate", "insightful", "thanks"]


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User) or not request.user.is_authenticated:
        raise HttpError(401, "Sign in first.")
    return request.user


def _invalid(error: DjangoValidationError) -> HttpError:
    return HttpError(422, "; ".join(error.messages))


class AttributionOut(Schema):
    author: str = Field(..., description="The author's name, as the licence asks.")
    source_url: str
    license: str


class CommentOut(Schema):
    author: str | None
    body_html: str
    score: int
    created_at: datetime


class ThreadOut(Schema):
    id: int
    community: str
    kind: KindLiteral
    title: str
    author: str | None = Field(None, description="Username; null for a deleted member.")
    tags: list[str]
    idea_status: IdeaStatusLiteral
    accepted_post: int | None
    closed: bool = Field(..., description="A closed question takes no more answers.")
    duplicate_of: int | None = Field(
        None, description="Closed as a duplicate of this question (read it there)."
    )
    pinned: bool
    locked: bool
    reply_count: int
    score: int
    created_at: datetime
    last_activity_at: datetime
    url: str
    attribution: AttributionOut | None = Field(
        None, description="For imported threads: the author, the original, its licence."
    )


class ThreadDetailOut(ThreadOut):
    body: str | None = Field(None, description="The opening post's Markdown, if readable.")
    body_html: str | None
    can_reply: bool
    can_edit: bool
    can_accept: bool


class ThreadIn(Schema):
    kind: KindLiteral = "discussion"
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=100_000)
    tags: list[str] = Field(
        default_factory=list, max_length=5, description="Tag short names of the community."
    )


class ThreadPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, min_length=1, max_length=100_000)
    tags: list[str] | None = Field(None, max_length=5)
    idea_status: IdeaStatusLiteral | None = None
    pinned: bool | None = None
    locked: bool | None = None


class ThreadFilters(Schema):
    filter: FilterLiteral = "latest"
    kind: KindLiteral | Literal[""] = ""
    tag: str = Field("", max_length=60)


class ReactionCount(Schema):
    kind: ReactionLiteral
    count: int
    mine: bool


class PostOut(Schema):
    id: int
    position: int
    author: str | None
    body: str | None = Field(
        None, description="Markdown, null when deleted or hidden from the caller."
    )
    body_html: str | None
    state: Literal["visible", "deleted", "hidden", "flags", "review"] = Field(
        ...,
        description="hidden: by a moderator; flags: by members' flags, until a moderator "
        "looks; review: waiting for a moderator's approval",
    )
    is_accepted: bool
    score: int
    my_vote: int
    reactions: list[ReactionCount]
    attribution: AttributionOut | None = None
    comments: list[CommentOut] = Field(default_factory=list)
    reply_to: int | None
    created_at: datetime
    edited_at: datetime | None


class PostIn(Schema):
    body: str = Field(..., min_length=1, max_length=100_000)
    reply_to: int | None = None


class PostPatch(Schema):
    body: str = Field(..., min_length=1, max_length=100_000)


class ReactionIn(Schema):
    kind: ReactionLiteral


class VoteIn(Schema):
    value: Literal[-1, 0, 1]


class AcceptIn(Schema):
    post: int | None = Field(None, description="The answer to accept; null to accept none.")


class UploadOut(Schema):
    id: UUID
    name: str
    kind: Literal["image", "document"]
    content_type: str
    size: int
    url: str
    markdown: str


def _thread_out(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "community": thread.community.slug,
        "kind": thread.kind,
        "title": thread.title,
        "author": thread.author.username if thread.author else None,
        "tags": [tag.slug for tag in thread.tags.all()],
        "idea_status": thread.idea_status,
        "accepted_post": thread.accepted_post_id,
        "closed": thread.closed_at is not None,
        "duplicate_of": thread.duplicate_of_id,
        "pinned": thread.pinned,
        "locked": thread.locked,
        "reply_count": thread.reply_count,
        "score": thread.score,
        "created_at": thread.created_at,
        "last_activity_at": thread.last_activity_at,
        "url": thread.get_absolute_url(),
        "attribution": _attribution(thread.author, thread.source_url, thread.source_license),
    }


def _attribution(author: Any, url: str, license_name: str) -> dict[str, str] | None:
    if not url:
        return None
    return {
        "author": author.name if author else "Deleted member",
        "source_url": url,
        "license": license_name or "CC BY-SA",
    }


def _thread_detail(request: HttpRequest, thread: Thread) -> dict[str, Any]:
    opening = Post.objects.filter(thread=thread, position=1).first()
    readable = opening is not None and can(request.user, "read", opening)
    return {
        **_thread_out(thread),
        "body": opening.body if opening and readable else None,
        "body_html": opening.body_html if opening and readable else None,
        "can_reply": can(request.user, "reply", thread),
        "can_edit": can(request.user, "edit", thread),
        "can_accept": can(request.user, "accept", thread),
    }


def _post_out(view: selectors.PostView) -> dict[str, Any]:
    post = view.post
    return {
        "id": post.pk,
        "position": post.position,
        "author": view.author.username if view.author else None,
        "body": post.body if view.html is not None else None,
        "body_html": view.html,
        "state": view.tombstone or "visible",
        "is_accepted": view.is_accepted,
        "score": post.score,
        "my_vote": view.my_vote,
        "reactions": [
            {"kind": kind, "count": count, "mine": mine} for kind, _e, count, mine in view.reactions
        ],
        "reply_to": post.reply_to_id,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "attribution": _attribution(view.author, post.source_url, post.source_license),
        "comments": [
            {
                "author": c.author.username if c.author else None,
                "body_html": c.body_html,
                "score": c.score,
                "created_at": c.created_at,
            }
            for c in view.comments
        ],
    }


@router.get("/communities/{slug}/threads", response=CursorPage[ThreadOut], auth=public_auth)
def thread_list(
    request: HttpRequest, slug: str, filters: Query[ThreadFilters], page: Query[PageParams]
) -> dict[str, Any]:
    community = community_get(viewer=request.user, slug=slug, action="view", details=False)
    threads = selectors.thread_queryset(
        viewer=request.user,
        community=community,
        filter_=filters.filter,
        kind=filters.kind,
        tag=slugify(filters.tag, allow_unicode=True),
    ).select_related("community")
    result = paginate_queryset(request, threads, page, ordering=("-id",))
    return {**result, "results": [_thread_out(t) for t in result["results"]]}


@router.post("/communities/{slug}/threads", response={201: ThreadDetailOut}, auth=member_auth)
def thread_create(request: HttpRequest, slug: str, data: ThreadIn) -> Status[dict[str, Any]]:
    community = community_get(viewer=request.user, slug=slug, action="post", details=False)
    try:
        thread = services.thread_create(
            actor=_member(request),
            community=community,
            kind=data.kind,
            title=data.title,
            body=data.body,
            tags=data.tags,
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return Status(
        201, _thread_detail(request, selectors.thread_by_id(viewer=request.user, pk=thread.pk))
    )


@router.get("/threads/{thread_id}", response=ThreadDetailOut, auth=public_auth)
def thread_detail(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    return _thread_detail(request, selectors.thread_by_id(viewer=request.user, pk=thread_id))


@router.patch("/threads/{thread_id}", response=ThreadDetailOut, auth=member_auth)
def thread_update(request: HttpRequest, thread_id: int, changes: ThreadPatch) -> dict[str, Any]:
    """Edit the title, text and tags (author, moderators), the idea status (coordinators),
    pin or lock (moderators)."""
    member = _member(request)
    thread = selectors.thread_by_id(viewer=request.user, pk=thread_id)
    given = changes.model_dump(exclude_unset=True)
    try:
        if {"title", "body", "tags"} & given.keys():
            opening = Post.objects.select_related("thread__community").get(
                thread=thread, position=1
            )
            opening.thread = thread
            services.post_edit(
                actor=member,
                post=opening,
                body=given.get("body") or opening.body,
                title=given.get("title") or thread.title,
                tags=given.get("tags"),
            )
        if "idea_status" in given:
            services.idea_status_set(actor=member, thread=thread, status=given["idea_status"] or "")
        if "pinned" in given or "locked" in given:
            services.thread_moderate(
                actor=member, thread=thread, pinned=given.get("pinned"), locked=given.get("locked")
            )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return _thread_detail(request, selectors.thread_by_id(viewer=request.user, pk=thread_id))


@router.delete("/threads/{thread_id}", response={204: None}, auth=member_auth)
def thread_delete(request: HttpRequest, thread_id: int) -> Status[None]:
    """The author deletes their thread (its opening post); replies stay."""
    thread = selectors.thread_by_id(viewer=request.user, pk=thread_id)
    opening = selectors.post_get(
        viewer=request.user, pk=Post.objects.get(thread=thread, position=1).pk, action="delete"
    )
    services.post_delete(actor=_member(request), post=opening)
    return Status(204, None)


@router.get("/threads/{thread_id}/posts", response=CursorPage[PostOut], auth=public_auth)
def post_list(request: HttpRequest, thread_id: int, page: Query[PageParams]) -> dict[str, Any]:
    """The thread's posts in order of position; deleted and hidden ones as tombstones."""
    thread = selectors.thread_by_id(viewer=request.user, pk=thread_id)
    posts = Post.objects.filter(thread=thread).select_related("author", "reply_to__author")
    result = paginate_queryset(request, posts, page, ordering=("position",))
    views = selectors.post_views(viewer=request.user, thread=thread, posts=result["results"])
    return {**result, "results": [_post_out(v) for v in views]}


@router.post("/threads/{thread_id}/posts", response={201: PostOut}, auth=member_auth)
def post_create(request: HttpRequest, thread_id: int, data: PostIn) -> Status[dict[str, Any]]:
    thread = selectors.thread_by_id(viewer=request.user, pk=thread_id, action="reply")
    reply_to = (
        Post.objects.filter(thread=thread, pk=data.reply_to).first() if data.reply_to else None
    )
    try:
        post = services.post_create(
            actor=_member(request), thread=thread, body=data.body, reply_to=reply_to
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return Status(
        201, _post_out(selectors.post_views(viewer=request.user, thread=thread, posts=[post])[0])
    )


def _post_view(request: HttpRequest, post: Post) -> dict[str, Any]:
    thread = selectors.thread_by_id(viewer=request.user, pk=post.thread_id)
    fresh = Post.objects.select_related("author", "reply_to__author").get(pk=post.pk)
    return _post_out(selectors.post_views(viewer=request.user, thread=thread, posts=[fresh])[0])


@router.get("/posts/{post_id}", response=PostOut, auth=public_auth)
def post_detail(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return _post_view(request, selectors.post_get(viewer=request.user, pk=post_id))


@router.patch("/posts/{post_id}", response=PostOut, auth=member_auth)
def post_edit(request: HttpRequest, post_id: int, data: PostPatch) -> dict[str, Any]:
    post = selectors.post_get(viewer=request.user, pk=post_id, action="edit")
    try:
        services.post_edit(actor=_member(request), post=post, body=data.body)
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return _post_view(request, post)


@router.delete("/posts/{post_id}", response={204: None}, auth=member_auth)
def post_delete(request: HttpRequest, post_id: int) -> Status[None]:
    """The author deletes their post; moderators hide (see the moderation API)."""
    post = selectors.post_get(viewer=request.user, pk=post_id, action="delete")
    services.post_delete(actor=_member(request), post=post)
    return Status(204, None)


@router.post("/posts/{post_id}/reactions", response=PostOut, auth=member_auth)
def post_react(request: HttpRequest, post_id: int, data: ReactionIn) -> dict[str, Any]:
    """Add a reaction, or take it back if it was there."""
    post = selectors.post_get(viewer=request.user, pk=post_id, action="react")
    services.reaction_toggle(actor=_member(request), post=post, kind=data.kind)
    return _post_view(request, post)


@router.put("/posts/{post_id}/vote", response=PostOut, auth=member_auth)
def post_vote(request: HttpRequest, post_id: int, data: VoteIn) -> dict[str, Any]:
    post = selectors.post_get(viewer=request.user, pk=post_id, action="vote")
    try:
        services.vote_set(actor=_member(request), post=post, value=data.value)
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return _post_view(request, post)


@router.post("/threads/{thread_id}/accept", response=ThreadDetailOut, auth=member_auth)
def answer_accept(request: HttpRequest, thread_id: int, data: AcceptIn) -> dict[str, Any]:
    thread = selectors.thread_by_id(viewer=request.user, pk=thread_id, action="accept")
    post = Post.objects.filter(thread=thread, pk=data.post).first() if data.post else None
    if data.post and post is None:
        raise Http404
    try:
        services.answer_accept(actor=_member(request), thread=thread, post=post)
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return _thread_detail(request, selectors.thread_by_id(viewer=request.user, pk=thread_id))


@router.post(
    "/communities/{slug}/uploads", response={201: UploadOut}, auth=member_auth, tags=["uploads"]
)
def upload_create(
    request: HttpRequest, slug: str, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Upload a picture or a document for use in the community's posts."""
    community = community_get(viewer=request.user, slug=slug, action="post", details=False)
    try:
        upload = upload_services.upload_create(
            actor=_member(request), community=community, file=file, name=file.name or "file"
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return Status(201, _upload_out(upload))


def _upload_out(upload: Upload) -> dict[str, Any]:
    markdown = (
        f"![{upload.name}]({upload.url})" if upload.is_image else f"[{upload.name}]({upload.url})"
    )
    return {
        "id": upload.id,
        "name": upload.name,
        "kind": upload.kind,
        "content_type": upload.content_type,
        "size": upload.size,
        "url": upload.url,
        "markdown": markdown,
    }


@router.get("/uploads/{upload_id}", response=UploadOut, auth=public_auth, tags=["uploads"])
def upload_detail(request: HttpRequest, upload_id: UUID) -> dict[str, Any]:
    upload = Upload.objects.select_related("community").filter(pk=upload_id).first()
    if upload is None or not can(request.user, "view", upload.community):
        raise Http404
    return _upload_out(upload)


# A post's edit history, the composer's preview (API completeness, issue 17) ----------------


class DiscussionPostRevisionOut(Schema):
    id: int
    title: str = Field(..., description="The thread's title then (opening posts); else empty.")
    body: str = Field(..., description="The Markdown as it was before the edit.")
    edited_by: str | None = Field(
        ..., description="Username of who replaced this version; null for a deleted member."
    )
    created_at: datetime = Field(..., description="When this version was written.")
    replaced_at: datetime


class DiscussionPreviewIn(Schema):
    body: str = Field(..., max_length=100_000)


class DiscussionPreviewOut(Schema):
    html: str = Field(..., description="The sanitised HTML the post would show.")


@router.get(
    "/posts/{post_id}/history",
    response=CursorPage[DiscussionPostRevisionOut],
    auth=member_auth,
)
def post_history(request: HttpRequest, post_id: int, page: Query[PageParams]) -> dict[str, Any]:
    """A post's earlier versions, latest replaced first, for those who may edit it: its
    author and the community's moderators, as on the post's history page."""
    post = selectors.post_get(viewer=signed_in(request), pk=post_id, action="edit")
    revisions = PostRevision.objects.filter(post=post).select_related("edited_by")
    result = paginate_queryset(request, revisions, page, ordering=("-id",))
    return {
        **result,
        "results": [
            {
                "id": revision.pk,
                "title": revision.title,
                "body": revision.body,
                "edited_by": revision.edited_by.username if revision.edited_by else None,
                "created_at": revision.created_at,
                "replaced_at": revision.replaced_at,
            }
            for revision in result["results"]
        ],
    }


@router.post("/communities/{slug}/preview", response=DiscussionPreviewOut, auth=member_auth)
def preview(request: HttpRequest, slug: str, data: DiscussionPreviewIn) -> dict[str, str]:
    """The composer's preview: Markdown rendered and sanitised exactly as a post would be
    (mentions and ``#123`` thread links included), for members who may post in the
    community. Nothing is saved."""
    community_get(viewer=signed_in(request), slug=slug, action="post", details=False)
    return {"html": services.render_body(data.body).html}
