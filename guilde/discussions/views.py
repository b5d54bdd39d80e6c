"""Pages of discussions: thread lists, composer, threads, and the actions on posts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from guilde.accounts.models import User
from guilde.communities import selectors as community_selectors
from guilde.communities.models import Community
from guilde.core.decorators import rate_limited
from guilde.core.http import HtmxHttpRequest
from guilde.core.permissions import can
from guilde.discussions import fragments, page_cache, selectors, services
from guilde.discussions.forms import (
    PostEditForm,
    ReplyForm,
    ThreadEditForm,
    ThreadFilterForm,
    ThreadForm,
)
from guilde.discussions.models import Post, PostRevision, Thread


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _community(
    request: HttpRequest, slug: str, action: str = "view", *, details: bool = True
) -> Community:
    return community_selectors.community_get(
        viewer=request.user, slug=slug, action=action, details=details
    )


def _thread_url(thread: Thread, *, position: int | None = None) -> str:
    url = reverse("discussions:thread", args=[thread.community.slug, thread.pk])
    if position is not None:
        page = selectors.page_of_position(thread, position)
        url += f"?page={page}#post-{position}" if page > 1 else f"#post-{position}"
    return url


@require_GET
def thread_list(request: HtmxHttpRequest, slug: str, filter_: str = "latest") -> HttpResponse:
    community = _community(request, slug, details=False)
    if filter_ not in selectors.FILTERS:
        filter_ = "latest"
    form = ThreadFilterForm(request.GET or None, community=community)
    kind = tag = ""
    if form.is_valid():
        kind, tag = form.cleaned_data["kind"], form.cleaned_data["tag"]
    threads = selectors.thread_queryset(
        viewer=request.user, community=community, filter_=filter_, tag=tag, kind=kind
    )
    # Only what a row shows (thread rows and their authors are wide).
    threads = (
        threads.select_related(None)
        .select_related("author")
        .prefetch_related(None)
        .only(*selectors.ROW_FIELDS)
    )
    page = Paginator(threads, selectors.THREADS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.thread_rows(
        viewer=request.user, threads=list(page.object_list), community=community
    )
    fragments.attach_rows(rows, community=community)
    context = {
        "community": community,
        "permissions": community_selectors.viewer_permissions(request.user, community),
        "filter": filter_,
        "filters": [(name, FILTER_LABELS[name]) for name in selectors.FILTERS],
        "form": form,
        "page": page,
        "rows": rows,
        # Filtering by a tag offers to follow it.
        "tag_followed": community.tags.filter(slug=tag).first() if tag else None,
    }
    template = "discussions/_thread_rows.html" if request.htmx else "discussions/thread_list.html"
    return render(request, template, context)


FILTER_LABELS = {
    "latest": gettext_lazy("Latest"),
    "unanswered": gettext_lazy("Unanswered"),
    "unsolved": gettext_lazy("Unsolved"),
    "solved": gettext_lazy("Solved"),
    "top": gettext_lazy("Top"),
    "mine": gettext_lazy("My threads"),
}


@login_required
@rate_limited("page_write", methods=("POST",))
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug, action="post")
    member = _member(request)
    draft = services.draft_for(member=member, community=community, thread=None)
    initial: dict[str, Any] = {"kind": request.GET.get("kind") or "discussion"}
    if draft is not None:
        initial.update(title=draft.title, body=draft.body, kind=draft.kind or initial["kind"])
    form = ThreadForm(
        request.POST or None,
        initial=initial,
        community=community,
        may_announce=can(member, "announce", community),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = services.thread_create(
                actor=member,
                community=community,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                category=data.get("category"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(_thread_url(thread))
    return render(
        request,
        "discussions/thread_form.html",
        {
            "community": community,
            "permissions": community_selectors.viewer_permissions(request.user, community),
            "form": form,
            "draft": draft,
        },
    )


@require_GET
def thread_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug, details=False)
    cache_key = None
    if not request.user.is_authenticated:
        # Visitors: the whole page from the cache while nothing it shows changed.
        light = Thread.objects.filter(community=community, pk=pk).first()
        if light is not None:
            light.community = community
            if can(request.user, "view", light):
                cache_key = page_cache.key_for(request, community=community, thread=light)
        if cache_key and (response := page_cache.cached(request, cache_key)):
            return response
    try:
        thread = selectors.thread_get(viewer=request.user, community=community, pk=pk)
    except Http404:
        # A thread merged into another leads there (if the viewer may read it).
        merged = (
            Thread.objects.filter(pk=pk, merged_into__isnull=False)
            .values_list("merged_into", flat=True)
            .first()
        )
        if merged is None:
            raise
        target = selectors.thread_by_id(viewer=request.user, pk=merged)
        return redirect(target.get_absolute_url(), permanent=False)
    if request.GET.get("unread") == "1":
        position = selectors.first_unread_position(viewer=request.user, thread=thread)
        return redirect(_thread_url(thread, position=position))
    if (position_text := request.GET.get("post", "")).isdigit():
        return redirect(_thread_url(thread, position=int(position_text)))
    page, posts = selectors.posts_page(
        viewer=request.user,
        thread=thread,
        page_number=request.GET.get("page"),
        show_blocked=request.GET.get("show_blocked") == "1",
    )
    if isinstance(request.user, User) and any(view.is_unread for view in posts):
        services.thread_mark_read(
            member=request.user, thread=thread, position=max(v.post.position for v in posts)
        )
    reply_form = None
    if can(request.user, "reply", thread):
        draft = services.draft_for(member=request.user, community=community, thread=thread)
        initial: dict[str, Any] = {"body": draft.body if draft else ""}
        quoted = request.GET.get("quote")
        if quoted and quoted.isdigit():
            source = Post.objects.filter(thread=thread, pk=int(quoted)).first()
            if source is not None and can(request.user, "read", source):
                author = source.author.username if source.author else ""
                quote = "\n".join(f"> {line}" for line in source.body.splitlines())
                initial = {"body": f"@{author}:\n{quote}\n\n", "reply_to": source.pk}
        reply_form = ReplyForm(initial=initial)
        if thread.is_question:
            reply_form.fields["body"].label = _("Your answer")
    can_accept = can(request.user, "accept", thread)
    fragments.attach(
        posts,
        thread=thread,
        community=community,
        request=request if request.user.is_authenticated else None,
        reply_form=reply_form,
        can_accept=can_accept,
    )
    response = render(
        request,
        "discussions/thread_detail.html",
        {
            "community": community,
            "permissions": community_selectors.viewer_permissions(request.user, community),
            "thread": thread,
            "page": page,
            "posts": posts,
            "reply_form": reply_form,
            "can_accept": can_accept,
            "can_edit_thread": can(request.user, "edit", thread),
            "can_set_status": can(request.user, "set_status", thread),
            "can_moderate": can(request.user, "moderate", thread),
            "links": selectors.thread_links(viewer=request.user, thread=thread),
            "idea_statuses": Thread.IdeaStatus.choices,
        },
    )
    if cache_key:
        page_cache.keep(cache_key, response)
    return response


@login_required
@require_POST
@rate_limited("page_write")
def post_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    thread = selectors.thread_get(viewer=request.user, community=community, pk=pk, action="reply")
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write something first."))
        return redirect(_thread_url(thread))
    reply_to = None
    if form.cleaned_data.get("reply_to"):
        reply_to = Post.objects.filter(thread=thread, pk=form.cleaned_data["reply_to"]).first()
    try:
        post = services.post_create(
            actor=_member(request), thread=thread, body=form.cleaned_data["body"], reply_to=reply_to
        )
    except ValidationError as error:
        # Nothing lost: the text waits in the composer as a draft.
        services.draft_save(
            actor=_member(request),
            community=community,
            thread=thread,
            title="",
            body=form.cleaned_data["body"],
        )
        messages.error(request, " ".join(error.messages))
        return redirect(_thread_url(thread) + "#reply")
    return redirect(_thread_url(thread, position=post.position))


def _post(request: HttpRequest, slug: str, pk: int, action: str) -> Post:
    post = selectors.post_get(viewer=request.user, pk=pk, action=action)
    if post.thread.community.slug != slug:
        from django.http import Http404

        raise Http404
    return post


@login_required
@rate_limited("page_write", methods=("POST",))
def post_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    post = _post(request, slug, pk, "edit")
    thread = post.thread
    member = _member(request)
    if post.is_opening:
        form: ThreadEditForm | PostEditForm = ThreadEditForm(
            request.POST or None,
            initial={
                "title": thread.title,
                "body": post.body,
                "tags": [t.slug for t in thread.tags.all()],
            },
            community=thread.community,
        )
    else:
        form = PostEditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.post_edit(
                actor=member,
                post=post,
                body=data["body"],
                title=data.get("title"),
                tags=data.get("tags") if post.is_opening else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(_thread_url(thread, position=post.position))
    return render(
        request,
        "discussions/post_form.html",
        {
            "community": thread.community,
            "permissions": community_selectors.viewer_permissions(request.user, thread.community),
            "thread": thread,
            "post": post,
            "form": form,
        },
    )


@require_GET
def post_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Earlier versions, for the post's author and moderators."""
    post = _post(request, slug, pk, "edit")
    revisions = list(PostRevision.objects.filter(post=post).select_related("edited_by"))
    return render(
        request,
        "discussions/post_history.html",
        {
            "community": post.thread.community,
            "permissions": community_selectors.viewer_permissions(
                request.user, post.thread.community
            ),
            "thread": post.thread,
            "post": post,
            "revisions": revisions,
        },
    )


