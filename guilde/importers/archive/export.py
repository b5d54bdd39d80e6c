"""``guilde export-community SLUG FILE``: one community in a portable archive (see spec.py)."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Prefetch
from django.db.models.fields.files import FieldFile
from django.utils import timezone

import guilde
from guilde.accounts.models import VISIBLE_FIELDS, Affiliation, MemberSkill, User, Visibility
from guilde.accounts.services import email_digest
from guilde.communities.models import Community, Membership
from guilde.importers.archive.spec import DATA, FILES, FORMAT, KINDS, MANIFEST, VERSION, Kind
from guilde.importers.archive.text import rewrite_thread_refs
from guilde.uploads.models import Upload

Progress = Callable[[str, int], object]
CHUNK = 2000

COMMUNITY_FIELDS = (
    "name",
    "slug",
    "domain",
    "description",
    "charter",
    "language",
    "visibility",
    "join_policy",
    "status",
    "newcomer_days",
    "flag_threshold",
    "review_first_posts",
    "verification_days",
    "review_article_changes",
    "created_at",
    "archived_at",
)
COMMUNITY_NOT_EXPORTED = {
    "related": "other communities of the source instance",
    "organisations": "travel as slugs and names in 'organisations'",
    "created_by": "travels as the reference 'created_by'",
}


def encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    return value


class _Hashing:
    """A writable zip entry that counts and hashes what goes through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.sha256.update(data)
        self.size += len(data)
        self.stream.write(data)


class _Writer:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.entries: dict[str, dict[str, Any]] = {}

    def lines(self, name: str, records: Iterable[dict[str, Any]]) -> int:
        count = 0
        with self.archive.open(name, "w", force_zip64=True) as stream:
            out = _Hashing(stream)
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n")
                count += 1
        self.entries[name] = {"sha256": out.sha256.hexdigest(), "size": out.size}
        return count

    def file(self, name: str, source: IO[bytes]) -> None:
        with self.archive.open(name, "w", force_zip64=True) as stream:
            out = _Hashing(stream)
            while chunk := source.read(1 << 20):
                out.write(chunk)
        self.entries[name] = {"sha256": out.sha256.hexdigest(), "size": out.size}


def _member_pks(community: Community) -> list[int]:
    pks: set[int] = set(
        Membership.objects.filter(community=community).values_list("member_id", flat=True)
    )
    if community.created_by_id is not None:
        pks.add(community.created_by_id)
    for kind in KINDS:
        for name, target in {**kind.refs, **kind.later}.items():
            if target == "members":
                pks.update(
                    kind.rows(community)
                    .exclude(**{f"{name}_id": None})
                    .values_list(f"{name}_id", flat=True)
                    .distinct()
                    .order_by()
                )
    return sorted(pks)


def _claim_digest(member: User) -> str:
    """What lets the member alone claim their past on the new instance (never the address)."""
    if member.is_placeholder:
        return member.claim_email_digest
    addresses = sorted(
        (not a.primary, a.email)
        for a in member.emailaddress_set.all()  # type: ignore[attr-defined]
        if a.verified
    )
    return email_digest(addresses[0][1]) if addresses else ""


def _member_record(member: User, archive_id: int, avatars: dict[str, FieldFile]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": archive_id,
        "username": member.username,
        "display_name": member.display_name,
        "date_joined": encode(member.date_joined),
        "deleted_at": encode(member.deleted_at),
    }
    if member.deleted_at is not None:
        return record
    record["claim_email_sha256"] = _claim_digest(member)
    shown = {
        name: member.visibility_of(name).value
        for name in VISIBLE_FIELDS
        if member.visibility_of(name) != Visibility.PRIVATE
    }
    record["visibility"] = shown
    for name in ("bio", "location", "time_zone"):
        if name in shown:
            record[name] = getattr(member, name)
    if "languages" in shown:
        record["languages"] = sorted(lang.code for lang in member.spoken_languages.all())
    if "organisations" in shown:
        record["organisations"] = sorted(
            (
                {
                    "slug": a.organisation.slug,
                    "name": a.organisation.name,
                    "role": a.role,
                    "confirmed_by": a.confirmed_by,
                    "created_at": encode(a.created_at),
                }
                for a in member.affiliations.all()
            ),
            key=lambda a: a["slug"],
        )
    by_kind: dict[str, list[str]] = defaultdict(list)
    levels: dict[str, str] = {}
    for member_skill in member.member_skills.all():
        by_kind[member_skill.kind].append(member_skill.skill.name)
        if member_skill.kind == "skill" and member_skill.level:
            levels[member_skill.skill.name] = member_skill.level
    if "skills" in shown and levels:
        record["skill_levels"] = dict(sorted(levels.items()))
    for kind, name in (
        ("skill", "skills"),
        ("interest", "interests"),
        ("learning", "learning_goals"),
    ):
        if name in shown:
            record[name] = sorted(by_kind[kind])
    if "availability" in shown:
        record["open_to_questions"] = member.open_to_questions
        record["open_to_mentor"] = member.open_to_mentor
    if "avatar" in shown and member.avatar:
        name = f"{FILES}avatars/{archive_id}{os.path.splitext(member.avatar.name or '')[1]}"
        avatars[name] = member.avatar
        record["avatar"] = name
    return record


def _members(
    member_ids: dict[int, int], avatars: dict[str, FieldFile], progress: Progress | None
) -> Iterator[dict[str, Any]]:
    pks = list(member_ids)
    for start in range(0, len(pks), CHUNK):
        batch = (
            User.objects.filter(pk__in=pks[start : start + CHUNK])
            .order_by("pk")
            .prefetch_related(
                "spoken_languages",
                Prefetch("affiliations", Affiliation.objects.select_related("organisation")),
                Prefetch("member_skills", MemberSkill.objects.select_related("skill")),
                Prefetch("emailaddress_set", EmailAddress.objects.all()),
            )
        )
        for member in batch:
            yield _member_record(member, member_ids[member.pk], avatars)
        if progress:
            progress("members", len(batch))


