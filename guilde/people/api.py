"""Who knows about a topic: members ranked by evidence, with the reasons."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.text import slugify
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from guilde.accounts.api import MemberOut, profiles_page, signed_in
from guilde.accounts.models import User
from guilde.accounts.selectors import organisation_get
from guilde.api.auth import member_auth, public_auth
from guilde.api.pagination import CursorPage, PageParams
from guilde.discussions.selectors import thread_by_id
from guilde.people import selectors, services
from guilde.people.directory import MAX_HOURS_APART, DirectoryFilters, directory
from guilde.people.feed import Activity, feed, followed, organisation_activity
from guilde.people.models import HiddenTopic
from guilde.people.profile import expertise_of
from guilde.people.reasons import reason, topic_reason
from guilde.people.recommendations import people_to_meet
from guilde.people.selectors import Knower

router = Router(tags=["people"])


class MemberFilters(Schema):
    q: str = Field("", max_length=100, description="Part of a name or username.")
    skill: str = Field("", max_length=90, description="A declared skill.")
    interest: str = Field("", max_length=90, description="A declared interest.")
    organisation: str = Field("", max_length=80, description="An organisation's short name.")
    community: str = Field("", max_length=60, description="A community's short name.")
    language: str = Field("", max_length=12, description="A language code, e.g. fr.")
    time_zone: str = Field("", max_length=64, description="An IANA time zone, e.g. Europe/Paris.")
    hours_apart: int = Field(
        0,
        ge=0,
        le=MAX_HOURS_APART,
        description="With time_zone: members at most this many hours from it right now.",
    )
    open_to_questions: bool | None = None
    open_to_mentor: bool | None = None


@router.get("/members", response=CursorPage[MemberOut], auth=public_auth, tags=["members"])
def member_search(
    request: HttpRequest, filters: Query[MemberFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """The member directory. Each filter on a profile field applies only to members who
    show that field to the caller; members the caller blocked, or who blocked the caller,
    are left out."""
    chosen = DirectoryFilters(
        **{
            **filters.dict(),
            "skill": slugify(filters.skill, allow_unicode=True),
            "interest": slugify(filters.interest, allow_unicode=True),
        }
    )
    return profiles_page(request, directory(viewer=request.user, filters=chosen), page)


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
    articles: int
    verified_articles: int
    events: int = Field(..., description="Events hosted or spoken at.")
    mentored: int = Field(..., description="Mentees mentored in the communities' programmes.")
    endorsements: int
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
    return {"tags": [tag.slug for tag in tags], "experts": [_knower_out(k) for k in found]}


# Expertise, endorsements, follows, recommendations, requests to answer ------------------


@contextmanager
def _refusals() -> Iterator[None]:
    """A refused change is a 422 with its reason (404 when it names what is not seen)."""
    try:
        yield
    except DjangoValidationError as error:
        if getattr(error, "code", None) == "not_found":
            raise Http404 from error
        status = 429 if getattr(error, "code", None) == "rate_limited" else 422
        raise HttpError(status, "; ".join(error.messages)) from error


class TopicOut(Schema):
    topic: str = Field(..., description="A tag's short name.")
    name: str
    answers: int
    accepted: int
    upvotes: int
    articles: int
    verified_articles: int
    events: int = Field(..., description="Events hosted or spoken at.")
    mentored: int = Field(..., description="Mentees mentored in the communities' programmes.")
    last_answer_at: datetime | None
    hidden: bool = Field(..., description="Hidden from the profile (only its owner sees it).")
    reason: str


class MemberSkillOut(Schema):
    skill: str
    name: str
    level: str = Field(..., description="learning, practising, expert, or empty.")
    endorsements: int
    endorsers: list[str] = Field(..., description="Usernames of the latest endorsers.")
    endorsed_by_me: bool


class ExpertiseOut(Schema):
    username: str
    topics: list[TopicOut]
    skills: list[MemberSkillOut] | None = Field(
        ..., description="Declared skills; null when the caller may not see them."
    )
    following: bool
    followers: int


@router.get("/members/{username}/expertise", response=ExpertiseOut, auth=public_auth)
def member_expertise(request: HttpRequest, username: str) -> dict[str, Any]:
    """A member's topics (from their answers, articles, events and mentoring in the
    communities the caller reads, each with the evidence in words) and declared skills with
    level and endorsements."""
    seen = expertise_of(viewer=request.user, member=selectors.member_named(username))
    return {
        "username": seen.member.username,
        "topics": [
            {
                "topic": t.slug,
                "name": t.name,
                "answers": t.answers,
                "accepted": t.accepted,
                "upvotes": t.upvotes,
                "articles": t.articles,
                "verified_articles": t.verified,
                "events": t.events,
                "mentored": t.mentored,
                "last_answer_at": t.last_at,
                "hidden": t.hidden,
                "reason": topic_reason(t),
            }
            for t in seen.topics
        ],
        "skills": None
        if seen.skills is None
        else [
            {
                "skill": s.slug,
                "name": s.name,
                "level": s.level,
                "endorsements": s.endorsements,
                "endorsers": [m.username for m in s.endorsers],
                "endorsed_by_me": s.endorsed_by_viewer,
            }
            for s in seen.skills
        ],
        "following": seen.following,
        "followers": seen.followers,
    }


@router.put(
    "/members/{username}/skills/{skill}/endorsement",
    response={204: None},
    auth=member_auth,
)
def endorsement_give(request: HttpRequest, username: str, skill: str) -> Status[None]:
    """Endorse a skill the member declared ("I have seen them do this"; once)."""
    with _refusals():
        services.endorse(
            actor=signed_in(request), member=selectors.member_named(username), skill_slug=skill
        )
    return Status(204, None)


@router.delete(
    "/members/{username}/skills/{skill}/endorsement",
    response={204: None},
    auth=member_auth,
)
def endorsement_withdraw(request: HttpRequest, username: str, skill: str) -> Status[None]:
    services.endorsement_withdraw(
        actor=signed_in(request), member=selectors.member_named(username), skill_slug=skill
    )
    return Status(204, None)


@router.put("/members/{username}/follow", response={204: None}, auth=member_auth)
def follow(request: HttpRequest, username: str) -> Status[None]:
    """Follow a member: their visible activity appears in your feed."""
    with _refusals():
        services.follow(actor=signed_in(request), member=selectors.member_named(username))
    return Status(204, None)


@router.delete("/members/{username}/follow", response={204: None}, auth=member_auth)
def unfollow(request: HttpRequest, username: str) -> Status[None]:
    services.unfollow(actor=signed_in(request), member=selectors.member_named(username))
    return Status(204, None)


class MemberRefOut(Schema):
    username: str
    name: str


class RecommendationOut(Schema):
    username: str
    name: str
    kind: str = Field(..., description="interests, learn, bridge or newcomer.")
    reason: str


@router.get("/me/recommendations", response=list[RecommendationOut], auth=member_auth, tags=["me"])
def recommendations(request: HttpRequest) -> list[dict[str, Any]]:
    """People to meet in your communities, each with its reason."""
    return [
        {"username": r.member.username, "name": r.member.name, "kind": r.kind, "reason": r.reason}
        for r in people_to_meet(viewer=signed_in(request))
    ]


@router.get("/me/following", response=list[MemberRefOut], auth=member_auth, tags=["me"])
def following(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"username": m.username, "name": m.name} for m in followed(viewer=signed_in(request))]


class ActivityOut(Schema):
    kind: str = Field(..., description="thread, reply or article.")
    username: str
    at: datetime
    title: str
    url: str
    community: str


@router.get("/me/feed", response=list[ActivityOut], auth=member_auth, tags=["me"])
def my_feed(request: HttpRequest) -> list[dict[str, Any]]:
    """What the members you follow did lately, as far as you may see it."""
    return [_activity_out(a) for a in feed(viewer=signed_in(request))]


def _activity_out(activity: Activity) -> dict[str, Any]:
    return {
        "kind": activity.kind,
        "username": activity.actor.username,
        "at": activity.at,
        "title": activity.title,
        "url": activity.url,
        "community": activity.community,
    }


class ExpertisePreferencesIn(Schema):
    suggest: bool | None = None
    answer_requests: bool | None = None


class ExpertisePreferencesOut(Schema):
    suggest: bool
    answer_requests: bool
    hidden_topics: list[str]


def _preferences_out(member: User) -> dict[str, Any]:
    preferences = services.preferences_for(member)
    return {
        "suggest": preferences.suggest,
        "answer_requests": preferences.answer_requests,
        "hidden_topics": sorted(
            HiddenTopic.objects.filter(member=member).values_list("slug", flat=True)
        ),
    }


@router.get(
    "/me/expertise-settings", response=ExpertisePreferencesOut, auth=member_auth, tags=["me"]
)
def preferences(request: HttpRequest) -> dict[str, Any]:
    return _preferences_out(signed_in(request))


@router.patch(
    "/me/expertise-settings", response=ExpertisePreferencesOut, auth=member_auth, tags=["me"]
)
def preferences_update(request: HttpRequest, changes: ExpertisePreferencesIn) -> dict[str, Any]:
    """Whether you are suggested to others (who knows, people who could answer, people to
    meet) and whether members may ask you to answer questions."""
    member = signed_in(request)
    services.preferences_set(
        actor=member, suggest=changes.suggest, answer_requests=changes.answer_requests
    )
    return _preferences_out(member)


@router.put(
    "/me/hidden-topics/{topic}", response=ExpertisePreferencesOut, auth=member_auth, tags=["me"]
)
def topic_hide(request: HttpRequest, topic: str) -> dict[str, Any]:
    """Hide a topic (a tag's short name) from your profile and from suggestions."""
    member = signed_in(request)
    with _refusals():
        services.topic_hide(actor=member, slug=topic)
    return _preferences_out(member)


@router.delete(
    "/me/hidden-topics/{topic}", response=ExpertisePreferencesOut, auth=member_auth, tags=["me"]
)
def topic_show(request: HttpRequest, topic: str) -> dict[str, Any]:
    member = signed_in(request)
    with _refusals():
        services.topic_hide(actor=member, slug=topic, hidden=False)
    return _preferences_out(member)


class LevelIn(Schema):
    level: Literal["", "learning", "practising", "expert"]


@router.put("/me/skills/{skill}/level", response={204: None}, auth=member_auth, tags=["me"])
def skill_level(request: HttpRequest, skill: str, data: LevelIn) -> Status[None]:
    """How far you are with a skill you declared."""
    with _refusals():
        services.skill_level_set(actor=signed_in(request), skill_slug=skill, level=data.level)
    return Status(204, None)


def _knower_out(knower: Knower) -> dict[str, Any]:
    return {
        "username": knower.member.username,
        "name": knower.member.name,
        "score": round(knower.expert.score, 4),
        "answers": knower.expert.answers,
        "accepted": knower.expert.accepted,
        "upvotes": knower.expert.upvotes,
        "articles": knower.expert.articles,
        "verified_articles": knower.expert.verified,
        "events": knower.expert.events,
        "mentored": knower.expert.mentored,
        "endorsements": knower.expert.endorsements,
        "on_topic": [{"tag": t.slug, "answers": n} for t, n in knower.on_topic()],
        "last_answer_at": knower.expert.last_answer_at,
        "reason": reason(knower),
    }


@router.get("/threads/{thread_id}/could-answer", response=list[ExpertOut], auth=public_auth)
def could_answer(request: HttpRequest, thread_id: int) -> list[dict[str, Any]]:
    """For an open question: members who could answer it, from their evidence on its tags."""
    thread = thread_by_id(viewer=request.user, pk=thread_id)
    return [_knower_out(k) for k in selectors.could_answer(viewer=request.user, thread=thread)]


class AnswerRequestIn(Schema):
    username: str


@router.post("/threads/{thread_id}/answer-requests", response={201: None}, auth=member_auth)
def answer_request(request: HttpRequest, thread_id: int, data: AnswerRequestIn) -> Status[None]:
    """Ask a member to answer an open question: they are notified (once per question; a
    few a day; members can refuse requests)."""
    member = signed_in(request)
    thread = thread_by_id(viewer=member, pk=thread_id)
    with _refusals():
        services.answer_request(
            actor=member, thread=thread, member=selectors.member_named(data.username)
        )
    return Status(201, None)


# An organisation's contributions (API completeness, issue 17) ------------------------------


class PeopleOrganisationCommunityOut(Schema):
    slug: str
    name: str


class PeopleOrganisationContributionsOut(Schema):
    communities: list[PeopleOrganisationCommunityOut] = Field(
        ..., description="The communities you may read where its members take part."
    )
    contributions: list[ActivityOut] = Field(
        ..., description="Its members' latest threads, replies and articles, newest first."
    )


@router.get(
    "/organisations/{slug}/contributions",
    response=PeopleOrganisationContributionsOut,
    auth=public_auth,
    tags=["organisations"],
)
def organisation_contributions(request: HttpRequest, slug: str) -> dict[str, Any]:
    """What an organisation's members contributed lately (at most 30 items), as on the
    organisation's page: only members who show you their affiliation, only where you may
    read, never members you blocked or who blocked you."""
    activity = organisation_activity(viewer=request.user, organisation=organisation_get(slug=slug))
    return {
        "communities": [{"slug": c.slug, "name": c.name} for c in activity.communities],
        "contributions": [_activity_out(a) for a in activity.contributions],
    }
