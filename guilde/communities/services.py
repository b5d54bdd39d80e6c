"""Writes about communities: creation, settings, lifecycle, membership, roles, invitations."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from guilde.accounts.models import Affiliation, Organisation, User
from guilde.accounts.services import digest
from guilde.communities import audit
from guilde.communities.models import (
    Community,
    CommunityInvitation,
    CreationPolicy,
    Membership,
    Tag,
)
from guilde.communities.permissions import is_admin, membership_of, remember_membership
from guilde.core import indexing
from guilde.core.events import publish
from guilde.core.permissions import require

INVITATION_LIFETIME = timedelta(days=30)
MAX_TAGS = 60


def _mail(member: User, subject: str, template: str, context: dict[str, Any]) -> None:
    """A mail to ``member`` in their language, leaving through the queue."""
    if not member.email or not member.is_active:
        return
    with override(member.language or settings.LANGUAGE_CODE):
        body = render_to_string(
            template, {**context, "member": member, "site": settings.GUILDE_SITE_URL}
        )
        EmailMessage(
            f"[Guilde] {_(subject)}", body, to=[member.email]
        ).send()  # subjects are marked with gettext_noop


def _community_url(community: Community, name: str = "communities:detail") -> str:
    return str(settings.GUILDE_SITE_URL) + reverse(name, args=[community.slug])


# Creation and settings -------------------------------------------------------------------


def may_create(actor: Any) -> bool:
    if not actor.is_authenticated:
        return False
    if is_admin(actor):
        return True
    policy = CreationPolicy.current()
    if policy.who == CreationPolicy.Who.ANY_MEMBER:
        return True
    if policy.who == CreationPolicy.Who.ORGANISATIONS:
        return Affiliation.objects.filter(
            member_id=actor.pk, organisation__in=policy.organisations.all()
        ).exists()
    return False


def _unique_slug(name: str, wanted: str = "") -> str:
    base = slugify(wanted or name)[:50] or "community"
    slug, number = base, 1
    while Community.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _set_tags(community: Community, names: Iterable[str]) -> None:
    wanted: dict[str, str] = {}
    for name in names:
        cleaned = " ".join(name.split())[:50]
        slug = slugify(cleaned, allow_unicode=True)[:60]
        if slug:
            wanted.setdefault(slug, cleaned)
    if len(wanted) > MAX_TAGS:
        raise ValidationError(_("At most %(count)s topics."), params={"count": MAX_TAGS})
    Tag.objects.filter(community=community).exclude(slug__in=wanted).delete()
    existing = set(Tag.objects.filter(community=community).values_list("slug", flat=True))
    Tag.objects.bulk_create(
        [
            Tag(community=community, slug=slug, name=name)
            for slug, name in wanted.items()
            if slug not in existing
        ]
    )


def _check_policies(visibility: str, join_policy: str) -> None:
    if visibility == Community.Visibility.HIDDEN and join_policy != Community.JoinPolicy.INVITATION:
        raise ValidationError(_("A hidden community can only be joined by invitation."))


@transaction.atomic
def community_create(
    *,
    actor: User,
    name: str,
    domain: str,
    description: str = "",
    charter: str = "",
    language: str = Community.Language.ENGLISH,
    visibility: str = Community.Visibility.PUBLIC,
    join_policy: str = Community.JoinPolicy.OPEN,
    tags: Iterable[str] = (),
    organisations: Iterable[Organisation] = (),
    slug: str = "",
) -> Community:
    """A new community; its creator is its first coordinator."""
    if not may_create(actor):
        raise PermissionDenied(_("You may not create communities on this instance."))
    _check_policies(visibility, join_policy)
    needs_approval = CreationPolicy.current().requires_approval and not is_admin(actor)
    community = Community(
        name=" ".join(name.split()),
        slug=_unique_slug(name, slug),
        domain=domain.strip(),
        description=description.strip(),
        charter=charter.strip(),
        language=language,
        visibility=visibility,
        join_policy=join_policy,
        status=Community.Status.PENDING if needs_approval else Community.Status.ACTIVE,
        created_by=actor,
    )
    community.full_clean()
    community.save()
    indexing.changed("community", community.pk)
    community.organisations.set(list(organisations))
    _set_tags(community, tags)
    Membership.objects.create(
        community=community,
        member=actor,
        role=Membership.Role.COORDINATOR,
        status=Membership.Status.ACTIVE,
        joined_at=timezone.now(),
    )
    if needs_approval:
        for admin in User.objects.real().filter(is_staff=True):
            _mail(
                admin,
                gettext_noop("A community waits for your approval"),
                "communities/mail/approval_needed.txt",
                {"community": community, "link": _community_url(community)},
            )
    return community


@transaction.atomic
def community_update(
    *,
    actor: User,
    community: Community,
    name: str,
    domain: str,
    description: str,
    charter: str,
    language: str,
    visibility: str,
    join_policy: str,
    newcomer_days: int,
    tags: Iterable[str],
    organisations: Iterable[Organisation],
    related: Iterable[Community] = (),
) -> Community:
    require(actor, "manage", community)
    _check_policies(visibility, join_policy)
    community.name = " ".join(name.split())
    community.domain = domain.strip()
    community.description = description.strip()
    community.charter = charter.strip()
    community.language = language
    community.visibility = visibility
    community.join_policy = join_policy
    community.newcomer_days = newcomer_days
    community.full_clean()
    community.save()
    indexing.changed("community", community.pk)
    community.organisations.set(list(organisations))
    community.related.set([other for other in related if other.pk != community.pk])
    _set_tags(community, tags)
    return community


@transaction.atomic
def knowledge_settings_set(
    *, actor: User, community: Community, verification_days: int, review_article_changes: bool
) -> Community:
    """How long a steward's verification holds; whether members' changes wait for review."""
    require(actor, "manage", community)
    if not 7 <= verification_days <= 3650:
        raise ValidationError(_("Choose between 7 and 3650 days."))
    community.verification_days = verification_days
    community.review_article_changes = review_article_changes
    community.save(update_fields=["verification_days", "review_article_changes"])
    return community


@transaction.atomic
def moderation_settings_set(
    *, actor: User, community: Community, flag_threshold: int, review_first_posts: bool
) -> Community:
    """How many members' flags hide a post (0: none), and whether newcomers' first posts
    wait for a moderator."""
    require(actor, "manage", community)
    if not 0 <= flag_threshold <= 50:
        raise ValidationError(_("Choose between 0 and 50 flags."))
    community.flag_threshold, community.review_first_posts = flag_threshold, review_first_posts
    community.save(update_fields=["flag_threshold", "review_first_posts"])
    return community


def _set_status(community: Community, status: str, **fields: Any) -> Community:
    community.status = status
    for name, value in fields.items():
        setattr(community, name, value)
    community.save(update_fields=["status", *fields])
    indexing.changed("community", community.pk)
    return community


@transaction.atomic
def community_archive(*, actor: User, community: Community) -> Community:
    """Archived: read-only for everyone, still found by those who could see it."""
    require(actor, "manage", community)
    return _set_status(community, Community.Status.ARCHIVED, archived_at=timezone.now())


@transaction.atomic
def community_restore(*, actor: User, community: Community) -> Community:
    require(actor, "restore", community)
    return _set_status(community, Community.Status.ACTIVE, archived_at=None)


@transaction.atomic
def community_delete(*, actor: User, community: Community) -> Community:
    """Administrators delete: the community disappears everywhere (404)."""
    require(actor, "delete", community)
    return _set_status(community, Community.Status.DELETED)


@transaction.atomic
def community_approve(*, actor: User, community: Community) -> Community:
    require(actor, "approve", community)
    _set_status(community, Community.Status.ACTIVE)
    if community.created_by is not None:
        _mail(
            community.created_by,
            gettext_noop("Your community was approved"),
            "communities/mail/community_approved.txt",
            {"community": community, "link": _community_url(community)},
        )
    return community


# Membership --------------------------------------------------------------------------------


def _coordinators(community: Community) -> list[Membership]:
    return list(
        Membership.objects.filter(
            community=community, role=Membership.Role.COORDINATOR, status=Membership.Status.ACTIVE
        ).select_related("member")
    )


@transaction.atomic
def membership_join(*, actor: User, community: Community, message: str = "") -> Membership:
    """Join an open community, or ask to join one that approves its members."""
    require(actor, "join", community)
    now = timezone.now()
    if community.join_policy == Community.JoinPolicy.OPEN:
        membership = Membership(
            community=community, member=actor, status=Membership.Status.ACTIVE, joined_at=now
        )
    else:
        membership = Membership(
            community=community,
            member=actor,
            status=Membership.Status.PENDING,
            message=message.strip()[:2000],
        )
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:
        raise ValidationError(_("You are already in this community.")) from error
    remember_membership(community, actor, membership)
    if membership.is_active:
        publish("member.joined", community_id=community.pk, member_id=actor.pk)
    else:
        publish("join.requested", community_id=community.pk, member_id=actor.pk)
        deciders = Membership.objects.filter(
            community=community,
            status=Membership.Status.ACTIVE,
            role__in=[Membership.Role.COORDINATOR, Membership.Role.MODERATOR],
        ).select_related("member")
        for decider in deciders:
            _mail(
                decider.member,
                gettext_noop("Someone asks to join your community"),
                "communities/mail/join_request.txt",
                {
                    "community": community,
                    "requester": actor,
                    "message": membership.message,
                    "link": _community_url(community, "communities:requests"),
                },
            )
    return membership


@transaction.atomic
def membership_decide(*, actor: User, membership: Membership, approve: bool) -> Membership | None:
    """Approve or decline a request to join; the requester is told by e-mail."""
    community = membership.community
    require(actor, "moderate", community)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    member = membership.member
    publish(
        "membership.decided",
        community_id=community.pk,
        member_id=member.pk,
        approved=approve,
        actor_id=actor.pk,
    )
    if approve:
        membership.status = Membership.Status.ACTIVE
        membership.joined_at = timezone.now()
        membership.save(update_fields=["status", "joined_at"])
        publish("member.joined", community_id=community.pk, member_id=member.pk)
        _mail(
            member,
            gettext_noop("You are now a member"),
            "communities/mail/request_approved.txt",
            {"community": community, "link": _community_url(community)},
        )
        return membership
    membership.delete()
    _mail(
        member,
        gettext_noop("Your request to join was declined"),
        "communities/mail/request_declined.txt",
        {"community": community},
    )
    return None


def _ensure_another_coordinator(membership: Membership) -> None:
    if membership.role != Membership.Role.COORDINATOR or not membership.is_active:
        return
    others = [m for m in _coordinators(membership.community) if m.pk != membership.pk]
    if not others:
        raise ValidationError(
            _("You are the last coordinator: name another coordinator before you step down.")
        )


@transaction.atomic
def membership_leave(*, actor: User, community: Community, successor: User | None = None) -> None:
    """Leave (or withdraw a request). The last coordinator first names a successor."""
    require(actor, "leave", community)
    membership = membership_of(actor, community)
    if membership is None:
        return
    if successor is not None and membership.role == Membership.Role.COORDINATOR:
        heir = Membership.objects.filter(
            community=community, member=successor, status=Membership.Status.ACTIVE
        ).first()
        if heir is None or heir.pk == membership.pk:
            raise ValidationError(_("The successor must be an active member of the community."))
        heir.role = Membership.Role.COORDINATOR
        heir.save(update_fields=["role"])
    _ensure_another_coordinator(membership)
    membership.delete()
    remember_membership(community, actor, None)


@transaction.atomic
def membership_set_role(
    *, actor: User, membership: Membership, role: str, steward: bool | None = None
) -> Membership:
    """Give a member a role, and (``steward``) make them a knowledge steward or not."""
    require(actor, "manage", membership.community)
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    if not membership.is_active:
        raise ValidationError(_("Approve the request before giving a role."))
    if role != Membership.Role.COORDINATOR:
        _ensure_another_coordinator(membership)
    membership.role = role
    if steward is not None:
        membership.steward = steward
    membership.save(update_fields=["role", "steward"])
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    require(actor, "manage", membership.community)
    _ensure_another_coordinator(membership)
    membership.delete()


# Suspensions ------------------------------------------------------------------------------


def _may_act_on(actor: User, membership: Membership) -> None:
    """Moderators act on members; coordinators and administrators also on moderators;
    coordinators are out of reach except for administrators; nobody acts on themself."""
    if membership.member_id == actor.pk:
        raise ValidationError(_("You cannot do this to yourself."))
    if actor.is_staff:
        return
    if membership.role == Membership.Role.COORDINATOR:
        raise PermissionDenied(_("Only an administrator can do this to a coordinator."))
    mine = membership_of(actor, membership.community)
    if membership.role == Membership.Role.MODERATOR and (
        mine is None or mine.role != Membership.Role.COORDINATOR
    ):
        raise PermissionDenied(
            _("Only a coordinator or an administrator can do this to a moderator.")
        )


@transaction.atomic
def membership_suspend(
    *, actor: User, membership: Membership, until: datetime | None, reason: str
) -> Membership:
    """Suspend a member from a community until a moment, or until lifted (``until`` None):
    they still read, but neither post, react nor vote there."""
    community = membership.community
    require(actor, "moderate", community)
    _may_act_on(actor, membership)
    if not membership.is_active:
        raise ValidationError(_("Only members can be suspended."))
    if not reason.strip():
        raise ValidationError(_("Say why: the member will read it."))
    now = timezone.now()
    if until is not None and until <= now:
        raise ValidationError(_("A suspension ends in the future."))
    membership.suspended_at, membership.suspended_until = now, until
    membership.suspension_reason = reason.strip()[:2000]
    membership.save(update_fields=["suspended_at", "suspended_until", "suspension_reason"])
    audit.log(
        actor=actor,
        action=audit.Action.MEMBER_SUSPEND,
        community=community,
        target=membership.member,
        reason=reason,
        details={"until": until.isoformat() if until else None},
    )
    return membership


@transaction.atomic
def membership_unsuspend(*, actor: User, membership: Membership, reason: str = "") -> Membership:
    require(actor, "moderate", membership.community)
    if membership.suspended_at is None:
        raise ValidationError(_("This member is not suspended."))
    membership.suspended_at = membership.suspended_until = None
    membership.suspension_reason = ""
    membership.save(update_fields=["suspended_at", "suspended_until", "suspension_reason"])
    audit.log(
        actor=actor,
        action=audit.Action.MEMBER_UNSUSPEND,
        community=membership.community,
        target=membership.member,
        reason=reason,
    )
    return membership


# Invitations -------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *, actor: User, community: Community, email: str, role: str = Membership.Role.MEMBER
) -> CommunityInvitation:
    """Invite an address; works for people without an account (they sign up from the link)."""
    require(actor, "manage", community)
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    plain = secrets.token_urlsafe(24)
    invitation = CommunityInvitation(
        community=community,
        email=email.strip().lower(),
        role=role,
        digest=digest(plain),
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    publish("invitation.created", invitation_id=invitation.pk)
    link = settings.GUILDE_SITE_URL + reverse("communities:invitation", args=[plain])
    with override(actor.language or community.language or settings.LANGUAGE_CODE):
        body = render_to_string(
            "communities/mail/invitation.txt",
            {
                "community": community,
                "inviter": actor.name,
                "link": link,
                "expires_at": invitation.expires_at,
            },
        )
        subject = _("[Guilde] %(name)s invites you to %(community)s") % {
            "name": actor.name,
            "community": community.name,
        }
    EmailMessage(subject, body, to=[invitation.email]).send()
    return invitation


def invitation_for(plain: str) -> CommunityInvitation | None:
    found = (
        CommunityInvitation.objects.select_related("community")
        .filter(digest=digest(plain))
        .exclude(community__status=Community.Status.DELETED)
        .first()
    )
    return found if found is not None and found.is_open() else None


@transaction.atomic
def invitation_accept(*, invitation: CommunityInvitation, member: User) -> Membership:
    """The invitee joins with the role offered (or keeps a higher one they already have)."""
    if not invitation.is_open():
        raise ValidationError(_("This invitation has expired or was already used."))
    community = invitation.community
    membership, created = Membership.objects.get_or_create(
        community=community,
        member=member,
        defaults={
            "role": invitation.role,
            "status": Membership.Status.ACTIVE,
            "joined_at": timezone.now(),
        },
    )
    joined = created or not membership.is_active
    if not membership.is_active:
        membership.status = Membership.Status.ACTIVE
        membership.joined_at = timezone.now()
        membership.role = invitation.role
        membership.save(update_fields=["status", "joined_at", "role"])
    if joined:
        publish("member.joined", community_id=community.pk, member_id=member.pk)
    CommunityInvitation.objects.filter(pk=invitation.pk).update(
        accepted_by=member, accepted_at=timezone.now()
    )
    remember_membership(community, member, membership)
    return membership
