"""Writes about members: profiles, organisations, skills, tokens, invitations, claims.

Members' rights (data export, account deletion) are in :mod:`guilde.accounts.member_rights`.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import IO

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import ManyToManyField, ManyToManyRel, Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from guilde.accounts.models import (
    VISIBLE_FIELDS,
    Affiliation,
    ClaimRequest,
    Invitation,
    MemberLanguage,
    MemberSkill,
    Organisation,
    PersonalAccessToken,
    Skill,
    User,
    Visibility,
    validate_language_code,
    validate_time_zone,
)
from guilde.core import indexing
from guilde.core.images import delete_files_on_commit, square_thumbnail

TOKEN_PREFIX = "gld_"  # noqa: S105 (a public marker, not a secret)
TOKEN_LAST_USED_PRECISION = timedelta(minutes=1)
INVITATION_LIFETIME = timedelta(days=14)
MAX_SKILLS_PER_KIND = 30


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def email_digest(email: str) -> str:
    return digest(email.strip().lower())


def _require_self_or_staff(actor: User, member: User) -> None:
    if actor.pk != member.pk and not actor.is_staff:
        raise PermissionDenied(_("You may only change your own profile."))


# Profile -------------------------------------------------------------------------------------


@transaction.atomic
def profile_update(
    *,
    actor: User,
    member: User,
    display_name: str,
    bio: str,
    location: str,
    time_zone: str,
    languages: list[str],
    open_to_questions: bool,
    open_to_mentor: bool,
    field_visibility: dict[str, str],
    analytics_consent: bool,
    language: str = "",
) -> User:
    """Replace the editable profile of ``member``; bad values raise ``ValidationError``."""
    _require_self_or_staff(actor, member)
    validate_time_zone(time_zone)
    codes = sorted({code.strip() for code in languages if code.strip()})
    for code in codes:
        validate_language_code(code)
    unknown = set(field_visibility) - set(VISIBLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown profile fields: %(fields)s"), params={"fields": ", ".join(sorted(unknown))}
        )
    try:
        levels = {field: Visibility(level).value for field, level in field_visibility.items()}
    except ValueError as error:
        raise ValidationError(_("Unknown visibility level.")) from error
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown interface language."))

    member.display_name = display_name.strip()
    member.bio = bio.strip()
    member.location = location.strip()
    member.time_zone = time_zone
    member.open_to_questions = open_to_questions
    member.open_to_mentor = open_to_mentor
    member.field_visibility = {**member.field_visibility, **levels}
    member.analytics_consent = analytics_consent
    member.language = language
    member.full_clean(exclude=["password", "username", "email", "avatar"])
    member.save()

    MemberLanguage.objects.filter(member=member).exclude(code__in=codes).delete()
    existing = set(MemberLanguage.objects.filter(member=member).values_list("code", flat=True))
    MemberLanguage.objects.bulk_create(
        [MemberLanguage(member=member, code=code) for code in codes if code not in existing]
    )
    indexing.changed("member", member.pk)
    return member


def avatar_set(*, actor: User, member: User, upload: IO[bytes]) -> None:
    """Store a new avatar: checked, cropped, re-encoded (see :mod:`guilde.core.images`)."""
    _require_self_or_staff(actor, member)
    picture = square_thumbnail(upload)
    old = member.avatar.name or ""
    member.avatar.save(f"{member.pk}-{uuid.uuid4().hex}.webp", ContentFile(picture), save=False)
    member.save(update_fields=["avatar"])
    if old:
        delete_files_on_commit(member.avatar.storage, [old])


def avatar_remove(*, actor: User, member: User) -> None:
    _require_self_or_staff(actor, member)
    if member.avatar.name:
        old = member.avatar.name
        member.avatar = ""
        member.save(update_fields=["avatar"])
        delete_files_on_commit(member.avatar.storage, [old])


# Skills vocabulary ---------------------------------------------------------------------------


def _skill_slug(name: str) -> str:
    return slugify(name, allow_unicode=True)[:90]


def skill_for_name(name: str) -> Skill:
    """The vocabulary term for ``name``, created on first use, following merges."""
    cleaned = " ".join(name.split())[:80]
    slug = _skill_slug(cleaned)
    if not slug:
        raise ValidationError(_("%(name)s is not a usable skill name."), params={"name": name})
    skill, _created = Skill.objects.get_or_create(slug=slug, defaults={"name": cleaned})
    seen = {skill.pk}
    while skill.merged_into_id is not None and skill.merged_into_id not in seen:
        seen.add(skill.merged_into_id)
        skill = Skill.objects.get(pk=skill.merged_into_id)
    return skill


@transaction.atomic
def skills_set(*, actor: User, member: User, kind: str, names: list[str]) -> list[Skill]:
    """Make ``member``'s terms of ``kind`` (skill, interest, learning) exactly ``names``."""
    _require_self_or_staff(actor, member)
    if kind not in MemberSkill.Kind.values:
        raise ValidationError(_("Unknown kind of skill."))
    wanted = [name for name in names if name.strip()]
    if len(wanted) > MAX_SKILLS_PER_KIND:
        raise ValidationError(_("At most %(count)s terms."), params={"count": MAX_SKILLS_PER_KIND})
    skills = {skill.pk: skill for skill in (skill_for_name(name) for name in wanted)}
    MemberSkill.objects.filter(member=member, kind=kind).exclude(skill_id__in=skills).delete()
    have = set(
        MemberSkill.objects.filter(member=member, kind=kind).values_list("skill_id", flat=True)
    )
    MemberSkill.objects.bulk_create(
        [
            MemberSkill(member=member, skill=skill, kind=kind)
            for pk, skill in skills.items()
            if pk not in have
        ]
    )
    indexing.changed("member", member.pk)
    return list(skills.values())


