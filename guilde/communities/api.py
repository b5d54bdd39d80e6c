"""API of communities: directory, details, settings, lifecycle, membership, roles, invitations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from guilde.accounts.api import refusals, signed_in
from guilde.accounts.models import Organisation, User
from guilde.api.auth import member_auth, public_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset
from guilde.communities import selectors, services
from guilde.communities.models import Community, Membership
from guilde.communities.permissions import membership_of

router = Router(tags=["communities"])

VisibilityLiteral = Literal["public", "private", "hidden"]
JoinPolicyLiteral = Literal["open", "approval", "invitation"]
RoleLiteral = Literal["coordinator", "moderator", "member"]
LanguageLiteral = Literal["en", "fr"]


def _invalid(error: DjangoValidationError) -> HttpError:
    return HttpError(422, "; ".join(error.messages))


class ViewerOut(Schema):
    membership: Literal["none", "pending", "active"]
    role: RoleLiteral | None
    can_view: bool
    can_post: bool
    can_moderate: bool
    can_manage: bool
    can_join: bool
    can_leave: bool


class CommunitySummaryOut(Schema):
    name: str
    slug: str
    domain: str
    language: LanguageLiteral
    visibility: VisibilityLiteral
    join_policy: JoinPolicyLiteral
    status: Literal["pending", "active", "archived"]
    member_count: int
    tags: list[str]
    organisations: list[str]


class CommunityOut(CommunitySummaryOut):
    description: str
    charter: str | None = Field(None, description="Null for those who may not read the community.")
    newcomer_days: int
    flag_threshold: int
    review_first_posts: bool
    verification_days: int
    review_article_changes: bool
    related: list[str]
    created_at: datetime
    viewer: ViewerOut


class CommunityIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    domain: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", max_length=10000)
    charter: str = Field("", max_length=20000)
    language: LanguageLiteral = "en"
    visibility: VisibilityLiteral = "public"
    join_policy: JoinPolicyLiteral = "open"
    tags: list[str] = Field(default_factory=list, max_length=60)
    organisations: list[str] = Field(
        default_factory=list, description="Organisations' short names."
    )


class CommunityPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    domain: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=10000)
    charter: str | None = Field(None, max_length=20000)
    language: LanguageLiteral | None = None
    visibility: VisibilityLiteral | None = None
    join_policy: JoinPolicyLiteral | None = None
    newcomer_days: int | None = Field(None, ge=0, le=365)
    flag_threshold: int | None = Field(None, ge=0, le=50)
    review_first_posts: bool | None = None
    verification_days: int | None = Field(None, ge=7, le=3650)
    review_article_changes: bool | None = None
    tags: list[str] | None = Field(None, max_length=60)
    organisations: list[str] | None = None
    related: list[str] | None = Field(None, description="Related communities' short names.")


class CommunityFilters(Schema):
    q: str = Field("", max_length=100)
    organisation: str = Field("", max_length=80)
    language: LanguageLiteral | Literal[""] = ""
    tag: str = Field("", max_length=60)
    mine: bool = False


class MemberRowOut(Schema):
    username: str
    name: str
    role: RoleLiteral
    joined_at: datetime | None
    is_newcomer: bool


class RequestOut(Schema):
    username: str
    name: str
    message: str
    requested_at: datetime


class JoinIn(Schema):
    message: str = Field("", max_length=2000)


class MembershipOut(Schema):
    status: Literal["pending", "active"]
    role: RoleLiteral
    steward: bool = False


class LeaveIn(Schema):
    successor: str | None = Field(
        None, description="Username of the next coordinator, if you are the last."
    )


class RoleIn(Schema):
    role: RoleLiteral
    steward: bool | None = Field(None, description="A knowledge steward (null: unchanged).")


class InvitationIn(Schema):
    email: str = Field(..., max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    role: RoleLiteral = "member"


class InvitationOut(Schema):
    email: str
    role: RoleLiteral
    expires_at: datetime


def _summary(community: Community) -> dict[str, Any]:
    return {
        "name": community.name,
        "slug": community.slug,
        "domain": community.domain,
        "language": community.language,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "status": community.status,
        "member_count": getattr(community, "member_count", 0),
        "tags": [tag.name for tag in community.tags.all()],
        "organisations": [org.slug for org in community.organisations.all()],
    }


def _detail(request: HttpRequest, community: Community) -> dict[str, Any]:
    permissions = selectors.viewer_permissions(request.user, community)
    membership = membership_of(request.user, community)
    return {
        **_summary(community),
        "description": community.description,
        "charter": community.charter if permissions["view"] else None,
        "newcomer_days": community.newcomer_days,
        "flag_threshold": community.flag_threshold,
        "review_first_posts": community.review_first_posts,
        "verification_days": community.verification_days,
        "review_article_changes": community.review_article_changes,
        "related": [other.slug for other in selectors.related_visible(request.user, community)],
        "created_at": community.created_at,
        "viewer": {
            "membership": "none" if membership is None else membership.status,
            "role": membership.role if membership is not None and membership.is_active else None,
            **{
                f"can_{action}": permissions[action]
                for action in ("view", "post", "moderate", "manage", "join", "leave")
            },
        },
    }


def _organisations(slugs: list[str]) -> list[Organisation]:
    found = list(Organisation.objects.filter(slug__in=slugs))
    missing = set(slugs) - {org.slug for org in found}
    if missing:
        raise HttpError(422, f"Unknown organisations: {', '.join(sorted(missing))}")
    return found


@router.get("/communities", response=CursorPage[CommunitySummaryOut], auth=public_auth)
def community_list(
    request: HttpRequest, filters: Query[CommunityFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Communities the caller may know about."""
    communities = selectors.community_queryset(
        viewer=request.user,
        search=filters.q,
        organisation=filters.organisation,
        language=filters.language,
        tag=slugify(filters.tag, allow_unicode=True),
        mine=filters.mine,
    )
    result = paginate_queryset(request, communities, page, ordering=("slug",))
    return {**result, "results": [_summary(c) for c in result["results"]]}


