"""API of the accounts app: me, members, organisations, skills, tokens, my data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Literal

from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from guilde.accounts import member_rights, selectors, services
from guilde.accounts.forms import DeleteAccountForm
from guilde.accounts.models import (
    VISIBLE_FIELDS,
    Affiliation,
    DataExport,
    MemberSkill,
    Organisation,
    PersonalAccessToken,
    User,
)
from guilde.api.auth import member_auth, public_auth, session_only_auth
from guilde.api.pagination import CursorPage, PageParams, paginate_queryset

router = Router(tags=["members"])


def signed_in(request: HttpRequest) -> User:
    """The signed-in member making ``request`` (every app's API), or a 401."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise HttpError(401, "Sign in first.")
    return user


def refused(error: Exception) -> HttpError:
    """A service's refusal as the API's error (every app's API): 403 for a permission,
    422 with the messages for invalid input."""
    if isinstance(error, PermissionDenied):
        return HttpError(403, str(error) or "Not allowed.")
    return HttpError(422, "; ".join(getattr(error, "messages", [str(error)])))


@contextmanager
def refusals() -> Iterator[None]:
    """Run a service call, turning its refusal into the API's error (see :func:`refused`)."""
    try:
        yield
    except (DjangoValidationError, PermissionDenied) as error:
        raise refused(error) from error


def _invalid(error: DjangoValidationError) -> HttpError:
    return HttpError(422, "; ".join(error.messages))


# Schemas -------------------------------------------------------------------------------------


class AffiliationOut(Schema):
    organisation_name: str
    organisation_slug: str
    role: str
    confirmed: bool


class MemberOut(Schema):
    """A member as the caller may see them: hidden fields are null."""

    username: str
    name: str
    avatar_url: str | None
    is_placeholder: bool
    joined: datetime
    bio: str | None
    location: str | None
    time_zone: str | None
    languages: list[str] | None
    organisations: list[AffiliationOut] | None
    skills: list[str] | None
    interests: list[str] | None
    learning_goals: list[str] | None
    open_to_questions: bool | None
    open_to_mentor: bool | None


VisibilityLevel = Literal["everyone", "communities", "private"]


class MeOut(MemberOut):
    email: str
    field_visibility: dict[str, VisibilityLevel]
    analytics_consent: bool
    interface_language: str


class MeIn(Schema):
    """Fields to change; those left out keep their value."""

    display_name: str | None = Field(None, max_length=150)
    bio: str | None = Field(None, max_length=4000)
    location: str | None = Field(None, max_length=150)
    time_zone: str | None = None
    languages: list[str] | None = Field(None, max_length=20)
    skills: list[str] | None = Field(None, max_length=30)
    interests: list[str] | None = Field(None, max_length=30)
    learning_goals: list[str] | None = Field(None, max_length=30)
    open_to_questions: bool | None = None
    open_to_mentor: bool | None = None
    field_visibility: dict[str, VisibilityLevel] | None = None
    analytics_consent: bool | None = None
    interface_language: Literal["", "en", "fr"] | None = None


class OrganisationOut(Schema):
    name: str
    slug: str
    description: str
    website: str
    logo_url: str | None
    public_members: int

    @staticmethod
    def resolve_logo_url(organisation: Organisation) -> str | None:
        if not organisation.logo.name:
            return None
        return reverse("accounts:organisation_logo", args=[organisation.slug])


class OrganisationIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    website: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)


class VocabularySkillOut(Schema):
    name: str
    slug: str


class TokenOut(Schema):
    id: int
    name: str
    scope: Literal["read", "write"]
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="The token itself: shown this once, never again.")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"
    expires_in_days: int | None = Field(90, ge=1, le=3650, description="null: never expires")


class ExportOut(Schema):
    id: int
    status: Literal["pending", "ready", "failed"]
    created_at: datetime
    expires_at: datetime | None
    size: int


class ClaimIn(Schema):
    message: str = Field("", max_length=2000)


class ClaimOut(Schema):
    status: Literal["pending", "approved", "declined"]


