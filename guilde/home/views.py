from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guilde.communities import selectors as communities
from guilde.discussions import selectors as discussions

FEATURED = 6


def home(request: HttpRequest) -> HttpResponse:
    """The front page: what this instance is, my communities, communities to discover."""
    mine = communities.my_communities(request.user)
    discover = communities.communities_to_discover(
        viewer=request.user, excluding=[c.pk for c in mine], limit=FEATURED
    )
    return render(
        request,
        "home/home.html",
        {
            "pinned": discussions.pinned_for_everyone(viewer=request.user),
            "my_cards": communities.community_cards(
                viewer=request.user,
                communities=mine,
                unread=discussions.unread_thread_counts(viewer=request.user, communities=mine),
            ),
            "discover_cards": communities.community_cards(
                viewer=request.user, communities=discover
            ),
        },
    )