@router.post("/communities", response={201: CommunityOut}, auth=member_auth)
def community_create(request: HttpRequest, data: CommunityIn) -> Status[dict[str, Any]]:
    try:
        community = services.community_create(
            actor=signed_in(request),
            name=data.name,
            domain=data.domain,
            description=data.description,
            charter=data.charter,
            language=data.language,
            visibility=data.visibility,
            join_policy=data.join_policy,
            tags=data.tags,
            organisations=_organisations(data.organisations),
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return Status(
        201, _detail(request, selectors.community_get(viewer=request.user, slug=community.slug))
    )


@router.get("/communities/{slug}", response=CommunityOut, auth=public_auth)
def community_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _detail(request, selectors.community_get(viewer=request.user, slug=slug))


@router.patch("/communities/{slug}", response=CommunityOut, auth=member_auth)
def community_update(request: HttpRequest, slug: str, changes: CommunityPatch) -> dict[str, Any]:
    """Change a community's settings (coordinators); archived communities are read-only."""
    community = selectors.community_get(viewer=request.user, slug=slug, action="manage")
    given = changes.model_dump(exclude_unset=True)
    related: Iterable[Community] = community.related.all()
    if given.get("related") is not None:
        related = selectors.community_queryset(viewer=request.user).filter(
            slug__in=given["related"]
        )
    try:
        services.community_update(
            actor=signed_in(request),
            community=community,
            name=given.get("name") or community.name,
            domain=given.get("domain") or community.domain,
            description=given.get("description", community.description) or "",
            charter=given.get("charter", community.charter) or "",
            language=given.get("language") or community.language,
            visibility=given.get("visibility") or community.visibility,
            join_policy=given.get("join_policy") or community.join_policy,
            newcomer_days=given.get("newcomer_days", community.newcomer_days),
            tags=given["tags"]
            if given.get("tags") is not None
            else [t.name for t in community.tags.all()],
            organisations=_organisations(given["organisations"])
            if given.get("organisations") is not None
            else list(community.organisations.all()),
            related=list(related),
        )
        services.moderation_settings_set(
            actor=signed_in(request),
            community=community,
            flag_threshold=community.flag_threshold
            if given.get("flag_threshold") is None
            else given["flag_threshold"],
            review_first_posts=community.review_first_posts
            if given.get("review_first_posts") is None
            else given["review_first_posts"],
        )
        services.knowledge_settings_set(
            actor=signed_in(request),
            community=community,
            verification_days=given.get("verification_days") or community.verification_days,
            review_article_changes=community.review_article_changes
            if given.get("review_article_changes") is None
            else given["review_article_changes"],
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return _detail(request, selectors.community_get(viewer=request.user, slug=slug))


@router.post("/communities/{slug}/archive", response=CommunityOut, auth=member_auth)
def community_archive(request: HttpRequest, slug: str) -> dict[str, Any]:
    community = selectors.community_get(viewer=request.user, slug=slug, action="manage")
    services.community_archive(actor=signed_in(request), community=community)
    return _detail(request, selectors.community_get(viewer=request.user, slug=slug))


@router.post("/communities/{slug}/restore", response=CommunityOut, auth=member_auth)
def community_restore(request: HttpRequest, slug: str) -> dict[str, Any]:
    community = selectors.community_get(viewer=request.user, slug=slug, action="restore")
    services.community_restore(actor=signed_in(request), community=community)
    return _detail(request, selectors.community_get(viewer=request.user, slug=slug))


@router.get("/communities/{slug}/members", response=CursorPage[MemberRowOut], auth=public_auth)
def community_members(request: HttpRequest, slug: str, page: Query[PageParams]) -> dict[str, Any]:
    community = selectors.community_get(viewer=request.user, slug=slug, action="view")
    memberships = Membership.objects.filter(
        community=community, status=Membership.Status.ACTIVE
    ).select_related("member", "community")
    result = paginate_queryset(request, memberships, page, ordering=("id",))
    return {
        **result,
        "results": [
            {
                "username": m.member.username,
                "name": m.member.name,
                "role": m.role,
                "joined_at": m.joined_at,
                "is_newcomer": m.is_newcomer(),
            }
            for m in result["results"]
        ],
    }


@router.post("/communities/{slug}/join", response=MembershipOut, auth=member_auth)
def community_join(request: HttpRequest, slug: str, data: JoinIn) -> Membership:
    """Join an open community, or ask to join one that approves its members."""
    community = selectors.community_get(viewer=request.user, slug=slug)
    try:
        return services.membership_join(
            actor=signed_in(request), community=community, message=data.message
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error


@router.post("/communities/{slug}/leave", response={204: None}, auth=member_auth)
def community_leave(request: HttpRequest, slug: str, data: LeaveIn) -> Status[None]:
    community = selectors.community_get(viewer=request.user, slug=slug, action="leave")
    successor = get_object_or_404(User, username=data.successor) if data.successor else None
    try:
        services.membership_leave(
            actor=signed_in(request), community=community, successor=successor
        )
    except DjangoValidationError as error:
        raise HttpError(409, "; ".join(error.messages)) from error
    return Status(204, None)


@router.get("/communities/{slug}/requests", response=list[RequestOut], auth=member_auth)
def community_requests(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """Requests to join, for moderators and coordinators."""
    community = selectors.community_get(viewer=request.user, slug=slug, action="moderate")
    return [
        {
            "username": m.member.username,
            "name": m.member.name,
            "message": m.message,
            "requested_at": m.requested_at,
        }
        for m in selectors.membership_queryset(community, status=Membership.Status.PENDING)
    ]


@router.post(
    "/communities/{slug}/requests/{username}/approve", response=MembershipOut, auth=member_auth
)
def community_request_approve(request: HttpRequest, slug: str, username: str) -> Membership | None:
    community = selectors.community_get(viewer=request.user, slug=slug, action="moderate")
    return services.membership_decide(
        actor=signed_in(request),
        membership=selectors.membership_for(community, username, status=Membership.Status.PENDING),
        approve=True,
    )


@router.post(
    "/communities/{slug}/requests/{username}/decline", response={204: None}, auth=member_auth
)
def community_request_decline(request: HttpRequest, slug: str, username: str) -> Status[None]:
    community = selectors.community_get(viewer=request.user, slug=slug, action="moderate")
    services.membership_decide(
        actor=signed_in(request),
        membership=selectors.membership_for(community, username, status=Membership.Status.PENDING),
        approve=False,
    )
    return Status(204, None)


@router.put("/communities/{slug}/members/{username}/role", response=MembershipOut, auth=member_auth)
def community_member_role(
    request: HttpRequest, slug: str, username: str, data: RoleIn
) -> Membership:
    community = selectors.community_get(viewer=request.user, slug=slug, action="manage")
    try:
        return services.membership_set_role(
            actor=signed_in(request),
            membership=selectors.membership_for(
                community, username, status=Membership.Status.ACTIVE
            ),
            role=data.role,
            steward=data.steward,
        )
    except DjangoValidationError as error:
        raise HttpError(409, "; ".join(error.messages)) from error


@router.delete("/communities/{slug}/members/{username}", response={204: None}, auth=member_auth)
def community_member_remove(request: HttpRequest, slug: str, username: str) -> Status[None]:
    community = selectors.community_get(viewer=request.user, slug=slug, action="manage")
    try:
        services.membership_remove(
            actor=signed_in(request),
            membership=selectors.membership_for(
                community, username, status=Membership.Status.ACTIVE
            ),
        )
    except DjangoValidationError as error:
        raise HttpError(409, "; ".join(error.messages)) from error
    return Status(204, None)


@router.post("/communities/{slug}/invitations", response={201: InvitationOut}, auth=member_auth)
def community_invite(request: HttpRequest, slug: str, data: InvitationIn) -> Status[Any]:
    """Invite an e-mail address (also people without an account)."""
    community = selectors.community_get(viewer=request.user, slug=slug, action="manage")
    try:
        invitation = services.invitation_create(
            actor=signed_in(request), community=community, email=data.email, role=data.role
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return Status(201, invitation)


# Accepting an invitation (API completeness, issue 17) ---------------------------------------


class CommunityInvitationAcceptedOut(Schema):
    community: str = Field(..., description="The community's short name.")
    status: Literal["active"]
    role: RoleLiteral = Field(
        ..., description="The role offered, or the higher one you already held."
    )


@router.post(
    "/communities/invitations/{token}/accept",
    response=CommunityInvitationAcceptedOut,
    auth=member_auth,
)
def community_invitation_accept(request: HttpRequest, token: str) -> dict[str, Any]:
    """Join a community with the invitation's secret (the last part of the link in the
    invitation's e-mail), as opening the link does when signed in: you become a member
    with the role offered. An unknown, expired or used invitation answers 404."""
    member = signed_in(request)
    invitation = services.invitation_for(token)
    if invitation is None:
        raise Http404
    with refusals():
        membership = services.invitation_accept(invitation=invitation, member=member)
    return {
        "community": invitation.community.slug,
        "status": membership.status,
        "role": membership.role,
    }
