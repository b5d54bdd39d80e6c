"""What the accounts app, the plumbing and third-party apps hold about members.

See :mod:`guilde.accounts.rights` for the rules; later apps add their own module.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, TextField
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Cast
from django_tasks_db.models import DBTaskResult

from guilde.accounts.models import (
    Affiliation,
    ClaimRequest,
    DataExport,
    Invitation,
    MemberLanguage,
    MemberSkill,
    PersonalAccessToken,
    User,
)
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    file_collector,
    on_account_deletion,
)
from guilde.core.images import delete_files_on_commit

# Third-party and plumbing models.
classify("auth.Permission", Handling.NONE, "permission names")
classify("auth.Group", Handling.NONE, "group names; memberships go with the account")
classify("contenttypes.ContentType", Handling.NONE, "model names")
classify("sessions.Session", Handling.CUSTOM, "deleted through the member's tracked sessions")
classify(
    "admin.LogEntry",
    Handling.CUSTOM,
    "entries about the member are deleted; entries by an administrator who leaves follow "
    "the account (kept under 'deleted member' or deleted)",
)
classify("core.ScheduledRun", Handling.NONE, "scheduler claims")
classify("core.WorkerHeartbeat", Handling.NONE, "worker processes")
classify(
    "django_tasks_database.DBTaskResult",
    Handling.CUSTOM,
    "queued or finished tasks whose arguments name the member (mails to them) are deleted",
)
classify(
    "account.EmailAddress", Handling.OWNED, "the member's addresses", export_part="email_addresses"
)
classify(
    "account.EmailConfirmation",
    Handling.CUSTOM,
    "allauth's stored confirmation keys (unused: confirmations are signed links); deleted "
    "with the e-mail addresses they belong to",
)
classify(
    "socialaccount.SocialAccount",
    Handling.OWNED,
    "single sign-on identities: the provider, the member's id there, the claims it sent",
    export_part="sso_accounts",
    owner_field="user",
)
classify(
    "socialaccount.SocialToken",
    Handling.CUSTOM,
    "a provider's access tokens (Guilde keeps none: SOCIALACCOUNT_STORE_TOKENS is off); "
    "deleted with their identity, never exported: they are credentials",
)
classify("socialaccount.SocialApp", Handling.NONE, "single sign-on providers' configuration")
classify(
    "usersessions.UserSession",
    Handling.OWNED,
    "signed-in sessions (address, browser)",
    export_part="sessions",
)

# The accounts app.
classify(
    "accounts.User", Handling.CUSTOM, "the account: anonymised or deleted", export_part="profile"
)
classify("accounts.InstanceSettings", Handling.NONE, "instance configuration")
classify("accounts.IdentityProvider", Handling.NONE, "single sign-on configuration")
classify("accounts.IdentityProviderGroupRole", Handling.NONE, "single sign-on configuration")
classify("accounts.Organisation", Handling.NONE, "organisations are not people")
classify("accounts.Skill", Handling.NONE, "the shared vocabulary")
classify(
    "accounts.Affiliation", Handling.OWNED, "profile: organisations", export_part="organisations"
)
classify("accounts.MemberSkill", Handling.OWNED, "profile: skills", export_part="skills")
classify("accounts.MemberLanguage", Handling.OWNED, "profile: languages", export_part="languages")
classify("accounts.PersonalAccessToken", Handling.OWNED, "API tokens", export_part="tokens")
classify("accounts.DataExport", Handling.OWNED, "earlier exports", export_part="data_exports")
classify(
    "accounts.ClaimRequest",
    Handling.OWNED,
    "claims of imported members",
    export_part="claims",
    owner_field="claimant",
)
classify(
    "accounts.Invitation",
    Handling.CUSTOM,
    "invitations to the member's address are deleted; those they sent stay, as the "
    "invitees' records, without their name",
    export_part="invitations_sent",
    owner_field="invited_by",
)


@on_account_deletion(order=10)
def delete_owned_rows(context: DeletionContext) -> None:
    member = context.member
    for model in (Affiliation, MemberSkill, MemberLanguage, PersonalAccessToken, ClaimRequest):
        model._default_manager.filter(**{_member_field(model): member}).delete()
    exports = DataExport.objects.filter(member=member)
    names = [export.file.name for export in exports if export.file.name]
    exports.delete()
    delete_files_on_commit(DataExport.file.field.storage, names)
    addresses = [a for a in context.identifiers if "@" in a]
    Invitation.objects.filter(email__in=[a.lower() for a in addresses]).delete()
    Invitation.objects.filter(accepted_by=member).update(accepted_by=None)
    Invitation.objects.filter(invited_by=member).update(invited_by=None)
    EmailAddress.objects.filter(user=member).delete()


def _member_field(model: type[Any]) -> str:
    return "claimant" if model is ClaimRequest else "member"


@on_account_deletion(order=15)
def delete_sso_identities(context: DeletionContext) -> None:
    """Their single sign-on identities (and any token, with them): signing in through the
    provider again starts a new account."""
    SocialAccount.objects.filter(user=context.member).delete()


@on_account_deletion(order=20)
def end_sessions(context: DeletionContext) -> None:
    for session in UserSession.objects.filter(user=context.member):
        session.end()
    UserSession.objects.filter(user=context.member).delete()


@on_account_deletion(order=30)
def forget_in_admin_log_and_task_queue(context: DeletionContext) -> None:
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(context.member.pk),
    ).delete()
    if context.identifiers:
        mentions = Q()
        for value in context.identifiers:
            mentions |= Q(arguments__icontains=value)
        DBTaskResult.objects.annotate(arguments=Cast("args_kwargs", TextField())).filter(
            mentions
        ).delete()


@exporter("profile")
def export_profile(member: User) -> dict[str, Any]:
    return {
        "id": member.pk,
        "username": member.username,
        "email": member.email,
        "display_name": member.display_name,
        "bio": member.bio,
        "location": member.location,
        "time_zone": member.time_zone,
        "open_to_questions": member.open_to_questions,
        "open_to_mentor": member.open_to_mentor,
        "field_visibility": member.field_visibility,
        "interface_language": member.language,
        "analytics_consent": member.analytics_consent,
        "date_joined": member.date_joined,
        "last_login": member.last_login,
        "imported_from": member.import_source,
    }


@exporter("email_addresses")
def export_email_addresses(member: User) -> list[dict[str, Any]]:
    return [
        {"id": a.pk, "email": a.email, "verified": a.verified, "primary": a.primary}
        for a in EmailAddress.objects.filter(user=member).order_by("pk")
    ]


@exporter("sso_accounts")
def export_sso_accounts(member: User) -> list[dict[str, Any]]:
    from guilde.accounts.sso.claims import claims_of

    return [
        {
            "id": a.pk,
            "provider": a.provider,
            "uid": a.uid,
            "claims": claims_of(a.extra_data),
            "date_joined": a.date_joined,
            "last_login": a.last_login,
        }
        for a in SocialAccount.objects.filter(user=member).order_by("pk")
    ]


@exporter("sessions")
def export_sessions(member: User) -> list[dict[str, Any]]:
    return [
        {"id": s.pk, "ip": s.ip, "user_agent": s.user_agent, "created_at": s.created_at}
        for s in UserSession.objects.filter(user=member).order_by("pk")
    ]


@exporter("organisations")
def export_organisations(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "organisation": a.organisation.name,
            "role": a.role,
            "confirmed_by": a.confirmed_by,
        }
        for a in Affiliation.objects.filter(member=member).select_related("organisation")
    ]


@exporter("skills")
def export_skills(member: User) -> list[dict[str, Any]]:
    return [
        {"id": s.pk, "name": s.skill.name, "kind": s.kind}
        for s in MemberSkill.objects.filter(member=member).select_related("skill")
    ]


@exporter("languages")
def export_languages(member: User) -> list[dict[str, Any]]:
    return [
        {"id": lang.pk, "code": lang.code} for lang in MemberLanguage.objects.filter(member=member)
    ]


@exporter("tokens")
def export_tokens(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": t.pk,
            "name": t.name,
            "scope": t.scope,
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "expires_at": t.expires_at,
            "revoked_at": t.revoked_at,
        }
        for t in PersonalAccessToken.objects.filter(member=member)
    ]


@exporter("data_exports")
def export_data_exports(member: User) -> list[dict[str, Any]]:
    return [
        {"id": e.pk, "status": e.status, "created_at": e.created_at}
        for e in DataExport.objects.filter(member=member)
    ]


@exporter("claims")
def export_claims(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "imported_member": c.placeholder_label,
            "status": c.status,
            "message": c.message,
        }
        for c in ClaimRequest.objects.filter(claimant=member)
    ]


@exporter("invitations_sent")
def export_invitations(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": i.pk,
            "email": i.email,
            "created_at": i.created_at,
            "accepted": i.accepted_at is not None,
        }
        for i in Invitation.objects.filter(invited_by=member)
    ]


@file_collector
def collect_avatar(member: User) -> list[tuple[str, FieldFile]]:
    return [("avatar.webp", member.avatar)] if member.avatar else []
