"""``guilde import-community FILE``: a community archive (see spec.py) into this instance.

The whole archive is checked first — format and version, every entry's size and SHA-256,
nothing missing, nothing unlisted — and only then read, inside one transaction: any bad
line rolls everything back and removes the files already stored, so a refused archive
leaves no trace. Members arrive as placeholders (no password, no e-mail address) that each
person claims by verifying the address they used at the source (see the claim flow).
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf.locale import LANG_INFO
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import DatabaseError, models, transaction
from django.db.models.functions import Lower

from guilde.accounts.models import (
    VISIBLE_FIELDS,
    Affiliation,
    MemberLanguage,
    MemberSkill,
    Organisation,
    User,
    Visibility,
)
from guilde.accounts.services import skill_for_name
from guilde.communities.models import Community
from guilde.core import indexing
from guilde.core.images import stored_square
from guilde.core.markdown import UPLOAD_PREFIX, render
from guilde.importers.archive.export import COMMUNITY_FIELDS
from guilde.importers.archive.spec import DATA, FILES, FORMAT, KINDS, MANIFEST, VERSION, Kind
from guilde.importers.archive.text import rewrite_mentions, rewrite_thread_refs
from guilde.uploads.models import Upload
from guilde.uploads.services import check_stored, safe_name

Progress = Callable[[str, int], object]
CHUNK = 2000


class ArchiveError(Exception):
    """The archive cannot be imported; the message says why, for the person running it."""


@dataclass
class Imported:
    community: Community
    counts: dict[str, int]
    renamed: dict[str, str] = field(default_factory=dict)


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise ArchiveError(
            "This is not a Guilde community archive: it has no manifest.json."
        ) from None
    except (ValueError, zipfile.BadZipFile) as error:
        raise ArchiveError(f"The archive's manifest.json cannot be read: {error}.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"This is not a Guilde community archive (format is not {FORMAT!r}).")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise ArchiveError("The archive's manifest has no valid format version.")
    if version > VERSION:
        raise ArchiveError(
            f"This archive uses format version {version}, newer than this Guilde reads "
            f"(up to version {VERSION}). Upgrade Guilde, then import it again."
        )
    if not isinstance(manifest.get("entries"), dict):
        raise ArchiveError("The archive's manifest lists no entries.")
    return manifest


def verify(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every entry present, listed, of its size and SHA-256; or ArchiveError, before any write."""
    listed: dict[str, Any] = manifest["entries"]
    present = {info.filename for info in archive.infolist() if not info.is_dir()} - {MANIFEST}
    if missing := sorted(set(listed) - present):
        raise ArchiveError(f"The archive is incomplete: {', '.join(missing[:5])} missing.")
    if unlisted := sorted(present - set(listed)):
        raise ArchiveError(f"The archive holds entries its manifest does not list: {unlisted[0]}.")
    known = {f"{DATA}members.jsonl", f"{DATA}community.jsonl", *(kind.file for kind in KINDS)}
    for name in listed:
        if not (name in known or name.startswith(FILES)):
            raise ArchiveError(f"The archive holds an entry this version cannot read: {name}.")
    for name, expected in listed.items():
        digest = hashlib.sha256()
        size = 0
        try:
            with archive.open(name) as stream:
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ArchiveError(
                f"The archive is damaged: {name} cannot be read ({error})."
            ) from error
        if not isinstance(expected, dict) or (
            digest.hexdigest() != expected.get("sha256") or size != expected.get("size")
        ):
            raise ArchiveError(
                f"The archive is damaged or was altered: {name} does not match its checksum."
            )


