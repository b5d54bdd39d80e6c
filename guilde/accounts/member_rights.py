"""Members' rights: download all my data, delete my account.

Both walk the registry of :mod:`guilde.accounts.rights`, which every app fills for its own
models, so that a feature added later is exported and erased by the same two services.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from guilde.accounts import rights
from guilde.accounts.models import DataExport, User
from guilde.core.images import delete_files_on_commit

EXPORT_FORMAT_VERSION = 1
EXPORT_LIFETIME = timedelta(days=7)


def export_request(*, actor: User, member: User) -> DataExport:
    """Ask for a data export; the worker builds it and mails a link. One at a time."""
    if actor.pk != member.pk:
        raise PermissionDenied(_("Only you can download your data."))
    pending = DataExport.objects.filter(member=member, status=DataExport.Status.PENDING).first()
    if pending is not None:
        return pending
    from guilde.accounts.tasks import build_data_export

    with transaction.atomic():
        export = DataExport.objects.create(member=member)
        build_data_export.enqueue(export.pk)
    return export


def export_archive(member: User) -> bytes:
    """The zip of everything ``member`` owns: one JSON file per part, and their files."""
    parts = {name: build(member) for name, build in sorted(rights.exporters().items())}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files: list[str] = []
        for collect in rights.file_collectors():
            for arcname, stored in collect(member):
                with stored.open("rb") as content:
                    archive.writestr(f"files/{arcname}", content.read())
                files.append(f"files/{arcname}")
        for name, value in parts.items():
            archive.writestr(
                f"{name}.json",
                json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            )
        manifest = {
            "format": "guilde-member-export",
            "version": EXPORT_FORMAT_VERSION,
            "generated_at": timezone.now(),
            "member": member.username,
            "parts": sorted(parts),
            "files": files,
        }
        archive.writestr(
            "manifest.json",
            json.dumps(manifest, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        )
    return buffer.getvalue()


def export_build(export: DataExport) -> DataExport:
    """Build ``export`` now (the worker calls this) and mail the member a link."""
    member = export.member
    content = export_archive(member)
    export.file.save(f"{member.pk}/{uuid.uuid4().hex}.zip", ContentFile(content), save=False)
    export.size = len(content)
    export.status = DataExport.Status.READY
    export.finished_at = timezone.now()
    export.expires_at = export.finished_at + EXPORT_LIFETIME
    with transaction.atomic():
        export.save()
        if member.email:
            link = settings.GUILDE_SITE_URL + reverse("accounts:settings_data")
            with override(member.language or settings.LANGUAGE_CODE):
                subject = _("[Guilde] Your data is ready to download")
                body = render_to_string(
                    "accounts/mail/export_ready.txt",
                    {"member": member, "link": link, "expires_at": export.expires_at},
                )
            EmailMessage(subject, body, to=[member.email]).send()
    return export


def export_for_download(*, viewer: User, export_id: int) -> DataExport:
    """The member's own ready, unexpired export; anything else is a 404."""
    export = DataExport.objects.filter(
        pk=export_id,
        member_id=viewer.pk,
        status=DataExport.Status.READY,
        expires_at__gt=timezone.now(),
    ).first()
    if export is None or not viewer.is_authenticated:
        raise Http404
    return export


def _identifiers(member: User) -> tuple[str, ...]:
    from allauth.account.models import EmailAddress

    values = {member.username, member.email, member.display_name}
    values.update(EmailAddress.objects.filter(user=member).values_list("email", flat=True))
    return tuple(sorted(value for value in values if value and len(value) >= 3))


def account_delete(*, actor: User, member: User, keep_contributions: bool) -> None:
    """Delete ``member``'s account; personal data goes everywhere, whatever the choice.

    ``keep_contributions``: what they gave the communities stays, signed "deleted member";
    otherwise it is erased with the account. Every app's deletion step runs first, in one
    transaction; stored files go once it commits.
    """
    if actor.pk != member.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only you, or an administrator, can delete this account."))
    if member.deleted_at is not None:
        return
    context = rights.DeletionContext(
        member=member,
        keep_contributions=keep_contributions,
        identifiers=_identifiers(member),
    )
    files = [member.avatar.name] if member.avatar.name else []
    with transaction.atomic():
        for step in rights.deletion_handlers():
            step(context)
        if keep_contributions:
            _anonymise(member)
        else:
            member.delete()
        delete_files_on_commit(User.avatar.field.storage, files)


def _anonymise(member: User) -> None:
    member.username = f"deleted-{member.pk}"
    member.email = ""
    member.display_name = ""
    member.bio = ""
    member.location = ""
    member.time_zone = ""
    member.avatar = ""
    member.field_visibility = {}
    member.language = ""
    member.analytics_consent = False
    member.open_to_questions = False
    member.open_to_mentor = False
    member.is_active = False
    member.is_staff = False
    member.is_superuser = False
    member.last_login = None
    member.import_source = ""
    member.import_key = ""
    member.claim_email_digest = ""
    member.deleted_at = timezone.now()
    member.set_unusable_password()
    member.save()
    member.groups.clear()
    member.user_permissions.clear()