@transaction.atomic
def skill_merge(*, actor: User, source: Skill, target: Skill) -> Skill:
    """Merge the duplicate ``source`` into ``target`` (administrators only).

    Members who had both keep one; ``source`` stays as a pointer so that typing its name
    again finds ``target``.
    """
    if not actor.is_staff:
        raise PermissionDenied(_("Only administrators merge skills."))
    if source.pk == target.pk:
        raise ValidationError(_("A skill cannot be merged into itself."))
    if target.merged_into_id is not None:
        raise ValidationError(_("Merge into a skill that was not itself merged away."))
    have = set(MemberSkill.objects.filter(skill=target).values_list("member_id", "kind"))
    twins = [
        pk
        for pk, member_id, kind in MemberSkill.objects.filter(skill=source).values_list(
            "pk", "member_id", "kind"
        )
        if (member_id, kind) in have
    ]
    MemberSkill.objects.filter(pk__in=twins).delete()
    MemberSkill.objects.filter(skill=source).update(skill=target)
    Skill.objects.filter(merged_into=source).update(merged_into=target)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    indexing.changed(
        "member", *MemberSkill.objects.filter(skill=target).values_list("member_id", flat=True)
    )
    return target


# Organisations and affiliations -------------------------------------------------------------


def _normalise_domains(domains: list[str]) -> list[str]:
    return sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})