class _Loader:
    def __init__(
        self,
        archive: zipfile.ZipFile,
        manifest: dict[str, Any],
        slug: str,
        stored: list[tuple[Storage, str]],
        progress: Progress | None,
    ) -> None:
        self.archive = archive
        self.manifest = manifest
        self.slug = slug
        self.stored = stored
        self.progress = progress
        self.ids: dict[str, dict[Any, Any]] = {"members": {}}
        self.counts: dict[str, int] = {}
        self.usernames: set[str] = set()
        self.renamed: dict[str, str] = {}
        self.moved_uploads: dict[str, str] = {}
        self.where = ""

    # Reading ---------------------------------------------------------------------------

    def records(self, name: str) -> Iterator[dict[str, Any]]:
        entry = f"{DATA}{name}.jsonl"
        if entry not in self.manifest["entries"]:
            return  # an older version's archive, without this kind
        seen: set[int | str] = set()
        with self.archive.open(entry) as stream:
            for number, line in enumerate(io.TextIOWrapper(stream, encoding="utf-8"), 1):
                self.where = f"{entry}, line {number}"
                try:
                    record = json.loads(line)
                except ValueError as error:
                    raise ArchiveError(f"{self.where}: not JSON ({error}).") from error
                if not isinstance(record, dict) or not isinstance(record.get("id"), int | str):
                    raise ArchiveError(f"{self.where}: not an object with an id.")
                if record["id"] in seen:
                    raise ArchiveError(f"{self.where}: the id {record['id']!r} is used twice.")
                seen.add(record["id"])
                yield record

    def batches(self, name: str) -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for record in self.records(name):
            batch.append(record)
            if len(batch) == CHUNK:
                yield batch
                batch = []
        if batch:
            yield batch

    def value(self, model: type[models.Model], name: str, raw: Any) -> Any:
        model_field = cast("models.Field[Any, Any]", model._meta.get_field(name))
        try:
            value = model_field.to_python(raw)
        except ValidationError as error:
            raise ArchiveError(
                f"{self.where}: {name} is not valid ({error.messages[0]})"
            ) from error
        if value is None and not model_field.null:
            raise ArchiveError(f"{self.where}: {name} is missing.")
        if isinstance(value, str):
            limit = getattr(model_field, "max_length", None)
            if limit is not None and len(value) > limit:
                raise ArchiveError(f"{self.where}: {name} is longer than {limit} characters.")
            choices = [str(choice) for choice, _label in model_field.choices or ()]
            if choices and value not in choices and not (value == "" and model_field.blank):
                raise ArchiveError(f"{self.where}: {name} {value!r} is not one of {choices}.")
        return value

    def ref(self, target: str, raw: Any, *, null: bool, name: str) -> Any:
        if raw is None:
            if not null:
                raise ArchiveError(f"{self.where}: {name} is missing.")
            return None
        try:
            return self.ids[target][raw]
        except (KeyError, TypeError):
            raise ArchiveError(
                f"{self.where}: {name} points to {target} {raw!r}, not in the archive."
            ) from None

    def file(self, name: Any) -> bytes:
        if not isinstance(name, str) or name not in self.manifest["entries"]:
            raise ArchiveError(f"{self.where}: the file {name!r} is not in the archive.")
        return self.archive.read(name)

    def store(self, field_file: models.fields.files.FieldFile, name: str, data: bytes) -> None:
        field_file.save(name, ContentFile(data), save=False)
        self.stored.append((field_file.storage, field_file.name or ""))

    def text(self, raw: Any) -> str:
        text = rewrite_thread_refs(str(raw or ""), self.ids["threads"].get)
        for old, new in self.moved_uploads.items():
            text = text.replace(f"{UPLOAD_PREFIX}{old}/", f"{UPLOAD_PREFIX}{new}/")
        return rewrite_mentions(text, self.renamed)

    def upload_ids(self) -> None:
        """Uploads keep their UUID (texts carry it) unless this instance has it already (a
        second copy of a community): then they get a new one, and texts follow."""
        names = [n for n in self.manifest["entries"] if n.startswith(f"{FILES}uploads/")]
        try:
            wanted = [uuid.UUID(name.removeprefix(f"{FILES}uploads/")) for name in names]
        except ValueError as error:
            raise ArchiveError("The archive names an upload without a UUID.") from error
        for start in range(0, len(wanted), CHUNK):
            taken = Upload.objects.filter(pk__in=wanted[start : start + CHUNK])
            for pk in taken.values_list("pk", flat=True):
                self.moved_uploads[str(pk)] = str(uuid.uuid4())

    def html(self, text: str) -> str:
        known = self.usernames
        return render(
            text, resolve_usernames=lambda names: [n for n in names if n.lower() in known]
        ).html

    def tick(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count
        if self.progress:
            self.progress(name, count)

    # Members ---------------------------------------------------------------------------

    def members(self, source: str) -> None:
        records = list(self.records("members"))
        wanted = {str(r.get("username", "")).lower() for r in records}
        taken = set(
            User.objects.annotate(lower=Lower("username"))
            .filter(lower__in=wanted)
            .values_list("lower", flat=True)
        )
        members: list[User] = []
        for record in records:
            self.where = f"{DATA}members.jsonl, member {record['id']}"
            original = self.value(User, "username", record.get("username"))
            username = original
            number = 1
            while username.lower() in taken:
                number += 1
                username = f"{original[:26]}-{number}"
            taken.add(username.lower())
            if username != original:
                self.renamed[original.lower()] = username
            self.usernames.add(username.lower())
            shown = record.get("visibility") or {}
            deleted_at = self.value(User, "deleted_at", record.get("deleted_at"))
            member = User(
                username=username,
                display_name=self.value(User, "display_name", record.get("display_name") or ""),
                date_joined=self.value(User, "date_joined", record.get("date_joined")),
                deleted_at=deleted_at,
                is_active=deleted_at is None,
                is_placeholder=deleted_at is None,
                import_source=source if deleted_at is None else "",
                import_key=str(record["id"]) if deleted_at is None else "",
                claim_email_digest=self.value(
                    User, "claim_email_digest", record.get("claim_email_sha256") or ""
                ),
                password=make_password(None),
                field_visibility={
                    name: Visibility(shown.get(name, Visibility.PRIVATE)).value
                    for name in VISIBLE_FIELDS
                }
                if deleted_at is None
                else {},
            )
            for name in ("bio", "location", "time_zone"):
                setattr(member, name, self.value(User, name, record.get(name) or ""))
            if member.time_zone:
                try:
                    member._meta.get_field("time_zone").run_validators(member.time_zone)
                except ValidationError as error:
                    raise ArchiveError(f"{self.where}: {error.messages[0]}") from error
            member.open_to_questions = bool(record.get("open_to_questions"))
            member.open_to_mentor = bool(record.get("open_to_mentor"))
            if record.get("avatar"):
                try:
                    picture = stored_square(self.file(record["avatar"]))
                except ValidationError as error:
                    raise ArchiveError(f"{self.where}: avatar: {error.messages[0]}") from error
                self.store(member.avatar, f"imported-{uuid.uuid4().hex}.webp", picture)
            members.append(member)
        User.objects.bulk_create(members, batch_size=500)
        for record, member in zip(records, members, strict=True):
            self.ids["members"][record["id"]] = member.pk
        self.profiles(records, members)
        self.tick("members", len(members))

    def profiles(self, records: list[dict[str, Any]], members: list[User]) -> None:
        organisations: dict[str, Organisation] = {}
        languages: list[MemberLanguage] = []
        affiliations: list[Affiliation] = []
        skills: list[MemberSkill] = []
        for record, member in zip(records, members, strict=True):
            self.where = f"{DATA}members.jsonl, member {record['id']}"
            for code in record.get("languages") or ():
                if code not in LANG_INFO:
                    raise ArchiveError(f"{self.where}: {code!r} is not a known language code.")
                languages.append(MemberLanguage(member=member, code=code))
            for entry in record.get("organisations") or ():
                organisation = self.organisation(entry, organisations)
                affiliations.append(
                    Affiliation(
                        member=member,
                        organisation=organisation,
                        role=self.value(Affiliation, "role", entry.get("role") or ""),
                        confirmed_by=self.value(
                            Affiliation, "confirmed_by", entry.get("confirmed_by") or ""
                        ),
                        created_at=self.value(Affiliation, "created_at", entry.get("created_at")),
                    )
                )
            for kind, name in (
                (MemberSkill.Kind.SKILL, "skills"),
                (MemberSkill.Kind.INTEREST, "interests"),
                (MemberSkill.Kind.LEARNING, "learning_goals"),
            ):
                terms = {}
                for term in record.get(name) or ():
                    try:
                        skill = skill_for_name(str(term))
                    except ValidationError as error:
                        raise ArchiveError(f"{self.where}: {error.messages[0]}") from error
                    terms[skill.pk] = skill
                levels = record.get("skill_levels") or {}
                if kind != MemberSkill.Kind.SKILL:
                    levels = {}
                elif not isinstance(levels, dict):
                    raise ArchiveError(f"{self.where}: skill_levels must map skills to levels.")
                for term, level in levels.items():
                    if level not in MemberSkill.Level.values:
                        raise ArchiveError(f"{self.where}: {level!r} is not a skill level.")
                    if term not in (record.get(name) or ()):
                        raise ArchiveError(f"{self.where}: a level for {term!r}, not a skill.")
                named = {skill_for_name(str(term)).pk: level for term, level in levels.items()}
                skills += [
                    MemberSkill(member=member, skill=s, kind=kind, level=named.get(s.pk, ""))
                    for s in terms.values()
                ]
        MemberLanguage.objects.bulk_create(languages, batch_size=CHUNK)
        Affiliation.objects.bulk_create(affiliations, batch_size=CHUNK)
        MemberSkill.objects.bulk_create(skills, batch_size=CHUNK)

    def organisation(self, entry: Any, known: dict[str, Organisation]) -> Organisation:
        if not isinstance(entry, dict):
            raise ArchiveError(f"{self.where}: an organisation is not an object.")
        slug = self.value(Organisation, "slug", entry.get("slug"))
        if slug not in known:
            name = self.value(Organisation, "name", entry.get("name") or slug)
            known[slug], _created = Organisation.objects.get_or_create(
                slug=slug, defaults={"name": name}
            )
        return known[slug]

    # The community and its objects ---------------------------------------------------

    def community(self) -> Community:
        record = next(self.records("community"), None)
        if record is None:
            raise ArchiveError("The archive holds no community.")
        values = {name: self.value(Community, name, record.get(name)) for name in COMMUNITY_FIELDS}
        if values["status"] == Community.Status.DELETED:
            raise ArchiveError("The archive's community was deleted; there is nothing to import.")
        values["slug"] = self.slug
        community = Community(**values)
        community.created_by_id = self.ref(
            "members", record.get("created_by"), null=True, name="created_by"
        )
        try:
            community.full_clean(exclude=["created_by", "organisations", "related"])
        except ValidationError as error:
            raise ArchiveError(f"{self.where}: {'; '.join(error.messages)}") from error
        community.save()
        known: dict[str, Organisation] = {}
        community.organisations.set(
            [self.organisation(entry, known) for entry in record.get("organisations") or ()]
        )
        self.tick("community", 1)
        return community

    def kind(self, kind: Kind, community: Community) -> list[tuple[int, str, str, Any]]:
        """Create ``kind``'s objects; returns the references to set afterwards."""
        meta = kind.model._meta
        own: dict[Any, Any] = {}
        self.ids[kind.name] = own
        later: list[tuple[int, str, str, Any]] = []
        for batch in self.batches(kind.name):
            objects = []
            for record in batch:
                self.where = f"{kind.file}, {kind.name} {record['id']}"
                obj = kind.model()
                if "community" in kind.not_exported:
                    obj.community = community  # type: ignore[attr-defined]
                for name in kind.fields:
                    if name in record:
                        setattr(obj, name, self.value(kind.model, name, record[name]))
                    # else: an older archive, without this field: the model's default.
                for name, target in kind.refs.items():
                    null = meta.get_field(name).null
                    setattr(
                        obj, f"{name}_id", self.ref(target, record.get(name), null=null, name=name)
                    )
                for name, html in kind.markdown.items():
                    text = self.text(record.get(name))
                    setattr(obj, name, self.value(kind.model, name, text))
                    if html:
                        setattr(obj, html, self.html(text))
                if kind.name == "articles" and record.get("source_type") == "thread":
                    obj.source_id = self.ids["threads"].get(record.get("source_id"))  # type: ignore[attr-defined]
                if kind.name == "uploads":
                    self.upload(obj, record, community)  # type: ignore[arg-type]
                objects.append(obj)
            kind.model._default_manager.bulk_create(objects)
            through_rows: dict[str, list[Any]] = {}
            for record, obj in zip(batch, objects, strict=True):
                own[record["id"]] = obj.pk
                for name, target in kind.later.items():
                    if record.get(name) is not None:
                        later.append((obj.pk, name, target, record[name]))
                for name, target in kind.many.items():
                    through, own_column, other_column = kind.through(name)
                    rows = through_rows.setdefault(name, [])
                    self.where = f"{kind.file}, {kind.name} {record['id']}"
                    for value in record.get(name) or ():
                        other = self.ref(target, value, null=False, name=name)
                        rows.append(through(**{own_column: obj.pk, other_column: other}))
            for name, rows in through_rows.items():
                kind.through(name)[0]._default_manager.bulk_create(rows, batch_size=CHUNK)
            self.tick(kind.name, len(objects))
        self.counts.setdefault(kind.name, 0)
        return later

    def upload(self, upload: Upload, record: dict[str, Any], community: Community) -> None:
        try:
            original = str(uuid.UUID(str(record["id"])))
        except ValueError as error:
            raise ArchiveError(f"{self.where}: an upload's id is not a UUID.") from error
        data = self.file(f"{FILES}uploads/{original}")
        upload.id = uuid.UUID(self.moved_uploads.get(original, original))
        try:
            checked = check_stored(data, upload.name)
        except ValidationError as error:
            raise ArchiveError(f"{self.where}: {upload.name}: {error.messages[0]}") from error
        upload.community = community
        upload.name = safe_name(upload.name, checked.extension)
        upload.content_type = checked.content_type
        upload.kind = checked.kind
        upload.size = len(checked.content)
        upload.width, upload.height = checked.width, checked.height
        upload.sha256 = hashlib.sha256(checked.content).hexdigest()
        self.store(upload.file, upload.name, checked.content)

    def link_later(self, kind: Kind, later: list[tuple[int, str, str, Any]]) -> None:
        self.where = kind.file
        by_field: dict[str, list[models.Model]] = {}
        for pk, name, target, raw in later:
            obj = kind.model(pk=pk)
            setattr(obj, f"{name}_id", self.ref(target, raw, null=True, name=name))
            by_field.setdefault(name, []).append(obj)
        for name, objects in by_field.items():
            kind.model._default_manager.bulk_update(objects, [name], batch_size=CHUNK)

    def run(self, source: str) -> Community:
        self.upload_ids()
        self.members(source)
        community = self.community()
        pending = [(kind, self.kind(kind, community)) for kind in KINDS]
        for kind, later in pending:
            self.link_later(kind, later)
        return community


def _source(manifest: dict[str, Any]) -> str:
    origin = manifest.get("source")
    if not isinstance(origin, dict):
        origin = {}
    host = urlsplit(str(origin.get("instance", ""))).netloc or "archive"
    return f"{host}/c/{origin.get('community', '')}"


def _check_new(slug: str) -> None:
    if Community.objects.filter(slug=slug).exists():
        raise ArchiveError(
            f"A community with the short name {slug!r} exists on this instance: "
            "import under another one with --slug."
        )


def import_community(path: Path, *, slug: str = "", progress: Progress | None = None) -> Imported:
    """Import the archive at ``path`` as a new community; ArchiveError says why not."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ArchiveError(f"{path} is not a readable zip archive ({error}).") from error
    stored: list[tuple[Storage, str]] = []
    with archive:
        manifest = read_manifest(archive)
        verify(archive, manifest)
        source = _source(manifest)
        loader = _Loader(archive, manifest, slug, stored, progress)
        try:
            with transaction.atomic():
                if not slug:
                    first = next(loader.records("community"), None) or {}
                    loader.slug = str(first.get("slug") or "")
                _check_new(loader.slug)
                community = loader.run(f"{source}:{loader.slug}"[:100])
        except (DatabaseError, ValidationError, ValueError, TypeError, AttributeError) as error:
            _remove(stored)
            raise ArchiveError(f"{loader.where}: cannot be imported ({error}).") from error
        except BaseException:
            _remove(stored)
            raise
    indexing.changed("community_content", community.pk)
    return Imported(community=community, counts=loader.counts, renamed=loader.renamed)


def _remove(stored: list[tuple[Storage, str]]) -> None:
    for storage, name in stored:
        if name:
            storage.delete(name)
