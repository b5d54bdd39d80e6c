"""Pages of the knowledge base: articles, history and diffs, the lifecycle, proposals,
capture from a thread, the content health page, learning paths."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guilde.accounts.models import User
from guilde.communities import selectors as community_selectors
from guilde.communities.models import Community
from guilde.core.decorators import rate_limited
from guilde.core.http import HtmxHttpRequest
from guilde.core.permissions import can, require
from guilde.discussions import selectors as discussion_selectors
from guilde.knowledge import diff as diffs
from guilde.knowledge import forms, selectors, services
from guilde.knowledge.models import Article, LearningPath, PathStep, Proposal


def _member(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _community(request: HttpRequest, slug: str, action: str = "view") -> Community:
    # Knowledge pages show the community's name and links, never its topics or counts.
    return community_selectors.community_get(
        viewer=request.user, slug=slug, action=action, details=False
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    community = context["community"]
    context["permissions"] = community_selectors.viewer_permissions(request.user, community)
    context["can_write_article"] = can(request.user, "write_article", community)
    context["is_steward"] = can(request.user, "steward", community)
    context["can_arrange_paths"] = can(request.user, "arrange_paths", community)
    return render(request, template, context)


def _errors(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


# Articles ---------------------------------------------------------------------------------


@require_GET
def article_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Article.Kind.values else ""
    status = request.GET.get("status", "")
    status = status if status in Article.Status.values else ""
    articles = selectors.article_queryset(
        viewer=request.user,
        community=community,
        kind=kind,
        status=status,
        tag=request.GET.get("tag", ""),
    )
    page = Paginator(articles, selectors.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "knowledge/article_list.html",
        {
            "community": community,
            "page": page,
            "kinds": Article.Kind.choices,
            "statuses": Article.Status.choices,
            "kind": kind,
            "status": status,
            "paths": selectors.paths_of(viewer=request.user, community=community),
        },
    )


@login_required
@rate_limited("page_write", methods=("POST",))
def article_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug, "write_article")
    member = _member(request)
    kind = request.GET.get("kind", Article.Kind.GUIDE)
    kind = kind if kind in Article.Kind.values else Article.Kind.GUIDE
    draft = services.draft_for(member=member, community=community, article=None)
    initial = {"kind": kind, "body": draft.body if draft else services.template_for(kind)}
    if draft:
        initial["title"] = draft.title
    form = forms.ArticleForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_create(
                actor=member,
                community=community,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                url=data["url"],
                tags=data["tags"],
                publish_now="publish" in request.POST,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(article.get_absolute_url())
    return _render(
        request,
        "knowledge/article_form.html",
        {"community": community, "form": form, "article": None, "draft": draft},
    )


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@require_GET
def article_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    article = selectors.article_get(viewer=request.user, community=community, pk=pk)
    if not article.is_draft and services.view_record(
        article=article,
        member=request.user if isinstance(request.user, User) else None,
        address=_client_address(request),
        user_agent=request.headers.get("User-Agent", ""),
    ):
        article.view_count += 1
    viewer = request.user
    feedback = None
    if isinstance(viewer, User):
        feedback = article.feedback.filter(member=viewer).first()
    return _render(
        request,
        "knowledge/article_detail.html",
        {
            "community": community,
            "article": article,
            "related": selectors.related(viewer=viewer, article=article),
            "proposals": selectors.open_proposals(viewer=viewer, article=article),
            "can_edit": can(viewer, "edit", article),
            "can_propose": can(viewer, "propose", article),
            "can_publish": can(viewer, "publish", article),
            "can_steward": can(viewer, "steward", article),
            "can_report": can(viewer, "report", article),
            "can_feedback": can(viewer, "feedback", article),
            "feedback": feedback,
            "feedback_form": forms.FeedbackForm(
                initial={
                    "helpful": "1" if feedback is None or feedback.helpful else "0",
                    "comment": feedback.comment if feedback else "",
                }
            ),
            "report_form": forms.ReportForm(),
        },
    )


@login_required
@rate_limited("page_write", methods=("POST",))
def article_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Edit (a new revision) — or, where changes are reviewed, propose a change."""
    community = _community(request, slug)
    article = selectors.article_get(viewer=request.user, community=community, pk=pk)
    member = _member(request)
    editing = can(member, "edit", article)
    if not editing and not can(member, "propose", article):
        require(member, "edit", article)
    draft = services.draft_for(member=member, community=community, article=article)
    initial = {
        "kind": article.kind,
        "title": draft.title if draft else article.title,
        "body": draft.body if draft else article.body,
        "url": article.url,
        "tags": [t.slug for t in article.tags.all()],
    }
    form = forms.ArticleForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if editing:
                services.article_update(
                    actor=member,
                    article=article,
                    title=data["title"],
                    body=data["body"],
                    summary=data["summary"],
                    tags=data["tags"],
                    url=data["url"],
                    kind=data["kind"],
                )
                messages.success(request, _("Saved."))
            else:
                services.proposal_create(
                    actor=member,
                    article=article,
                    title=data["title"],
                    body=data["body"],
                    summary=data["summary"],
                )
                messages.success(request, _("Your proposal waits for a steward's review."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(article.get_absolute_url())
    return _render(
        request,
        "knowledge/article_form.html",
        {
            "community": community,
            "form": form,
            "article": article,
            "draft": draft,
            "proposing": not editing,
        },
    )


@login_required
@require_POST
def article_draft(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The editor's autosave."""
    community = _community(request, slug)
    article = None
    if (article_id := request.POST.get("article", "")).isdigit():
        article = selectors.article_get(
            viewer=request.user, community=community, pk=int(article_id)
        )
    services.draft_save(
        actor=_member(request),
        community=community,
        article=article,
        title=request.POST.get("title", ""),
        body=request.POST.get("body", ""),
    )
    draft = services.draft_for(member=_member(request), community=community, article=article)
    return render(request, "discussions/_draft_status.html", {"draft": draft})


@require_GET
def article_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    article = selectors.article_get(viewer=request.user, community=community, pk=pk)
    page = Paginator(selectors.revisions(article), 50).get_page(request.GET.get("page"))
    return _render(
        request,
        "knowledge/history.html",
        {
            "community": community,
            "article": article,
            "page": page,
            "contributors": selectors.contributors(article),
            "can_edit": can(request.user, "edit", article),
        },
    )


@require_GET
def revision_detail(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    community = _community(request, slug)
    article = selectors.article_get(viewer=request.user, community=community, pk=pk)
    revision = selectors.revision_get(article, number)
    from guilde.discussions.services import render_body

    return _render(
        request,
        "knowledge/revision.html",
        {
            "community": community,
            "article": article,
            "revision": revision,
            "html": render_body(revision.body).html,
            "can_edit": can(request.user, "edit", article),
        },
    )


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


@require_GET
def article_diff(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    article = selectors.article_get(viewer=request.user, community=community, pk=pk)
    new_number = _number(request.GET.get("to"), article.revision_count)
    old_number = _number(request.GET.get("from"), max(new_number - 1, 1))
    old, new = (
        selectors.revision_get(article, old_number),
        selectors.revision_get(article, new_number),
    )
    layout = "inline" if request.GET.get("view") == "inline" else "side"
    return _render(
        request,
        "knowledge/diff.html",
        {
            "community": community,
            "article": article,
            "old": old,
            "new": new,
            "title_lines": diffs.diff(old.title, new.title),
            "lines": diffs.diff(old.body, new.body),
            "layout": layout,
        },
    )


def _article_action(request: HttpRequest, slug: str, pk: int) -> tuple[Community, Article, User]:
    community = _community(request, slug)
    return (
        community,
        selectors.article_get(viewer=request.user, community=community, pk=pk),
        _member(request),
    )


@login_required
@require_POST
def article_restore(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    _unused, article, member = _article_action(request, slug, pk)
    try:
        revision = services.article_restore(actor=member, article=article, number=number)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            _("Revision %(number)s is back, as revision %(new)s.")
            % {"number": number, "new": revision.number},
        )
    return redirect(article.get_absolute_url())


@login_required
@require_POST
def article_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _unused, article, member = _article_action(request, slug, pk)
    services.article_publish(actor=member, article=article)
    messages.success(request, _("The article is published."))
    return redirect(article.get_absolute_url())


@login_required
@require_POST
def article_verify(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _unused, article, member = _article_action(request, slug, pk)
    try:
        services.article_verify(actor=member, article=article)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Verified: thank you for checking it."))
    return redirect(article.get_absolute_url())


@login_required
@require_POST
@rate_limited("page_write")
def article_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _unused, article, member = _article_action(request, slug, pk)
    form = forms.ReportForm(request.POST)
    thread = None
    if (thread_id := request.POST.get("thread", "")).isdigit():
        thread = discussion_selectors.thread_by_id(viewer=member, pk=int(thread_id))
    if form.is_valid():
        try:
            services.article_report_outdated(
                actor=member, article=article, text=form.cleaned_data["text"], thread=thread
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Thank you: the stewards will review the article."))
    else:
        messages.error(request, _("Say what is out of date."))
    return redirect(thread.get_absolute_url() if thread else article.get_absolute_url())


@login_required
def article_archive(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community, article, member = _article_action(request, slug, pk)
    require(member, "steward", article)
    choices = [
        (a.pk, a.title)
        for a in community.articles.exclude(pk=article.pk)
        .exclude(status__in=[Article.Status.DRAFT, Article.Status.ARCHIVED])
        .order_by("title")
    ]
    form = forms.ArchiveForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        replacement = None
        if form.cleaned_data["replaced_by"]:
            replacement = selectors.article_get(
                viewer=member, community=community, pk=form.cleaned_data["replaced_by"]
            )
        try:
            services.article_archive(actor=member, article=article, replaced_by=replacement)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The article is archived."))
            return redirect(article.get_absolute_url())
    return _render(
        request,
        "knowledge/archive.html",
        {"community": community, "article": article, "form": form},
    )


@login_required
@require_POST
@rate_limited("page_write")
def article_feedback(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _unused, article, member = _article_action(request, slug, pk)
    form = forms.FeedbackForm(request.POST)
    if form.is_valid():
        services.feedback_set(
            actor=member,
            article=article,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("Thank you for your feedback."))
    return redirect(article.get_absolute_url() + "#feedback")


# Proposals --------------------------------------------------------------------------------


@login_required
def proposal_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    proposal = get_object_or_404(
        Proposal.objects.select_related("article__community", "author"),
        pk=pk,
        article__community=community,
    )
    proposal.article.community = community
    member = _member(request)
    require(member, "view", proposal)
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
        try:
            if decision == "comment":
                services.proposal_comment(actor=member, proposal=proposal, body=comment)
            else:
                services.proposal_decide(
                    actor=member, proposal=proposal, accept=decision == "accept", comment=comment
                )
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            return redirect("knowledge:proposal", slug, proposal.pk)
    base = selectors.revision_get(proposal.article, proposal.base_number)
    return _render(
        request,
        "knowledge/proposal.html",
        {
            "community": community,
            "article": proposal.article,
            "proposal": proposal,
            "comments": list(proposal.comments.select_related("author")),
            "lines": diffs.diff(base.body, proposal.body),
            "title_lines": diffs.diff(base.title, proposal.title),
            "behind": proposal.article.revision_count > proposal.base_number,
            "can_review": can(member, "review", proposal),
            "form": forms.ReviewForm(),
        },
    )


# Capture from a thread --------------------------------------------------------------------


@login_required
@rate_limited("page_write", methods=("POST",))
def promote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Capture a thread as a draft article (the opening post and accepted answer, or
    chosen posts)."""
    community = _community(request, slug, "write_article")
    thread = discussion_selectors.thread_get(viewer=request.user, community=community, pk=pk)
    member = _member(request)
    if request.method == "POST":
        chosen = [int(v) for v in request.POST.getlist("post") if v.isdigit()]
        source = services.source_from_thread(viewer=member, thread=thread, post_ids=chosen)
        article = services.promote(actor=member, source=source)
        messages.success(
            request, _("A draft article was made from the thread: edit it, then publish it.")
        )
        return redirect("knowledge:edit", slug, article.pk)
    posts = list(thread.posts.visible().select_related("author").order_by("position")[:200])
    return _render(
        request,
        "knowledge/promote.html",
        {"community": community, "thread": thread, "posts": posts},
    )


# Health -----------------------------------------------------------------------------------


@login_required
@require_GET
def health(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug, "steward")
    return _render(
        request,
        "knowledge/health.html",
        {"community": community, "health": selectors.health(community=community)},
    )


# Learning paths ---------------------------------------------------------------------------


def _path(
    request: HttpRequest, slug: str, pk: int, action: str = "view"
) -> tuple[Community, LearningPath]:
    community = _community(request, slug)
    path = get_object_or_404(
        LearningPath.objects.select_related("community"), pk=pk, community=community
    )
    path.community = community
    require(request.user, action, path)
    return community, path


@require_GET
def path_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community, path = _path(request, slug, pk)
    sections, done, total = selectors.path_rows(viewer=request.user, path=path)
    return _render(
        request,
        "knowledge/path_detail.html",
        {
            "community": community,
            "path": path,
            "sections": sections,
            "done": done,
            "total": total,
            "can_follow": can(request.user, "follow", path),
            "can_manage": can(request.user, "manage", path),
        },
    )


@login_required
@rate_limited("page_write", methods=("POST",))
def path_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug, "arrange_paths")
    form = forms.PathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        path = services.path_save(
            actor=_member(request),
            community=community,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
        return redirect("knowledge:path_edit", slug, path.pk)
    return _render(request, "knowledge/path_form.html", {"community": community, "form": form})


@login_required
@rate_limited("page_write", methods=("POST",))
def path_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Arrange a path: its title, sections, and steps (articles, threads, links)."""
    community, path = _path(request, slug, pk, "manage")
    member = _member(request)
    sections = list(path.sections.all())
    articles = [
        (a.pk, a.title)
        for a in community.articles.exclude(
            status__in=[Article.Status.DRAFT, Article.Status.ARCHIVED]
        ).order_by("title")
    ]
    action = request.POST.get("action", "")
    data = request.POST if request.method == "POST" else None
    path_form = forms.PathForm(
        data if action == "update" else None,
        initial={"title": path.title, "description": path.description},
    )
    # Prefixed: the three forms share a page, their fields need ids of their own.
    section_form = forms.SectionForm(data if action == "section" else None, prefix="section")
    step_form = forms.StepForm(
        data if action == "step" else None,
        sections=[(s.pk, s.title) for s in sections],
        articles=articles,
        prefix="step",
    )
    if request.method == "POST":
        try:
            done = _path_action(
                member, community, path, action, path_form, section_form, step_form, request
            )
        except (ValidationError, PermissionDenied) as error:
            _errors(request, error)
        else:
            if done == "deleted":
                messages.success(request, _("The learning path is deleted."))
                return redirect("knowledge:articles", slug)
            if done:
                return redirect("knowledge:path_edit", slug, path.pk)
    rows, _done, _total = selectors.path_rows(viewer=member, path=path)
    return _render(
        request,
        "knowledge/path_edit.html",
        {
            "community": community,
            "path": path,
            "sections": rows,
            "path_form": path_form,
            "section_form": section_form,
            "step_form": step_form if sections else None,
        },
    )


def _path_action(
    member: User,
    community: Community,
    path: LearningPath,
    action: str,
    path_form: forms.PathForm,
    section_form: forms.SectionForm,
    step_form: forms.StepForm,
    request: HttpRequest,
) -> str:
    if action == "update" and path_form.is_valid():
        services.path_save(actor=member, community=community, path=path, **path_form.cleaned_data)
        return "saved"
    if action == "section" and section_form.is_valid():
        services.section_add(actor=member, path=path, title=section_form.cleaned_data["title"])
        return "saved"
    if action == "step" and step_form.is_valid():
        data = step_form.cleaned_data
        section = get_object_or_404(path.sections, pk=data["section"])
        article = (
            selectors.article_get(viewer=member, community=community, pk=data["article"])
            if data["article"]
            else None
        )
        thread = None
        if data["thread"]:
            thread = discussion_selectors.thread_get(
                viewer=member, community=community, pk=data["thread"]
            )
        services.step_add(
            actor=member,
            section=section,
            article=article,
            thread=thread,
            url=data["url"] or "",
            title=data["title"],
        )
        return "saved"
    if action == "remove_step" and (step_id := request.POST.get("step", "")).isdigit():
        step = get_object_or_404(PathStep, pk=int(step_id), section__path=path)
        services.step_remove(actor=member, step=step)
        return "saved"
    if action == "delete":
        services.path_delete(actor=member, path=path)
        return "deleted"
    return ""


@login_required
@require_POST
def step_toggle(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community(request, slug)
    step = get_object_or_404(
        PathStep.objects.select_related("section__path"), pk=pk, section__path__community=community
    )
    step.section.path.community = community
    services.step_toggle(actor=_member(request), step=step)
    return redirect(
        reverse("knowledge:path", args=[slug, step.section.path_id]) + f"#step-{step.pk}"
    )