@login_required
@require_POST
@rate_limited("page_write")
def post_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    post = _post(request, slug, pk, "delete")
    services.post_delete(actor=_member(request), post=post)
    messages.success(request, _("Your post was deleted."))
    if post.thread.deleted_at is not None:
        return redirect("discussions:threads", slug)
    return redirect(_thread_url(post.thread, position=post.position))


@login_required
@require_POST
def post_hide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    post = _post(request, slug, pk, "hide")
    if post.hidden_at is None:
        services.post_hide(actor=_member(request), post=post)
        messages.success(request, _("The post is hidden."))
    else:
        services.post_restore(actor=_member(request), post=post)
        messages.success(request, _("The post is visible again."))
    return redirect(_thread_url(post.thread, position=post.position))


@login_required
@require_POST
def post_purge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    post = _post(request, slug, pk, "purge")
    thread = post.thread
    services.post_purge(actor=_member(request), post=post)
    messages.success(request, _("The post was erased for good."))
    if post.is_opening:
        return redirect("discussions:threads", slug)
    return redirect(_thread_url(thread))


@login_required
@require_POST
@rate_limited("page_write")
def post_react(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    post = _post(request, slug, pk, "react")
    try:
        services.reaction_toggle(
            actor=_member(request), post=post, kind=request.POST.get("kind", "")
        )
    except ValidationError:
        return HttpResponse(status=422)
    return _post_actions(request, post)


@login_required
@require_POST
@rate_limited("page_write")
def post_vote(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    post = _post(request, slug, pk, "vote")
    try:
        value = int(request.POST.get("value", "0"))
        services.vote_set(actor=_member(request), post=post, value=value)
    except (ValueError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return _post_actions(request, post)


def _post_actions(request: HtmxHttpRequest, post: Post) -> HttpResponse:
    """After a reaction or a vote: the post's bar (htmx), or back to the post."""
    if not request.htmx:
        return redirect(_thread_url(post.thread, position=post.position))
    _page, views = selectors.posts_page(
        viewer=request.user,
        thread=post.thread,
        page_number=selectors.page_of_position(post.thread, post.position),
    )
    view = next(v for v in views if v.post.pk == post.pk)
    return render(
        request,
        "discussions/_post_bar.html",
        {"view": view, "thread": post.thread, "community": post.thread.community},
    )


@login_required
@require_POST
def answer_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    thread = selectors.thread_get(viewer=request.user, community=community, pk=pk, action="accept")
    post_id = request.POST.get("post", "")
    post = (
        Post.objects.filter(thread=thread, pk=int(post_id)).first() if post_id.isdigit() else None
    )
    try:
        services.answer_accept(actor=_member(request), thread=thread, post=post)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The answer is accepted.") if post else _("No answer is accepted now.")
        )
    return redirect(_thread_url(thread))


@login_required
@require_POST
def idea_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    thread = selectors.thread_get(
        viewer=request.user, community=community, pk=pk, action="set_status"
    )
    try:
        services.idea_status_set(
            actor=_member(request), thread=thread, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_thread_url(thread))


@login_required
@require_POST
@rate_limited("page_write")
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The composer's preview (htmx): the text as it will look."""
    _community(request, slug, action="post")
    rendered = services.render_body(request.POST.get("body", ""))
    return render(request, "discussions/_preview.html", {"html": rendered.html})


@login_required
@require_POST
def draft_save(request: HttpRequest, slug: str) -> HttpResponse:
    """Autosave from the composer (htmx, every few seconds while typing)."""
    community = _community(request, slug, action="post")
    thread = None
    if (thread_id := request.POST.get("thread", "")).isdigit():
        thread = selectors.thread_get(
            viewer=request.user, community=community, pk=int(thread_id), action="reply"
        )
    draft = services.draft_save(
        actor=_member(request),
        community=community,
        thread=thread,
        title=request.POST.get("title", ""),
        body=request.POST.get("body", ""),
        kind=request.POST.get("kind", ""),
    )
    return render(request, "discussions/_draft_status.html", {"draft": draft})


@require_GET
def thread_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    """``#123`` links in posts: to the thread, for those who may read it."""
    thread = selectors.thread_by_id(viewer=request.user, pk=pk)
    return redirect(_thread_url(thread))