# Helpers ---------------------------------------------------------------------------------------


def _member_out(profile: selectors.MemberProfile) -> dict[str, Any]:
    return {
        "username": profile.username,
        "name": profile.name,
        "avatar_url": profile.avatar_url,
        "is_placeholder": profile.is_placeholder,
        "joined": profile.joined,
        "bio": profile.bio,
        "location": profile.location,
        "time_zone": profile.time_zone,
        "languages": profile.languages,
        "organisations": [vars(a) for a in profile.organisations]
        if profile.organisations is not None
        else None,
        "skills": profile.skills,
        "interests": profile.interests,
        "learning_goals": profile.learning_goals,
        "open_to_questions": profile.open_to_questions,
        "open_to_mentor": profile.open_to_mentor,
    }


def _me_out(member: User) -> dict[str, Any]:
    profile = selectors.member_profiles(viewer=member, members=[member])[0]
    return {
        **_member_out(profile),
        "email": member.email,
        "field_visibility": {name: member.visibility_of(name).value for name in VISIBLE_FIELDS},
        "analytics_consent": member.analytics_consent,
        "interface_language": member.language,
    }


def profiles_page(request: HttpRequest, members: Any, params: PageParams) -> dict[str, Any]:
    page = paginate_queryset(request, members, params, ordering=("username",))
    profiles = selectors.member_profiles(viewer=request.user, members=page["results"])
    return {**page, "results": [_member_out(profile) for profile in profiles]}


# Me -------------------------------------------------------------------------------------------


@router.get("/me", response=MeOut, auth=member_auth, tags=["me"])
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller's own profile, with every field and its visibility."""
    return _me_out(signed_in(request))


@router.patch("/me", response=MeOut, auth=member_auth, tags=["me"])
def me_update(request: HttpRequest, changes: MeIn) -> dict[str, Any]:
    """Change the caller's profile; fields left out keep their value."""
    member = signed_in(request)
    given = changes.model_dump(exclude_unset=True)
    current = _me_out(member)
    try:
        services.profile_update(
            actor=member,
            member=member,
            display_name=given.get("display_name", member.display_name) or "",
            bio=given.get("bio", member.bio) or "",
            location=given.get("location", member.location) or "",
            time_zone=given.get("time_zone", member.time_zone) or "",
            languages=given.get("languages") or current["languages"] or [],
            open_to_questions=given.get("open_to_questions", member.open_to_questions),
            open_to_mentor=given.get("open_to_mentor", member.open_to_mentor),
            field_visibility=given.get("field_visibility") or {},
            analytics_consent=given.get("analytics_consent", member.analytics_consent),
            language=given.get("interface_language", member.language) or "",
        )
        for kind, key in (
            (MemberSkill.Kind.SKILL, "skills"),
            (MemberSkill.Kind.INTEREST, "interests"),
            (MemberSkill.Kind.LEARNING, "learning_goals"),
        ):
            if key in given and given[key] is not None:
                services.skills_set(actor=member, member=member, kind=kind, names=given[key])
    except DjangoValidationError as error:
        raise _invalid(error) from error
    member.refresh_from_db()
    return _me_out(member)


# Members ----------------------------------------------------------------------------------------


@router.get("/members/{username}", response=MemberOut, auth=public_auth)
def member_detail(request: HttpRequest, username: str) -> dict[str, Any]:
    return _member_out(selectors.member_get(viewer=request.user, username=username))


