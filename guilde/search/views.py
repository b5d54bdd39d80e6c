"""The search page (htmx live results), opening a result, and "similar questions"."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from guilde.communities.models import Community
from guilde.core.decorators import rate_limited
from guilde.discussions.selectors import thread_by_id
from guilde.search import selectors, services
from guilde.search.forms import SearchForm
from guilde.search.models import SearchDocument, SearchQuery

# The last search logged for this browser, so that a search typed on refines its record and a
# result opened from a later page is counted against it. A signed cookie of its own, not the
# session: a visitor's search must not start a session (a write, and their pages would no
# longer come from the visitors' page cache).
_COOKIE = "guilde_search"
_COOKIE_SALT = "guilde.search.last-query"
_COOKIE_SECONDS = 3600


def _last_query(request: HttpRequest) -> int | None:
    value = request.get_signed_cookie(
        _COOKIE, default=None, salt=_COOKIE_SALT, max_age=_COOKIE_SECONDS
    )
    return int(value) if value and value.isdigit() else None


def _filters(params: selectors.SearchParams) -> dict[str, str]:
    values = {
        "type": params.type,
        "community": params.community,
        "tag": params.tag,
        "author": params.author,
        "since": params.since.isoformat() if params.since else "",
        "until": params.until.isoformat() if params.until else "",
        "status": params.status,
        "sort": params.sort if params.sort != "relevance" else "",
        "mode": params.mode if params.mode != "hybrid" else "",
    }
    return {k: v for k, v in values.items() if v}


@require_GET
@rate_limited("search", methods=("GET",))
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    form.is_valid()
    params = form.params()
    page = selectors.search(viewer=request.user, params=params)
    query_id = None
    if params.q and params.page == 1:
        community_id = (
            Community.objects.filter(slug=params.community).values_list("pk", flat=True).first()
            if params.community
            else None
        )
        logged = services.query_log(
            member=request.user,
            text=params.q,
            community_id=community_id,
            filters=_filters(params),
            results=page.total,
            previous=_last_query(request),
        )
        query_id = logged.pk
    elif params.q:
        query_id = _last_query(request)
    context = {
        "form": form,
        "page": page,
        "params": params,
        "query_id": query_id,
        "filters": _filters(params),
    }
    template = (
        "search/_results.html"
        if isinstance(htmx := getattr(request, "htmx", None), HtmxDetails)
        and htmx.target == "search-results"
        else "search/search.html"
    )
    response = render(request, template, context)
    if query_id is not None:
        response.set_signed_cookie(
            _COOKIE,
            str(query_id),
            salt=_COOKIE_SALT,
            max_age=_COOKIE_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


@require_GET
def search_open(request: HttpRequest) -> HttpResponse:
    """Open a result (and note which one, for the analytics): a redirect to the thing, for
    those who may find it."""
    kind, key = request.GET.get("kind", ""), request.GET.get("key", "")[:40]
    document = (
        SearchDocument.objects.filter(
            selectors.permission_q(request.user), kind=kind, object_key=key
        )
        .only("url")
        .first()
    )
    if document is None or not url_has_allowed_host_and_scheme(document.url, allowed_hosts=None):
        raise Http404
    query_id, rank = request.GET.get("query", ""), request.GET.get("rank", "")
    if query_id.isdigit() and rank.isdigit():
        member_id = request.user.pk if request.user.is_authenticated else None
        query = SearchQuery.objects.filter(pk=int(query_id), member_id=member_id).first()
        if query is not None:
            services.click_log(query=query, kind=kind, key=key, rank=int(rank))
    return HttpResponseRedirect(document.url)


@require_GET
@rate_limited("search", methods=("GET",))
def similar(request: HttpRequest) -> HttpResponse:
    """Questions like the title being typed on the new-thread form (``title``), or like a
    question being read (``thread``); htmx fragments."""
    if (thread_id := request.GET.get("thread", "")).isdigit():
        thread = thread_by_id(viewer=request.user, pk=int(thread_id))
        results = selectors.questions_like(viewer=request.user, thread=thread)
        return render(request, "search/_similar.html", {"results": results, "reading": True})
    community = None
    text = request.GET.get("title", "")[:300]
    if slug := request.GET.get("community", "")[:60]:
        community = Community.objects.filter(slug=slug).first()
    results = (
        selectors.similar_questions(viewer=request.user, text=text, community=community)
        if len(text.strip()) >= 3
        else []
    )
    return render(request, "search/_similar.html", {"results": results, "reading": False})
