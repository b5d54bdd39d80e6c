"""Who knows about a topic: members ranked by evidence, with the reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from guilde.api.auth import public_auth
from guilde.people import selectors
from guilde.people.reasons import reason

router = Router(tags=["people"])


class TopicTagOut(Schema):
    tag: str
    answers: int


class ExpertOut(Schema):
    username: str
    name: str
    score: float
    answers: int
    accepted: int
    upvotes: int
    on_topic: list[TopicTagOut]
    last_answer_at: datetime | None
    reason: str = Field(..., description="The evidence in words, in the caller's language.")


class ExpertsOut(Schema):
    tags: list[str] = Field(..., description="The tags the query names (short names).")
    experts: list[ExpertOut]


@router.get("/experts", response=ExpertsOut, auth=public_auth)
def experts(request: HttpRequest, q: str, community: str = "") -> dict[str, Any]:
    """Who knows about the tags ``q`` names, from the evidence of the communities the
    caller reads (``community``: one of them only): answers on those tags, accepted and
    upvoted ones counting more, recent ones too. Up to ten members."""
    tags, found = selectors.who_knows(viewer=request.user, text=q[:300], community=community)
    return {
        "tags": [tag.slug for tag in tags],
        "experts": [
            {
                "username": knower.member.username,
                "name": knower.member.name,
                "score": round(knower.expert.score, 4),
                "answers": knower.expert.answers,
                "accepted": knower.expert.accepted,
                "upvotes": knower.expert.upvotes,
                "on_topic": [{"tag": t.slug, "answers": n} for t, n in knower.on_topic()],
                "last_answer_at": knower.expert.last_answer_at,
                "reason": reason(knower),
            }
            for knower in found
        ],
    }
