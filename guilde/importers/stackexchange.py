"""Import a Stack Exchange site dump (``site.7z`` or its extracted XML files).

The whole dump is read and checked first (every file parsed to its end); nothing is
written before. Then each file is imported in dependency order — Users, Tags, Posts,
PostHistory, Comments, Votes, PostLinks, Badges — in transactions of about
:data:`BATCH` rows, so the site keeps serving (SQLite) and a failure leaves whole batches
behind. Every imported object is recorded in :class:`~guilde.importers.models.ImportedObject`
with a digest of its source values: running again adds what is new, updates what changed
and writes nothing else — so a failed import is resumed by running it again, and
:func:`remove` takes an import back out.

Decisions (see ARCHITECTURE.md, "Imports"):

- Users become placeholder members (no login; claimable), members of the community.
- Bodies: the Markdown source from PostHistory when the dump has it (what the author
  typed), otherwise the HTML body converted with markdownify; then Guilde's own pipeline
  (markdown-it-py and nh3) renders it, like any post.
- Comments become :class:`~guilde.discussions.models.Comment` rows under their post (not
  replies: on a question, every reply is an answer).
- Votes: up and down votes become anonymous dated votes (a dump keeps only the day: each
  is dated at the end of its day); the score is their sum. The accepted answer comes from
  the question's ``AcceptedAnswerId``, accepted at the end of the day of the
  ``AcceptedByOriginator`` vote.
- Post history: every edit of a title or body becomes a revision holding what it replaced.
  Closed and locked states come from the last close/reopen and lock/unlock events.
- PostLinks: duplicates and related links between imported questions; a link to a post
  absent from the dump is counted as dangling.
- Badges are read and counted; Guilde has no badges.
- An import sends no notification and no e-mail: it writes rows, it calls no service.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import defusedxml.ElementTree as DefusedET
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils.text import slugify
from markdownify import markdownify

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership, Tag
from guilde.core import indexing
from guilde.core.batches import make_room
from guilde.core.markdown import render
from guilde.discussions.models import Comment, Post, PostRevision, Thread, ThreadLink, Vote
from guilde.importers.models import ImportedObject

BATCH = 1000
FILES = ("Users", "Tags", "Posts", "PostHistory", "Comments", "Votes", "PostLinks", "Badges")
REQUIRED = ("Users", "Posts")
SOURCE_PREFIX = "stackexchange:"


class DumpError(Exception):
    """A dump that cannot be imported; the message is one line naming the file and where."""


# Reading -----------------------------------------------------------------------------------


def rows(path: Path) -> Iterator[dict[str, str]]:
    """The ``<row>`` elements of a dump file, one at a time, in bounded memory."""
    # defusedxml: a dump is untrusted input (no entity expansion, no external entities).
    context = DefusedET.iterparse(path, events=("start", "end"))
    root: ET.Element | None = None
    for event, element in context:
        if root is None and event == "start":
            root = element
            continue
        if event == "end" and element.tag == "row":
            yield dict(element.attrib)
            if root is not None:
                root.clear()


def _parse_error(path: Path, error: ET.ParseError) -> DumpError:
    line, column = getattr(error, "position", (0, 0))
    reason = str(error).split(":")[0]
    return DumpError(f"{path.name}: malformed XML ({reason}) at line {line}, column {column}")


def validate(folder: Path) -> dict[str, int]:
    """Parse every file of the dump to its end; the number of rows of each."""
    counts: dict[str, int] = {}
    for name in FILES:
        path = folder / f"{name}.xml"
        if not path.exists():
            if name in REQUIRED:
                raise DumpError(f"{path.name}: missing from the dump")
            continue
        try:
            counts[name] = sum(1 for _row in rows(path))
        except ET.ParseError as error:
            raise _parse_error(path, error) from error
    return counts


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """The dump's folder: ``path`` itself, or a temporary extraction of a ``.7z`` archive."""
    if path.is_dir():
        yield path
        return
    if not path.exists():
        raise DumpError(f"{path}: no such file or folder")
    import py7zr

    folder = Path(tempfile.mkdtemp(prefix="guilde-se-"))
    try:
        try:
            with py7zr.SevenZipFile(path, mode="r") as archive:
                archive.extractall(path=folder)
        except Exception as error:  # py7zr raises many kinds for a damaged archive
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise DumpError(f"{path.name}: damaged or truncated archive ({detail})") from error
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def site_of(path: Path) -> str:
    """``beer.stackexchange.com`` from ``…/beer.stackexchange.com.7z`` or a folder so named."""
    name = path.name.removesuffix(".7z")
    return name or "stackexchange"