def _community_record(community: Community, ids: dict[str, dict[Any, Any]]) -> dict[str, Any]:
    record = {name: encode(getattr(community, name)) for name in COMMUNITY_FIELDS}
    record["id"] = 1
    record["created_by"] = ids["members"].get(community.created_by_id)
    record["organisations"] = [
        {"slug": org.slug, "name": org.name} for org in community.organisations.order_by("slug")
    ]
    return record


def _many(kind: Kind, community: Community) -> dict[str, dict[Any, list[Any]]]:
    """For each many-to-many field: object pk → the related pks."""
    found: dict[str, dict[Any, list[Any]]] = {}
    for name in kind.many:
        through, own, other = kind.through(name)
        pairs: dict[Any, list[Any]] = defaultdict(list)
        rows = through._default_manager.filter(**{f"{own}__in": kind.rows(community).values("pk")})
        for own_id, other_id in rows.values_list(own, other).order_by().iterator(CHUNK):
            pairs[own_id].append(other_id)
        found[name] = pairs
    return found


def _records(
    kind: Kind, community: Community, ids: dict[str, dict[Any, Any]], progress: Progress | None
) -> Iterator[dict[str, Any]]:
    links = {**kind.refs, **kind.later}
    columns = ["pk", *kind.fields, *(f"{name}_id" for name in links), *kind.markdown]
    many = _many(kind, community)
    own = ids[kind.name]
    threads = ids["threads"]
    done = 0
    for row in kind.rows(community).order_by("pk").values(*columns).iterator(CHUNK):
        if row["pk"] not in own:
            continue  # left out: it needs something outside the community
        record: dict[str, Any] = {"id": own[row["pk"]]}
        for name in kind.fields:
            record[name] = encode(row[name])
        for name, target in links.items():
            value = row[f"{name}_id"]
            record[name] = None if value is None else ids[target].get(value)
        for name, target in kind.many.items():
            # Like a single reference, one outside the archive is left out (a person to
            # avoid who has nothing to do with the community).
            known = ids[target]
            record[name] = sorted(known[pk] for pk in many[name].get(row["pk"], ()) if pk in known)
        for name in kind.markdown:
            record[name] = rewrite_thread_refs(row[name], threads.get)
        if kind.name == "articles" and row["source_type"] == "thread":
            record["source_id"] = threads.get(row["source_id"])
        yield record
        done += 1
        if progress and done % CHUNK == 0:
            progress(kind.name, CHUNK)
    if progress:
        progress(kind.name, done % CHUNK)


def _left_out(kind: Kind, community: Community, ids: dict[str, dict[Any, Any]]) -> set[Any]:
    """Objects of ``kind`` that point outside the archive where they must not."""
    needed = {
        name: target
        for name, target in kind.refs.items()
        if not kind.model._meta.get_field(name).null or name in kind.needed
    }
    if not needed:
        return set()
    gone: set[Any] = set()
    columns = ["pk", *(f"{name}_id" for name in needed)]
    for row in kind.rows(community).values_list(*columns).order_by().iterator(CHUNK):
        for value, target in zip(row[1:], needed.values(), strict=True):
            if value is not None and value not in ids[target]:
                gone.add(row[0])
    return gone


def _ids(community: Community, member_pks: list[int]) -> dict[str, dict[Any, Any]]:
    ids: dict[str, dict[Any, Any]] = {"members": {pk: n for n, pk in enumerate(member_pks, 1)}}
    for kind in KINDS:
        pks = kind.rows(community).order_by("pk").values_list("pk", flat=True).iterator(CHUNK)
        if kind.name == "uploads":
            ids[kind.name] = {pk: str(pk) for pk in pks}
        else:
            ids[kind.name] = {pk: n for n, pk in enumerate(pks, 1)}
    # Leaving an object out may leave out those that need it (a path step of a section…):
    # kinds come after what they point to, so one pass in order settles it.
    for kind in KINDS:
        gone = _left_out(kind, community, ids)
        if gone:
            kept = [pk for pk in ids[kind.name] if pk not in gone]
            ids[kind.name] = {pk: n for n, pk in enumerate(kept, 1)}
    return ids


def export_community(
    community: Community, path: Path, *, progress: Progress | None = None
) -> dict[str, int]:
    """Write ``community`` to the archive at ``path``; returns the count of each kind."""
    member_pks = _member_pks(community)
    ids = _ids(community, member_pks)
    counts: dict[str, int] = {}
    partial = path.with_name(path.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            writer = _Writer(archive)
            avatars: dict[str, FieldFile] = {}
            counts["members"] = writer.lines(
                f"{DATA}members.jsonl", _members(ids["members"], avatars, progress)
            )
            for name, avatar in avatars.items():
                with avatar.open("rb") as source:
                    writer.file(name, source)
            counts["community"] = writer.lines(
                f"{DATA}community.jsonl", [_community_record(community, ids)]
            )
            for kind in KINDS:
                counts[kind.name] = writer.lines(
                    kind.file, _records(kind, community, ids, progress)
                )
            for upload in Upload.objects.filter(pk__in=list(ids["uploads"])).order_by("pk"):
                with upload.file.open("rb") as source:
                    writer.file(f"{FILES}uploads/{upload.pk}", source)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": encode(timezone.now()),
                "generator": f"Guilde {guilde.__version__}",
                "source": {"instance": settings.GUILDE_SITE_URL, "community": community.slug},
                "counts": counts,
                "entries": dict(sorted(writer.entries.items())),
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return counts