@transaction.atomic
def organisation_create(
    *,
    actor: User,
    name: str,
    website: str = "",
    description: str = "",
    email_domains: list[str] | None = None,
) -> Organisation:
    """Any member may add an organisation; only administrators set its e-mail domains."""
    if not actor.is_authenticated:
        raise PermissionDenied
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError(_("An organisation needs a name."))
    base = slugify(cleaned)[:70] or "organisation"
    slug, number = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    organisation = Organisation(
        name=cleaned,
        slug=slug,
        website=website,
        description=description,
        email_domains=_normalise_domains(email_domains or []) if actor.is_staff else [],
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def organisation_set_logo(*, actor: User, organisation: Organisation, upload: IO[bytes]) -> None:
    """A new logo (administrators): checked, cropped square, re-encoded like avatars."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only administrators change logos."))
    picture = square_thumbnail(upload)
    old = organisation.logo.name or ""
    organisation.logo.save(
        f"{organisation.pk}-{uuid.uuid4().hex}.webp", ContentFile(picture), save=False
    )
    organisation.save(update_fields=["logo"])
    if old:
        delete_files_on_commit(organisation.logo.storage, [old])


def _verified_domains(member: User) -> set[str]:
    return {
        address.rsplit("@", 1)[-1].lower()
        for address in EmailAddress.objects.filter(user=member, verified=True).values_list(
            "email", flat=True
        )
    }


@transaction.atomic
def affiliation_set(
    *, actor: User, member: User, organisation: Organisation, role: str = ""
) -> Affiliation:
    """Declare (or update) that ``member`` belongs to ``organisation``."""
    _require_self_or_staff(actor, member)
    affiliation, _created = Affiliation.objects.get_or_create(
        member=member, organisation=organisation, defaults={"role": role.strip()}
    )
    affiliation.role = role.strip()
    if not affiliation.confirmed_by and set(organisation.email_domains) & _verified_domains(member):
        affiliation.confirmed_by = Affiliation.Confirmation.DOMAIN
    affiliation.save()
    return affiliation


def affiliation_remove(*, actor: User, affiliation: Affiliation) -> None:
    _require_self_or_staff(actor, affiliation.member)
    affiliation.delete()


def affiliation_confirm(*, actor: User, affiliation: Affiliation) -> Affiliation:
    if not actor.is_staff:
        raise PermissionDenied(_("Only administrators confirm affiliations."))
    affiliation.confirmed_by = Affiliation.Confirmation.ADMIN
    affiliation.save(update_fields=["confirmed_by"])
    return affiliation


@transaction.atomic
def affiliations_reconfirm(*, member: User) -> None:
    """Align domain confirmations with the member's verified addresses (after a change)."""
    domains = _verified_domains(member)
    for affiliation in Affiliation.objects.filter(member=member).select_related("organisation"):
        matches = bool(set(affiliation.organisation.email_domains) & domains)
        if matches and not affiliation.confirmed_by:
            affiliation.confirmed_by = Affiliation.Confirmation.DOMAIN
            affiliation.save(update_fields=["confirmed_by"])
        elif not matches and affiliation.confirmed_by == Affiliation.Confirmation.DOMAIN:
            affiliation.confirmed_by = Affiliation.Confirmation.NONE
            affiliation.save(update_fields=["confirmed_by"])


# Personal access tokens ---------------------------------------------------------------------


def token_create(
    *,
    actor: User,
    member: User,
    name: str,
    scope: str,
    expires_in: timedelta | None = None,
) -> tuple[PersonalAccessToken, str]:
    """A new token; the plain text is returned once and never stored."""
    _require_self_or_staff(actor, member)
    if scope not in PersonalAccessToken.Scope.values:
        raise ValidationError(_("Unknown token scope."))
    cleaned = " ".join(name.split())[:100]
    if not cleaned:
        raise ValidationError(_("Give the token a name, to recognise it later."))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(
        member=member,
        name=cleaned,
        scope=scope,
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        digest=digest(plain),
        expires_at=timezone.now() + expires_in if expires_in else None,
    )
    return token, plain


def token_revoke(*, actor: User, token: PersonalAccessToken) -> None:
    _require_self_or_staff(actor, token.member)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_authenticate(plain: str) -> PersonalAccessToken | None:
    """The usable token matching ``plain``, its owner loaded; records when it was used.

    The last-use time is written at most once a minute per token, so that a busy client
    does not turn every read into a write.
    """
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    token = (
        PersonalAccessToken.objects.select_related("member")
        .filter(digest=digest(plain), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or not token.is_usable(now):
        return None
    member = token.member
    if not member.is_active or member.deleted_at is not None or member.is_placeholder:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_LAST_USED_PRECISION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# Invitations to the instance ---------------------------------------------------------------


def invitation_create(*, actor: User, email: str) -> Invitation:
    """Invite ``email`` to sign up (administrators); the mail leaves through the queue."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only administrators invite people to the instance."))
    plain = secrets.token_urlsafe(24)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email.strip().lower(),
            digest=digest(plain),
            invited_by=actor,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        link = settings.GUILDE_SITE_URL + reverse("accounts:invitation", args=[plain])
        with override(actor.language or settings.LANGUAGE_CODE):
            body = render_to_string(
                "accounts/mail/invitation.txt",
                {"link": link, "inviter": actor.name, "expires_at": invitation.expires_at},
            )
            subject = _("[Guilde] You are invited to join")
        EmailMessage(subject, body, to=[invitation.email]).send()
    return invitation


def invitation_for(plain: str) -> Invitation | None:
    found = Invitation.objects.filter(digest=digest(plain)).first()
    return found if found is not None and found.is_open() else None


def invitation_accept(*, invitation: Invitation, member: User) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_by=member, accepted_at=timezone.now()
    )


# Placeholder members and claims -------------------------------------------------------------


def placeholder_create(
    *,
    source: str,
    key: str,
    display_name: str,
    username_hint: str = "",
    email: str = "",
    joined: object | None = None,
) -> User:
    """A member created by an import: no password, no e-mail, claimable later.

    Idempotent on (``source``, ``key``): importing twice returns the same member.
    """
    existing = User.objects.filter(import_source=source, import_key=key).first()
    if existing is not None:
        return existing
    base = slugify(username_hint or display_name).replace("-", "")[:20] or "member"
    username = f"{base}-{source[:3]}{key}"[:30]
    member = User(
        username=username,
        display_name=display_name[:150],
        is_placeholder=True,
        import_source=source,
        import_key=key,
        claim_email_digest=email_digest(email) if email else "",
    )
    if joined is not None:
        member.date_joined = joined  # type: ignore[assignment]  # a datetime from the source
    member.set_unusable_password()
    member.save()
    return member


@transaction.atomic
def claim_request(*, claimant: User, placeholder: User, message: str = "") -> ClaimRequest:
    """Ask to become ``placeholder``; approved at once if the claimant proves its e-mail."""
    if not placeholder.is_placeholder:
        raise ValidationError(_("Only imported members can be claimed."))
    if claimant.is_placeholder or not claimant.is_active:
        raise PermissionDenied
    claim, _created = ClaimRequest.objects.get_or_create(
        claimant=claimant,
        placeholder=placeholder,
        status=ClaimRequest.Status.PENDING,
        defaults={
            "message": message.strip(),
            "placeholder_label": f"{placeholder.name} ({placeholder.import_source} "
            f"#{placeholder.import_key})",
        },
    )
    verified = {
        email_digest(address)
        for address in EmailAddress.objects.filter(user=claimant, verified=True).values_list(
            "email", flat=True
        )
    }
    if placeholder.claim_email_digest and placeholder.claim_email_digest in verified:
        claim_decide(actor=None, claim=claim, approve=True)
    return claim


@transaction.atomic
def claim_decide(*, actor: User | None, claim: ClaimRequest, approve: bool) -> ClaimRequest:
    """Approve (merge the placeholder into the claimant) or decline a claim.

    ``actor`` is an administrator, or ``None`` when the claimant proved the e-mail.
    """
    if actor is not None and not actor.is_staff:
        raise PermissionDenied(_("Only administrators decide claims."))
    if claim.status != ClaimRequest.Status.PENDING:
        raise ValidationError(_("This claim was already decided."))
    claim.status = ClaimRequest.Status.APPROVED if approve else ClaimRequest.Status.DECLINED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save()
    if approve:
        if claim.placeholder is None:
            raise ValidationError(_("The imported member no longer exists."))
        member_merge(source=claim.placeholder, target=claim.claimant)
    return claim


def member_merge(*, source: User, target: User) -> None:
    """Give everything ``source`` contributed to ``target``, then remove ``source``.

    Every relation to the member model moves, except claims (their own record); a row that
    would duplicate one ``target`` already has (a unique constraint) stays with ``source``
    and is deleted with it.
    """
    for relation in User._meta.related_objects:
        if relation.related_model is ClaimRequest:
            continue
        if isinstance(relation, ManyToManyRel) and isinstance(relation.field, ManyToManyField):
            model = relation.through
            field_name = relation.field.m2m_reverse_field_name()
        else:
            model = relation.related_model
            field_name = relation.field.name
        if model is not None:
            _move_rows(model, field_name, source, target)
    identity = (source.import_source, source.import_key)
    source.delete()
    if identity[0] and not target.import_source:
        # The claimant is now who the import knows: importing again keeps their history
        # theirs (and leaves their profile alone).
        target.import_source, target.import_key = identity
        target.save(update_fields=["import_source", "import_key"])
    indexing.changed("member", target.pk)


def _move_rows(model: type[Model], field_name: str, source: User, target: User) -> None:
    rows = model._default_manager.filter(**{field_name: source})
    try:
        with transaction.atomic():
            rows.update(**{field_name: target})
        return
    except IntegrityError:
        pass
    for pk in list(rows.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                model._default_manager.filter(pk=pk).update(**{field_name: target})
        except IntegrityError:
            continue