# Values ------------------------------------------------------------------------------------


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _at(value: str | None) -> datetime:
    """A date the dump always gives (creation dates)."""
    moment = _when(value)
    if moment is None:
        raise DumpError(f"a row without a date: {value!r}")
    return moment


def _end_of_day(value: str) -> datetime:
    day = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        days=1, microseconds=-1
    )


def _digest(*values: object) -> str:
    return hashlib.sha1(
        json.dumps(values, default=str, ensure_ascii=False).encode(), usedforsecurity=False
    ).hexdigest()


def _tag_names(value: str) -> list[str]:
    """``<a><b>`` (older dumps) or ``|a|b|`` (newer ones)."""
    if value.startswith("<"):
        return re.findall(r"<([^>]+)>", value)
    return [tag for tag in value.split("|") if tag]


def _markdown(html: str) -> str:
    return markdownify(html, heading_style="ATX", bullets="-").strip() + "\n"


def _html(markdown: str) -> str:
    # No mention is resolved: an import links to nobody and notifies nobody.
    return render(markdown, resolve_usernames=lambda names: []).html


# The import --------------------------------------------------------------------------------


@dataclass
class Progress:
    """A progress bar per file on stderr (tqdm), quiet in tests."""

    enabled: bool = True

    def wrap(
        self, items: Iterable[dict[str, str]], name: str, total: int
    ) -> Iterable[dict[str, str]]:
        if not self.enabled:
            return items
        from tqdm import tqdm

        return tqdm(
            items, desc=f"{name:<12}", total=total, unit=" rows", file=sys.stderr, leave=True
        )