@router.post("/members/{username}/claim", response=ClaimOut, auth=member_auth)
def member_claim(request: HttpRequest, username: str, claim: ClaimIn) -> dict[str, str]:
    """Claim an imported member's contributions as yours."""
    placeholder = get_object_or_404(User, username=username, is_placeholder=True)
    try:
        result = services.claim_request(
            claimant=signed_in(request), placeholder=placeholder, message=claim.message
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return {"status": result.status}


# Organisations -----------------------------------------------------------------------------------


@router.get(
    "/organisations", response=CursorPage[OrganisationOut], auth=public_auth, tags=["organisations"]
)
def organisation_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return paginate_queryset(request, selectors.organisation_list(), page, ordering=("slug",))


@router.post(
    "/organisations", response={201: OrganisationOut}, auth=member_auth, tags=["organisations"]
)
def organisation_create(request: HttpRequest, data: OrganisationIn) -> Status[Any]:
    try:
        created = services.organisation_create(
            actor=signed_in(request),
            name=data.name,
            website=data.website,
            description=data.description,
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return Status(201, selectors.organisation_get(slug=created.slug))


@router.get(
    "/organisations/{slug}", response=OrganisationOut, auth=public_auth, tags=["organisations"]
)
def organisation_detail(request: HttpRequest, slug: str) -> Any:
    return selectors.organisation_get(slug=slug)


@router.get(
    "/organisations/{slug}/members",
    response=CursorPage[MemberOut],
    auth=public_auth,
    tags=["organisations"],
)
def organisation_members(
    request: HttpRequest, slug: str, page: Query[PageParams]
) -> dict[str, Any]:
    organisation = selectors.organisation_get(slug=slug)
    members = selectors.organisation_members(viewer=request.user, organisation=organisation)
    return profiles_page(request, members, page)


class SkillFilters(Schema):
    prefix: str = Field("", max_length=80, description="The beginning of a term.")


@router.get("/skills", response=list[VocabularySkillOut], auth=public_auth, tags=["skills"])
def skill_list(request: HttpRequest, filters: Query[SkillFilters]) -> Any:
    """Terms of the shared vocabulary, most used first (for completion)."""
    return list(selectors.skill_vocabulary(prefix=filters.prefix))


# Tokens (session only: a token cannot mint tokens) -----------------------------------------------


@router.get("/me/tokens", response=list[TokenOut], auth=session_only_auth, tags=["me"])
def token_list(request: HttpRequest) -> Any:
    return list(selectors.token_list(member=signed_in(request)))


@router.post("/me/tokens", response={201: TokenCreated}, auth=session_only_auth, tags=["me"])
def token_create(request: HttpRequest, data: TokenIn) -> Status[dict[str, Any]]:
    member = signed_in(request)
    expires = timedelta(days=data.expires_in_days) if data.expires_in_days else None
    try:
        token, plain = services.token_create(
            actor=member, member=member, name=data.name, scope=data.scope, expires_in=expires
        )
    except DjangoValidationError as error:
        raise _invalid(error) from error
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": plain})


@router.delete("/me/tokens/{token_id}", response={204: None}, auth=session_only_auth, tags=["me"])
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    member = signed_in(request)
    token = get_object_or_404(PersonalAccessToken, pk=token_id, member=member)
    services.token_revoke(actor=member, token=token)
    return Status(204, None)


# My data --------------------------------------------------------------------------------------


@router.get("/me/data-exports", response=list[ExportOut], auth=member_auth, tags=["me"])
def export_list(request: HttpRequest) -> Any:
    return list(DataExport.objects.filter(member=signed_in(request))[:20])


@router.post("/me/data-exports", response={202: ExportOut}, auth=member_auth, tags=["me"])
def export_request(request: HttpRequest) -> Status[DataExport]:
    """Ask for a copy of all your data; a link is e-mailed when it is ready."""
    member = signed_in(request)
    return Status(202, member_rights.export_request(actor=member, member=member))


# My affiliations, avatar and account (API completeness, issue 17) ---------------------------


class AccountAffiliationOut(Schema):
    id: int
    organisation_name: str
    organisation_slug: str
    role: str
    confirmed: bool = Field(
        ..., description="Confirmed by e-mail domain, single sign-on or an administrator."
    )


class AccountAffiliationIn(Schema):
    organisation: str = Field(..., min_length=1, max_length=80, description="Its short name.")
    role: str = Field("", max_length=150, description="Your role there.")


def _affiliation_out(affiliation: Affiliation) -> dict[str, Any]:
    return {
        "id": affiliation.pk,
        "organisation_name": affiliation.organisation.name,
        "organisation_slug": affiliation.organisation.slug,
        "role": affiliation.role,
        "confirmed": affiliation.confirmed,
    }


@router.get("/me/affiliations", response=list[AccountAffiliationOut], auth=member_auth, tags=["me"])
def affiliation_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The organisations you declared you belong to, with their confirmation."""
    affiliations = (
        Affiliation.objects.filter(member=signed_in(request))
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    return [_affiliation_out(affiliation) for affiliation in affiliations]


@router.post(
    "/me/affiliations", response={201: AccountAffiliationOut}, auth=member_auth, tags=["me"]
)
def affiliation_add(request: HttpRequest, data: AccountAffiliationIn) -> Status[dict[str, Any]]:
    """Declare that you belong to an organisation (or change your role there). It is
    confirmed at once when one of your verified addresses is in the organisation's e-mail
    domains."""
    member = signed_in(request)
    organisation = Organisation.objects.filter(slug=data.organisation).first()
    if organisation is None:
        raise HttpError(422, f"Unknown organisation: {data.organisation}")
    with refusals():
        affiliation = services.affiliation_set(
            actor=member, member=member, organisation=organisation, role=data.role
        )
    return Status(201, _affiliation_out(affiliation))


@router.delete(
    "/me/affiliations/{affiliation_id}", response={204: None}, auth=member_auth, tags=["me"]
)
def affiliation_remove(request: HttpRequest, affiliation_id: int) -> Status[None]:
    """Take an organisation off your profile (only your own affiliations: others are 404)."""
    member = signed_in(request)
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("member"), pk=affiliation_id, member=member
    )
    with refusals():
        services.affiliation_remove(actor=member, affiliation=affiliation)
    return Status(204, None)


@router.post("/me/avatar", response=MeOut, auth=member_auth, tags=["me"])
def avatar_set(request: HttpRequest, picture: File[UploadedFile]) -> dict[str, Any]:
    """Upload your picture (multipart form, field ``picture``): PNG, JPEG, WebP or GIF up
    to 5 MB, checked by its content, cropped to a square and re-encoded (its metadata is
    dropped), as on the profile page. A POST rather than a PUT: Django reads uploaded
    files from POST requests only."""
    member = signed_in(request)
    with refusals():
        services.avatar_set(actor=member, member=member, upload=picture)
    member.refresh_from_db()
    return _me_out(member)


@router.delete("/me/avatar", response={204: None}, auth=member_auth, tags=["me"])
def avatar_remove(request: HttpRequest) -> Status[None]:
    """Remove your picture (nothing happens if you have none)."""
    member = signed_in(request)
    with refusals():
        services.avatar_remove(actor=member, member=member)
    return Status(204, None)


class AccountDeletionIn(Schema):
    contributions: Literal["keep", "erase"] = Field(
        ...,
        description="keep: what you contributed stays with the communities, signed "
        "“deleted member”; erase: it goes with your account.",
    )
    password: str = Field(..., max_length=4096, description="Your current password.")
    confirm: bool = Field(..., description="Must be true: deletion cannot be undone.")


@router.post("/me/deletion", response={204: None}, auth=session_only_auth, tags=["me"])
def account_delete(request: HttpRequest, data: AccountDeletionIn) -> Status[None]:
    """Delete your account, as the "Your data" page does: your personal data goes in every
    case; ``contributions`` decides what happens to what you gave the communities.

    Only from a signed-in browser session (with the CSRF token), never with a personal
    access token — a leaked token must not be able to destroy an account — and only with
    your current password and ``confirm`` set to true (otherwise 422, nothing deleted).
    The session ends with the account."""
    member = signed_in(request)
    form = DeleteAccountForm(data.model_dump(), member=member)
    if not form.is_valid():
        raise HttpError(
            422,
            "; ".join(
                f"{field}: {message}"
                for field, messages in form.errors.items()
                for message in messages
            ),
        )
    with refusals():
        member_rights.account_delete(
            actor=member,
            member=member,
            keep_contributions=form.cleaned_data["contributions"] == "keep",
        )
    logout(request)
    return Status(204, None)