@dataclass
class Importer:
    folder: Path
    site: str
    slug: str
    private: bool = False
    progress: Progress = field(default_factory=Progress)
    # Counts of what was read and written, printed at the end.
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Test hook: called after each batch is written (raise to simulate a crash).
    after_batch: Callable[[str, int], None] | None = None

    @property
    def source(self) -> str:
        return SOURCE_PREFIX + self.site

    # Bookkeeping ---------------------------------------------------------------------------

    def _known(self, kind: str) -> dict[str, tuple[int, str]]:
        return {
            key: (object_id, digest)
            for key, object_id, digest in ImportedObject.objects.filter(
                source=self.source, kind=kind
            ).values_list("key", "object_id", "digest")
        }

    def _remember(self, kind: str, pairs: list[tuple[str, int, str]]) -> None:
        ImportedObject.objects.bulk_create(
            [
                ImportedObject(source=self.source, kind=kind, key=k, object_id=o, digest=d)
                for k, o, d in pairs
            ]
        )

    def _redigest(self, kind: str, pairs: list[tuple[str, str]]) -> None:
        for key, digest in pairs:
            ImportedObject.objects.filter(source=self.source, kind=kind, key=key).update(
                digest=digest
            )

    def _batches(self, name: str, total: int) -> Iterator[list[dict[str, str]]]:
        path = self.folder / f"{name}.xml"
        if not path.exists():
            return
        batch: list[dict[str, str]] = []
        number = 0
        for row in self.progress.wrap(rows(path), name, total):
            batch.append(row)
            if len(batch) >= BATCH:
                make_room()  # the previous batch committed: let the site write
                yield batch
                number += 1
                if self.after_batch is not None:
                    self.after_batch(name, number)
                batch = []
        if batch:
            yield batch
            number += 1
            if self.after_batch is not None:
                self.after_batch(name, number)

    # Stages --------------------------------------------------------------------------------

    COUNTED = (
        "community_created", "users", "users_added", "users_updated", "tags", "questions",
        "questions_added", "questions_updated", "accepted", "answers", "answers_added",
        "answers_updated", "answers_without_question", "revisions", "revisions_added",
        "comments", "comments_added", "comments_updated", "comments_without_post", "votes",
        "votes_added", "votes_other", "votes_without_post", "duplicate_links_read",
        "duplicate_links", "dangling_links", "related_links_read", "related_links",
        "related_links_dangling",
    )  # fmt: skip

    def run(self, totals: dict[str, int]) -> dict[str, int]:
        started = time.monotonic()
        for name in self.COUNTED:
            self.counts[name] = 0
        self.community = self._community()
        self._users(totals.get("Users", 0))
        self._tags(totals.get("Tags", 0))
        self._history_scan(totals.get("PostHistory", 0))
        self._posts(totals.get("Posts", 0))
        self._revisions(totals.get("PostHistory", 0))
        self._comments(totals.get("Comments", 0))
        self._votes(totals.get("Votes", 0))
        self._links(totals.get("PostLinks", 0))
        indexing.changed("community_content", self.community.pk)
        self.counts["badges_read"] = totals.get("Badges", 0)
        self.counts["seconds"] = round(time.monotonic() - started, 1)  # type: ignore[assignment]
        return dict(self.counts)

    def _community(self) -> Community:
        community = Community.objects.filter(slug=self.slug).first()
        if community is not None:
            return community
        title = self.site.split(".")[0].replace("-", " ").title()
        with transaction.atomic():
            community = Community.objects.create(
                name=f"{title} (Stack Exchange)",
                slug=self.slug,
                domain=f"Questions and answers imported from {self.site}.",
                description=(
                    f"Imported from https://{self.site}/ — the Stack Exchange data dump, "
                    "licensed under CC BY-SA. Each thread names its authors and links to its "
                    "original."
                ),
                language="en",
                visibility=Community.Visibility.PRIVATE
                if self.private
                else Community.Visibility.PUBLIC,
                join_policy=Community.JoinPolicy.APPROVAL
                if self.private
                else Community.JoinPolicy.OPEN,
            )
            self._remember("community", [(self.site, community.pk, "")])
        self.counts["community_created"] = 1
        return community

    def _users(self, total: int) -> None:
        """Placeholders for the site's users. A placeholder someone claimed is their account
        now: it keeps its history and its profile is theirs (never overwritten); a member
        who deleted their account is not brought back."""
        known = self._known("user")
        current = {
            key: (pk, placeholder)
            for key, pk, placeholder in User.objects.filter(import_source=self.source).values_list(
                "import_key", "pk", "is_placeholder"
            )
        }
        short = slugify(self.site.split(".")[0])[:12] or "se"
        for batch in self._batches("Users", total):
            new: list[tuple[str, User, str]] = []
            changed: list[tuple[str, User, str]] = []
            for row in batch:
                key = row["Id"]
                about = _markdown(row.get("AboutMe", "")) if row.get("AboutMe") else ""
                website = row.get("WebsiteUrl", "")
                if website:
                    about = (about + f"\n{website}\n").strip()
                values = {
                    "display_name": row.get("DisplayName", "")[:150] or f"user{key}",
                    "location": row.get("Location", "")[:150],
                    "bio": about[:4000],
                    "date_joined": _when(row.get("CreationDate")),
                }
                digest = _digest(values)
                if key not in known:
                    username = f"se-{short}-{key}".replace("--", "-m")[:30]
                    member = User(
                        username=username,
                        is_placeholder=True,
                        import_source=self.source,
                        import_key=key,
                        **values,
                    )
                    member.set_unusable_password()
                    new.append((key, member, digest))
                elif known[key][1] != digest and current.get(key, (0, False))[1]:
                    changed.append((key, User(pk=current[key][0], **values), digest))
            with transaction.atomic():
                User.objects.bulk_create([m for _k, m, _d in new])
                Membership.objects.bulk_create(
                    [
                        Membership(
                            community=self.community,
                            member=m,
                            joined_at=m.date_joined,
                            requested_at=m.date_joined,
                        )
                        for _k, m, _d in new
                    ]
                )
                self._remember("user", [(k, m.pk, d) for k, m, d in new])
                if changed:
                    User.objects.bulk_update(
                        [m for _k, m, _d in changed],
                        ["display_name", "location", "bio", "date_joined"],
                    )
                    self._redigest("user", [(k, d) for k, _m, d in changed])
            self.counts["users"] += len(batch)
            self.counts["users_added"] += len(new)
            self.counts["users_updated"] += len(changed)
        self.users = dict(
            User.objects.filter(import_source=self.source).values_list("import_key", "pk")
        )

    def _tags(self, total: int) -> None:
        known = self._known("tag")
        existing = {t.slug: t for t in Tag.objects.filter(community=self.community)}
        for batch in self._batches("Tags", total):
            new: list[tuple[str, Tag]] = []
            for row in batch:
                key, name = row["Id"], row.get("TagName", "")[:50]
                if key in known or not name:
                    continue
                slug = slugify(name)[:60] or f"tag-{key}"
                if slug in existing:  # the community had it already: use it
                    new.append((key, existing[slug]))
                    continue
                tag = Tag(community=self.community, name=name, slug=slug)
                existing[slug] = tag
                new.append((key, tag))
            with transaction.atomic():
                Tag.objects.bulk_create([t for _k, t in new if t.pk is None])
                self._remember("tag", [(k, t.pk, "") for k, t in new])
            self.counts["tags"] += len(batch)
        self.tags_by_name = {t.name: t.pk for t in Tag.objects.filter(community=self.community)}

    def _history_scan(self, total: int) -> None:
        """What the history says of each post today: its Markdown source and title, and
        whether it is closed or locked (the last such event wins)."""
        self.latest_body: dict[str, str] = {}
        self.latest_title: dict[str, str] = {}
        self.closed: dict[str, tuple[bool, str]] = {}
        self.locked: dict[str, bool] = {}
        path = self.folder / "PostHistory.xml"
        if not path.exists():
            return
        for row in self.progress.wrap(rows(path), "PostHistory", total):
            kind, post = row.get("PostHistoryTypeId", ""), row.get("PostId", "")
            if kind in ("2", "5", "8"):
                self.latest_body[post] = row.get("Text", "")
            elif kind in ("1", "4", "7"):
                self.latest_title[post] = row.get("Text", "")
            elif kind in ("10", "11"):
                self.closed[post] = (kind == "10", row.get("CreationDate", ""))
            elif kind in ("14", "15"):
                self.locked[post] = kind == "14"

    def _post_values(self, row: dict[str, str]) -> dict[str, Any]:
        key = row["Id"]
        body = self.latest_body.get(key)
        if body is None:
            body = _markdown(row.get("Body", ""))
        body = body[:100_000]
        return {
            "author_id": self.users.get(row.get("OwnerUserId", "")),
            "body": body,
            "created_at": _when(row.get("CreationDate")),
            "edited_at": _when(row.get("LastEditDate")),
            "source_license": row.get("ContentLicense", "CC BY-SA")[:40],
        }

    def _posts(self, total: int) -> None:
        questions, answers = self._known("question"), self._known("answer")
        for batch in self._batches("Posts", total):
            with transaction.atomic():
                self._questions([r for r in batch if r.get("PostTypeId") == "1"], questions)
                self._answers([r for r in batch if r.get("PostTypeId") == "2"], questions, answers)
            self.counts["posts_read"] += len(batch)
        self.posts = {key: object_id for key, (object_id, _d) in answers.items()}
        self.opening = {key: object_id for key, (object_id, _d) in questions.items()}
        # The thread of every imported post, by the post's id at the source.
        local = {**self.opening, **self.posts}
        threads: dict[int, int] = {}
        ids = list(local.values())
        for start in range(0, len(ids), BATCH):
            threads.update(
                Post.objects.filter(pk__in=ids[start : start + BATCH]).values_list(
                    "pk", "thread_id"
                )
            )
        self.thread_of_post = {
            key: threads[post_id] for key, post_id in local.items() if post_id in threads
        }
        self.thread_of_question = {
            key: self.thread_of_post[key] for key in self.opening if key in self.thread_of_post
        }
        # Recomputed for every imported thread, written only where they differ: a run that
        # resumes after a crash mends what the crash left half done.
        self._refresh_threads(set(self.thread_of_question.values()))

    def _questions(self, batch: list[dict[str, str]], known: dict[str, tuple[int, str]]) -> None:
        new: list[tuple[str, Thread, Post, list[int], str]] = []
        for row in batch:
            key = row["Id"]
            self.counts["questions"] += 1
            if row.get("AcceptedAnswerId"):
                self.counts["accepted"] += 1
            values = self._post_values(row)
            title = (self.latest_title.get(key) or row.get("Title", "") or "—")[:200]
            tag_ids = [
                self.tags_by_name[t]
                for t in _tag_names(row.get("Tags", ""))
                if t in self.tags_by_name
            ]
            closed, closed_at = self.closed.get(
                key, (bool(row.get("ClosedDate")), row.get("ClosedDate", ""))
            )
            thread_values = {
                "title": title,
                "closed_at": _when(closed_at) if closed else None,
                "close_reason": f"Closed on {self.site}" if closed else "",
                "locked": self.locked.get(key, False),
                "locked_reason": f"Locked on {self.site}" if self.locked.get(key) else "",
                "last_activity_at": _when(row.get("LastActivityDate")) or values["created_at"],
            }
            digest = _digest(values, thread_values, sorted(tag_ids))
            url = f"https://{self.site}/q/{key}"
            if key not in known:
                thread = Thread(
                    community=self.community,
                    kind=Thread.Kind.QUESTION,
                    author_id=values["author_id"],
                    created_at=values["created_at"],
                    source_url=url,
                    source_license=values["source_license"],
                    last_position=1,
                    **thread_values,
                )
                post = Post(position=1, source_url=url, body_html=_html(values["body"]), **values)
                new.append((key, thread, post, tag_ids, digest))
            elif known[key][1] != digest:
                post = Post.objects.select_related("thread").get(pk=known[key][0])
                for name, value in values.items():
                    setattr(post, name, value)
                post.body_html = _html(values["body"])
                post.save()
                thread = post.thread
                for name, value in thread_values.items():
                    setattr(thread, name, value)
                thread.save()
                thread.tags.set(tag_ids)
                self._redigest("question", [(key, digest)])
                self.counts["questions_updated"] += 1
        if not new:
            return
        Thread.objects.bulk_create([t for _k, t, _p, _tags, _d in new])
        for _k, thread, post, _tags, _d in new:
            post.thread = thread
        Post.objects.bulk_create([p for _k, _t, p, _tags, _d in new])
        through = Thread.tags.through
        through.objects.bulk_create(
            [
                through(thread_id=t.pk, tag_id=tag_id)
                for _k, t, _p, tags, _d in new
                for tag_id in tags
            ]
        )
        self._remember("question", [(k, p.pk, d) for k, _t, p, _tags, d in new])
        for key, _thread, post, _tags, _d in new:
            known[key] = (post.pk, "")
        self.counts["questions_added"] += len(new)

    def _answers(
        self,
        batch: list[dict[str, str]],
        questions: dict[str, tuple[int, str]],
        known: dict[str, tuple[int, str]],
    ) -> None:
        parents = dict(
            Post.objects.filter(
                pk__in=[
                    questions[r["ParentId"]][0] for r in batch if r.get("ParentId") in questions
                ]
            ).values_list("pk", "thread_id")
        )
        positions = dict(
            Thread.objects.filter(pk__in=parents.values()).values_list("pk", "last_position")
        )
        new: list[tuple[str, Post, str]] = []
        for row in batch:
            key = row["Id"]
            self.counts["answers"] += 1
            parent = questions.get(row.get("ParentId", ""))
            if parent is None or parent[0] not in parents:
                self.counts["answers_without_question"] += 1
                continue
            thread_id = parents[parent[0]]
            values = self._post_values(row)
            digest = _digest(values)
            if key not in known:
                positions[thread_id] += 1
                post = Post(
                    thread_id=thread_id,
                    position=positions[thread_id],
                    source_url=f"https://{self.site}/a/{key}",
                    body_html=_html(values["body"]),
                    **values,
                )
                new.append((key, post, digest))
            elif known[key][1] != digest:
                Post.objects.filter(pk=known[key][0]).update(
                    body_html=_html(values["body"]), **values
                )
                self._redigest("answer", [(key, digest)])
                self.counts["answers_updated"] += 1
        if not new:
            return
        Post.objects.bulk_create([p for _k, p, _d in new])
        for thread_id, position in positions.items():
            Thread.objects.filter(pk=thread_id, last_position__lt=position).update(
                last_position=position
            )
        self._remember("answer", [(k, p.pk, d) for k, p, d in new])
        for key, post, _d in new:
            known[key] = (post.pk, "")
        self.counts["answers_added"] += len(new)

    def _refresh_threads(self, thread_ids: set[int]) -> None:
        """Replies and last activity of imported threads, written only where they changed."""
        ids = sorted(thread_ids)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            stats = {
                row["thread_id"]: row
                for row in Post.objects.filter(thread_id__in=chunk)
                .values("thread_id")
                .annotate(n=Count("pk"), last=Max("created_at"), top=Max("position"))
            }
            changed = []
            for thread in Thread.objects.filter(pk__in=chunk):
                row = stats.get(thread.pk)
                if row is None:
                    continue
                values = {
                    "reply_count": row["n"] - 1,
                    "last_activity_at": max(thread.last_activity_at, row["last"]),
                    "last_position": max(thread.last_position, row["top"]),
                }
                if any(getattr(thread, name) != value for name, value in values.items()):
                    for name, value in values.items():
                        setattr(thread, name, value)
                    changed.append(thread)
            with transaction.atomic():
                Thread.objects.bulk_update(
                    changed, ["reply_count", "last_activity_at", "last_position"]
                )

    def _revisions(self, total: int) -> None:
        """Every edit of a title or a body: a revision keeping what it replaced."""
        known = self._known("revision")
        post_ids = {**self.opening, **self.posts}
        state: dict[str, dict[str, Any]] = {}
        for batch in self._batches("PostHistory", total):
            new: list[tuple[str, PostRevision]] = []
            for row in batch:
                kind, post_key, guid = (
                    row.get("PostHistoryTypeId", ""),
                    row.get("PostId", ""),
                    row.get("RevisionGUID", ""),
                )
                if kind not in ("1", "2", "4", "5", "7", "8") or post_key not in post_ids:
                    continue
                current = state.setdefault(
                    post_key, {"title": "", "body": "", "guid": "", "at": None, "user": None}
                )
                is_edit = kind in ("4", "5", "7", "8")
                if is_edit and guid != current["guid"] and current["at"] is not None:
                    # A new edit begins: what it replaces becomes a revision.
                    key = guid
                    self.counts["revisions"] += 1
                    if key not in known:
                        revision = PostRevision(
                            post_id=post_ids[post_key],
                            title=current["title"][:200],
                            body=current["body"][:100_000],
                            edited_by_id=self.users.get(row.get("UserId", "")),
                            created_at=current["at"],
                            replaced_at=_at(row.get("CreationDate")),
                        )
                        new.append((key, revision))
                        known[key] = (0, "")
                if kind in ("1", "4", "7"):
                    current["title"] = row.get("Text", "")
                else:
                    current["body"] = row.get("Text", "")
                if guid != current["guid"]:
                    current["guid"], current["at"] = guid, _when(row.get("CreationDate"))
            if new:
                with transaction.atomic():
                    PostRevision.objects.bulk_create([r for _k, r in new])
                    self._remember("revision", [(k, r.pk, "") for k, r in new])
                self.counts["revisions_added"] += len(new)

    def _comments(self, total: int) -> None:
        known = self._known("comment")
        post_ids = {**self.opening, **self.posts}
        for batch in self._batches("Comments", total):
            new: list[tuple[str, Comment, str]] = []
            changed = 0
            with transaction.atomic():
                for row in batch:
                    key = row["Id"]
                    self.counts["comments"] += 1
                    post_id = post_ids.get(row.get("PostId", ""))
                    if post_id is None:
                        self.counts["comments_without_post"] += 1
                        continue
                    text = row.get("Text", "")[:5000]
                    values = {
                        "author_id": self.users.get(row.get("UserId", "")),
                        "body": text,
                        "score": int(row.get("Score", "0") or 0),
                        "created_at": _when(row.get("CreationDate")),
                        "source_license": row.get("ContentLicense", "CC BY-SA")[:40],
                    }
                    digest = _digest(values)
                    if key not in known:
                        new.append(
                            (
                                key,
                                Comment(post_id=post_id, body_html=_html(text), **values),
                                digest,
                            )
                        )
                    elif known[key][1] != digest:
                        Comment.objects.filter(pk=known[key][0]).update(
                            body_html=_html(text), **values
                        )
                        self._redigest("comment", [(key, digest)])
                        changed += 1
                Comment.objects.bulk_create([c for _k, c, _d in new])
                self._remember("comment", [(k, c.pk, d) for k, c, d in new])
            self.counts["comments_added"] += len(new)
            self.counts["comments_updated"] += changed

    def _votes(self, total: int) -> None:
        known = self._known("vote")
        post_ids = {**self.opening, **self.posts}
        accepted_at: dict[int, datetime] = {}
        for batch in self._batches("Votes", total):
            new: list[tuple[str, Vote]] = []
            for row in batch:
                kind, key = row.get("VoteTypeId", ""), row["Id"]
                post_id = post_ids.get(row.get("PostId", ""))
                if kind == "1" and post_id is not None:
                    accepted_at[post_id] = _end_of_day(row["CreationDate"])
                if kind not in ("2", "3"):
                    self.counts["votes_other"] += 1
                    continue
                self.counts["votes"] += 1
                if post_id is None:
                    self.counts["votes_without_post"] += 1
                    continue
                if key not in known:
                    new.append(
                        (
                            key,
                            Vote(
                                post_id=post_id,
                                member=None,
                                value=1 if kind == "2" else -1,
                                created_at=_end_of_day(row["CreationDate"]),
                            ),
                        )
                    )
            if new:
                with transaction.atomic():
                    Vote.objects.bulk_create([v for _k, v in new])
                    self._remember("vote", [(k, v.pk, "") for k, v in new])
                self.counts["votes_added"] += len(new)
        self._scores(sorted({**self.opening, **self.posts}.values()))
        self._accepted(accepted_at)

    def _scores(self, ids: list[int]) -> None:
        """Every imported post's score is the sum of its votes (written where it differs)."""
        for start in range(0, len(ids), BATCH):
            make_room()
            chunk = ids[start : start + BATCH]
            totals = dict(
                Vote.objects.filter(post_id__in=chunk)
                .values("post_id")
                .annotate(s=Sum("value"))
                .values_list("post_id", "s")
            )
            posts = list(Post.objects.filter(pk__in=chunk).select_related("thread"))
            changed = [p for p in posts if p.score != (totals.get(p.pk) or 0)]
            for post in changed:
                post.score = totals.get(post.pk) or 0
            threads = [
                p.thread
                for p in posts
                if p.position == 1 and p.thread.score != (totals.get(p.pk) or 0)
            ]
            for thread in threads:
                thread.score = next(
                    p.score for p in posts if p.thread_id == thread.pk and p.position == 1
                )
            with transaction.atomic():
                Post.objects.bulk_update(changed, ["score"])
                Thread.objects.bulk_update(threads, ["score"])

    def _accepted(self, accepted_at: dict[int, datetime]) -> None:
        """Each question's accepted answer (from its AcceptedAnswerId), and when."""
        path = self.folder / "Posts.xml"
        wanted: dict[int, int] = {}
        for row in rows(path):
            if row.get("PostTypeId") == "1" and row.get("AcceptedAnswerId") in self.posts:
                thread_id = self.thread_of_question.get(row["Id"])
                if thread_id is not None:
                    wanted[thread_id] = self.posts[row["AcceptedAnswerId"]]
        threads = [
            t
            for t in Thread.objects.filter(pk__in=wanted)
            if t.accepted_post_id != wanted[t.pk] or t.accepted_at != accepted_at.get(wanted[t.pk])
        ]
        for thread in threads:
            thread.accepted_post_id = wanted[thread.pk]
            thread.accepted_at = accepted_at.get(wanted[thread.pk])
        with transaction.atomic():
            Thread.objects.bulk_update(threads, ["accepted_post", "accepted_at"], batch_size=BATCH)
        self.counts["accepted_set"] = len(wanted)

    def _links(self, total: int) -> None:
        known = self._known("link")
        for batch in self._batches("PostLinks", total):
            new: list[tuple[str, ThreadLink]] = []
            for row in batch:
                kind = {"3": ThreadLink.Kind.DUPLICATE, "1": ThreadLink.Kind.RELATED}.get(
                    row.get("LinkTypeId", "")
                )
                if kind is None:
                    continue
                label = "duplicate_links" if kind == ThreadLink.Kind.DUPLICATE else "related_links"
                self.counts[f"{label}_read"] += 1
                source = self.thread_of_post.get(row.get("PostId", ""))
                target = self.thread_of_post.get(row.get("RelatedPostId", ""))
                if source is None or target is None or source == target:
                    # A post absent from the dump (deleted there): reported, not an error.
                    dangling = (
                        "dangling_links"
                        if kind == ThreadLink.Kind.DUPLICATE
                        else "related_links_dangling"
                    )
                    self.counts[dangling] += 1
                    continue
                self.counts[label] += 1
                key = row["Id"]
                if key not in known:
                    new.append(
                        (
                            key,
                            ThreadLink(
                                source_id=source,
                                target_id=target,
                                kind=kind,
                                created_at=_at(row.get("CreationDate")),
                            ),
                        )
                    )
                    known[key] = (0, "")
            if new:
                with transaction.atomic():
                    ThreadLink.objects.bulk_create(
                        [link for _k, link in new], ignore_conflicts=True
                    )
                    saved = {
                        (link.source_id, link.target_id, link.kind): link.pk
                        for link in ThreadLink.objects.filter(
                            source_id__in=[n.source_id for _k, n in new]
                        )
                    }
                    self._remember(
                        "link", [(k, saved[(n.source_id, n.target_id, n.kind)], "") for k, n in new]
                    )


def import_dump(
    path: Path,
    *,
    slug: str = "",
    private: bool = False,
    progress: bool = True,
    after_batch: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Check the whole dump, then import it; the counts (see the module's docstring)."""
    site = site_of(path)
    with opened(path) as folder:
        totals = validate(folder)
        importer = Importer(
            folder=folder,
            site=site,
            slug=slug or slugify(site.split(".")[0])[:60] or "stackexchange",
            private=private,
            progress=Progress(enabled=progress),
            after_batch=after_batch,
        )
        return importer.run(totals)


def remove(site: str) -> dict[str, int]:
    """Take an import back out: its threads (with their posts, votes, comments, links and
    revisions), its tags, its placeholders nobody claimed, and its community if the import
    created it and nothing else lives there."""
    source = SOURCE_PREFIX + site
    counts: dict[str, int] = {}
    imported = ImportedObject.objects.filter(source=source)
    with transaction.atomic():
        opening = imported.filter(kind="question").values_list("object_id", flat=True)
        threads = Thread.objects.filter(posts__pk__in=list(opening)).distinct()
        counts["threads"] = threads.count()
        removed = list(threads.values_list("pk", flat=True))
        Thread.objects.filter(pk__in=removed).delete()
        indexing.changed("thread", *removed)
        tags = imported.filter(kind="tag").values_list("object_id", flat=True)
        counts["tags"] = Tag.objects.filter(pk__in=list(tags), threads__isnull=True).delete()[0]
        counts["members"] = User.objects.filter(import_source=source, is_placeholder=True).delete()[
            0
        ]
        created = imported.filter(kind="community").first()
        if created is not None:
            community = Community.objects.filter(pk=created.object_id).first()
            if community is not None and not community.threads.exists():
                community.delete()
                counts["community"] = 1
        imported.delete()
    return counts


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


def write_counts(counts: dict[str, int], out: _Writer) -> None:
    out.write(json.dumps(counts, sort_keys=False) + "\n")
