"""The Stack Exchange import, on a small dump the tests write, and on the real one in
../shared when it is there."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership, Tag
from guilde.core.testing import run_queued_tasks
from guilde.discussions.models import Comment, Post, PostRevision, Thread, ThreadLink, Vote
from guilde.importers import stackexchange
from guilde.importers.models import ImportedObject
from guilde.notifications.models import Notification

pytestmark = pytest.mark.django_db

SHARED_DUMP = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "data"
    / "stackexchange"
    / "beer.stackexchange.com.7z"
)
MODELS = (
    User,
    Community,
    Membership,
    Tag,
    Thread,
    Post,
    PostRevision,
    Comment,
    Vote,
    ThreadLink,
    ImportedObject,
)

USERS = """<?xml version="1.0" encoding="utf-8"?>
<users>
  <row Id="-1" CreationDate="2014-01-21T17:45:53.587" DisplayName="Community" AboutMe="&lt;p&gt;Not a person.&lt;/p&gt;" />
  <row Id="7" CreationDate="2014-01-21T20:00:00.000" DisplayName="Hop Head" Location="Portland" WebsiteUrl="https://hops.example" />
  <row Id="8" CreationDate="2014-01-22T09:00:00.000" DisplayName="Brewer Bea" />
</users>
"""
TAGS = """<?xml version="1.0" encoding="utf-8"?>
<tags>
  <row Id="1" TagName="hops" Count="2" />
  <row Id="2" TagName="history" Count="1" />
</tags>
"""
POSTS = """<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" AcceptedAnswerId="3" CreationDate="2014-01-21T20:26:05.383" Score="2" Body="&lt;p&gt;What are &lt;em&gt;citra&lt;/em&gt; hops?&lt;/p&gt;" OwnerUserId="7" LastEditDate="2014-01-21T22:04:34.977" LastActivityDate="2014-01-22T10:00:00.000" Title="What is a citra hop?" Tags="&lt;hops&gt;" ContentLicense="CC BY-SA 3.0" />
  <row Id="2" PostTypeId="1" CreationDate="2014-01-21T21:00:00.000" Score="0" Body="&lt;p&gt;Same question about citra?&lt;/p&gt;" OwnerUserId="8" LastActivityDate="2014-01-21T21:00:00.000" Title="Citra hops again" Tags="&lt;hops&gt;&lt;history&gt;" ContentLicense="CC BY-SA 4.0" ClosedDate="2014-01-22T08:00:00.000" />
  <row Id="3" PostTypeId="2" ParentId="1" CreationDate="2014-01-21T21:30:00.000" Score="1" Body="&lt;p&gt;A hop variety with &lt;strong&gt;citrus&lt;/strong&gt; notes.&lt;/p&gt;" OwnerUserId="8" ContentLicense="CC BY-SA 3.0" />
  <row Id="4" PostTypeId="2" ParentId="1" CreationDate="2014-01-22T10:00:00.000" Score="-1" Body="&lt;p&gt;No idea.&lt;/p&gt;" OwnerUserId="7" ContentLicense="CC BY-SA 3.0" />
  <row Id="5" PostTypeId="2" ParentId="99" CreationDate="2014-01-22T11:00:00.000" Score="0" Body="&lt;p&gt;Orphan.&lt;/p&gt;" OwnerUserId="7" ContentLicense="CC BY-SA 3.0" />
</posts>
"""
HISTORY = """<?xml version="1.0" encoding="utf-8"?>
<posthistory>
  <row Id="1" PostHistoryTypeId="2" PostId="1" RevisionGUID="g1" CreationDate="2014-01-21T20:26:05.383" UserId="7" Text="What are citrate hops?" />
  <row Id="2" PostHistoryTypeId="1" PostId="1" RevisionGUID="g1" CreationDate="2014-01-21T20:26:05.383" UserId="7" Text="What is a citrate hop?" />
  <row Id="3" PostHistoryTypeId="5" PostId="1" RevisionGUID="g2" CreationDate="2014-01-21T22:04:34.977" UserId="8" Text="What are *citra* hops?" />
  <row Id="4" PostHistoryTypeId="4" PostId="1" RevisionGUID="g2" CreationDate="2014-01-21T22:04:34.977" UserId="8" Text="What is a citra hop?" />
  <row Id="5" PostHistoryTypeId="10" PostId="2" RevisionGUID="g3" CreationDate="2014-01-22T08:00:00.000" UserId="-1" Text="" />
</posthistory>
"""
COMMENTS = """<?xml version="1.0" encoding="utf-8"?>
<comments>
  <row Id="1" PostId="3" Score="2" Text="Great answer, thanks!" CreationDate="2014-01-21T22:00:00.000" UserId="7" ContentLicense="CC BY-SA 3.0" />
  <row Id="2" PostId="99" Score="0" Text="On a deleted post" CreationDate="2014-01-21T22:00:00.000" UserId="7" />
</comments>
"""
VOTES = """<?xml version="1.0" encoding="utf-8"?>
<votes>
  <row Id="1" PostId="1" VoteTypeId="2" CreationDate="2014-01-21T00:00:00.000" />
  <row Id="2" PostId="1" VoteTypeId="2" CreationDate="2014-01-22T00:00:00.000" />
  <row Id="3" PostId="3" VoteTypeId="2" CreationDate="2014-01-22T00:00:00.000" />
  <row Id="4" PostId="4" VoteTypeId="3" CreationDate="2014-01-22T00:00:00.000" />
  <row Id="5" PostId="3" VoteTypeId="1" CreationDate="2014-01-23T00:00:00.000" />
  <row Id="6" PostId="1" VoteTypeId="5" CreationDate="2014-01-23T00:00:00.000" />
</votes>
"""
LINKS = """<?xml version="1.0" encoding="utf-8"?>
<postlinks>
  <row Id="1" CreationDate="2014-01-22T08:00:00.000" PostId="2" RelatedPostId="1" LinkTypeId="3" />
  <row Id="2" CreationDate="2014-01-22T08:00:00.000" PostId="2" RelatedPostId="404" LinkTypeId="3" />
  <row Id="3" CreationDate="2014-01-22T08:00:00.000" PostId="1" RelatedPostId="2" LinkTypeId="1" />
</postlinks>
"""
BADGES = """<?xml version="1.0" encoding="utf-8"?>
<badges>
  <row Id="1" UserId="7" Name="Autobiographer" Date="2014-01-21T20:52:16.970" Class="3" TagBased="False" />
</badges>
"""
FILES = {
    "Users": USERS,
    "Tags": TAGS,
    "Posts": POSTS,
    "PostHistory": HISTORY,
    "Comments": COMMENTS,
    "Votes": VOTES,
    "PostLinks": LINKS,
    "Badges": BADGES,
}


def _dump(tmp_path: Path, **changes: str) -> Path:
    folder = tmp_path / "beer.stackexchange.com"
    folder.mkdir(exist_ok=True)
    for name, text in {**FILES, **changes}.items():
        (folder / f"{name}.xml").write_text(text, encoding="utf-8")
    return folder


def _snapshot() -> str:
    """Every row of every table an import writes, as one digest."""
    state: list[Any] = []
    for model in MODELS:
        rows = list(model._default_manager.order_by("pk").values())
        state.append((model.__name__, rows))
    return hashlib.sha256(json.dumps(state, default=str, sort_keys=True).encode()).hexdigest()


def _import(path: Path, **options: Any) -> dict[str, Any]:
    out = StringIO()
    call_command("import-stackexchange", str(path), "--quiet", stdout=out, **options)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1  # one JSON line of counts
    counts: dict[str, Any] = json.loads(lines[0])
    return counts


def test_a_dump_becomes_a_community_with_attribution(tmp_path):
    counts = _import(_dump(tmp_path))
    assert {k: counts[k] for k in ("questions", "answers", "accepted", "comments", "votes")} == {
        "questions": 2, "answers": 3, "accepted": 1, "comments": 2, "votes": 4,
    }  # fmt: skip
    assert (
        counts["duplicate_links_read"],
        counts["duplicate_links"],
        counts["dangling_links"],
    ) == (2, 1, 1)
    assert (
        counts["answers_without_question"],
        counts["comments_without_post"],
        counts["badges_read"],
    ) == (1, 1, 1)
    community = Community.objects.get(slug="beer")
    assert community.visibility == "public"
    question = Thread.objects.get(title="What is a citra hop?")
    assert question.community == community
    assert [t.slug for t in question.tags.all()] == ["hops"]
    opening = question.posts.get(position=1)
    assert opening.body == "What are *citra* hops?"  # the Markdown source, from the history
    assert "<em>citra</em>" in opening.body_html
    answer = question.posts.get(position=2)
    assert answer.body.strip() == "A hop variety with **citrus** notes."  # converted from HTML
    assert question.accepted_post == answer
    assert question.accepted_at == datetime(
        2014, 1, 23, 23, 59, 59, 999999, tzinfo=UTC
    )  # end of its day
    assert (opening.score, answer.score, question.score) == (2, 1, 2)
    assert Vote.objects.filter(member__isnull=True).count() == 4
    revision = PostRevision.objects.select_related("edited_by").get(post=opening)
    assert revision.edited_by is not None
    assert (revision.body, revision.title, revision.edited_by.name) == (
        "What are citrate hops?",
        "What is a citrate hop?",
        "Brewer Bea",
    )
    other = Thread.objects.get(title="Citra hops again")
    assert other.closed_at is not None
    assert ThreadLink.objects.filter(source=other, target=question, kind="duplicate").exists()
    author = User.objects.get(import_key="7")
    assert author.is_placeholder
    assert not author.has_usable_password()
    assert author.date_joined == datetime(2014, 1, 21, 20, tzinfo=UTC)
    assert "https://hops.example" in author.bio
    assert Membership.objects.filter(community=community, member=author).exists()
    # Attribution on the page and in the API (CC BY-SA: author, source link, licence).
    page = Client().get(question.get_absolute_url()).content.decode()
    assert "https://beer.stackexchange.com/q/1" in page
    assert "https://beer.stackexchange.com/a/3" in page
    assert "CC BY-SA 3.0" in page
    assert "Hop Head" in page
    assert "Great answer, thanks!" in page  # the comment, under its post
    assert "Duplicated by:" in page
    api = Client().get(f"/api/v1/threads/{question.pk}").json()
    assert api["attribution"] == {
        "author": "Hop Head",
        "source_url": "https://beer.stackexchange.com/q/1",
        "license": "CC BY-SA 3.0",
    }
    posts = Client().get(f"/api/v1/threads/{question.pk}/posts").json()["results"]
    assert posts[1]["attribution"]["source_url"] == "https://beer.stackexchange.com/a/3"
    assert posts[1]["comments"][0]["body_html"].startswith("<p>Great answer")


def test_an_import_tells_nobody(tmp_path):
    _import(_dump(tmp_path))
    run_queued_tasks()
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_importing_twice_changes_nothing_and_a_newer_dump_adds_and_updates(tmp_path):
    folder = _dump(tmp_path)
    _import(folder)
    before = _snapshot()
    again = _import(folder)
    assert _snapshot() == before
    assert sum(v for k, v in again.items() if k.endswith(("_added", "_updated", "_created"))) == 0
    newer = POSTS.replace("No idea.", "Now I know: citrus.").replace(
        "</posts>",
        '  <row Id="6" PostTypeId="2" ParentId="2" CreationDate="2014-02-01T10:00:00.000" Body="&lt;p&gt;Late answer&lt;/p&gt;" OwnerUserId="8" ContentLicense="CC BY-SA 4.0" />\n</posts>',
    )
    counts = _import(_dump(tmp_path, Posts=newer))
    assert (counts["answers_added"], counts["answers_updated"], counts["questions_updated"]) == (
        1,
        1,
        0,
    )
    assert (
        Post.objects.get(source_url="https://beer.stackexchange.com/a/4").body.strip()
        == "Now I know: citrus."
    )
    late = Post.objects.get(source_url="https://beer.stackexchange.com/a/6")
    assert late.position == 2
    assert late.thread.reply_count == 1


def test_a_malformed_file_is_named_with_its_position_and_nothing_is_written(tmp_path):
    broken = POSTS.replace('Score="0" Body="&lt;p&gt;Orphan', 'Score="0 Body="&lt;p&gt;Orphan')
    before = _snapshot()
    with pytest.raises(CommandError) as error:
        _import(_dump(tmp_path, Posts=broken))
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("Posts.xml: malformed XML")
    assert "line 7, column" in message
    assert _snapshot() == before
    with pytest.raises(
        CommandError, match=r"Comments.xml: malformed XML \(unclosed token\) at line 5"
    ):
        _import(_dump(tmp_path, Comments=COMMENTS.replace("</comments>", "<row")))
    assert _snapshot() == before


def test_a_truncated_archive_is_refused_whole(tmp_path):
    import py7zr

    folder = _dump(tmp_path)
    archive = tmp_path / "beer.stackexchange.com.7z"
    with py7zr.SevenZipFile(archive, "w") as writer:
        for file in sorted(folder.iterdir()):
            writer.write(file, arcname=file.name)
    assert _import(archive)["questions"] == 2  # the whole archive imports
    call_command("import-stackexchange", str(archive), "--remove", stdout=StringIO())
    before = _snapshot()
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError) as error:
        _import(archive)
    assert str(error.value).startswith("beer.stackexchange.com.7z: damaged or truncated archive")
    assert "\n" not in str(error.value)
    assert _snapshot() == before


def test_a_failed_import_resumes_where_it_stopped(tmp_path, monkeypatch):
    folder = _dump(tmp_path)
    _import(folder)
    complete = {model.__name__: model._default_manager.count() for model in MODELS}
    call_command("import-stackexchange", str(folder), "--remove", stdout=StringIO())
    monkeypatch.setattr(stackexchange, "BATCH", 2)

    def crash(name: str, number: int) -> None:
        if name == "Votes" and number == 1:
            raise RuntimeError("the machine stopped")

    with pytest.raises(RuntimeError):
        stackexchange.import_dump(folder, progress=False, after_batch=crash)
    assert Vote.objects.count() == 2  # the first batch of votes was written, whole
    stackexchange.import_dump(folder, progress=False)
    assert {model.__name__: model._default_manager.count() for model in MODELS} == complete
    assert Post.objects.get(source_url="https://beer.stackexchange.com/q/1").score == 2


def test_an_import_can_be_taken_back_out(tmp_path):
    folder = _dump(tmp_path)
    before = {model.__name__: model._default_manager.count() for model in MODELS}
    _import(folder, private=True)
    assert Community.objects.get(slug="beer").visibility == "private"
    out = StringIO()
    call_command("import-stackexchange", str(folder), "--remove", stdout=out)
    assert json.loads(out.getvalue())["threads"] == 2
    assert {model.__name__: model._default_manager.count() for model in MODELS} == before


@pytest.mark.skipif(
    not SHARED_DUMP.exists(), reason=f"the Stack Exchange dump is not at {SHARED_DUMP}"
)
def test_the_real_beer_dump(tmp_path):
    counts = _import(SHARED_DUMP)
    assert {k: counts[k] for k in ("questions", "answers", "accepted")} == {
        "questions": 1029,
        "answers": 2277,
        "accepted": 619,
    }
    assert (
        counts["duplicate_links_read"],
        counts["duplicate_links"],
        counts["dangling_links"],
    ) == (26, 24, 2)
    assert counts["seconds"] < 60
    before = _snapshot()
    again = _import(SHARED_DUMP)
    assert sum(v for k, v in again.items() if k.endswith(("_added", "_updated", "_created"))) == 0
    assert _snapshot() == before


def test_a_claimed_account_keeps_its_history_through_a_new_import(tmp_path):
    from guilde.accounts import services as account_services
    from guilde.accounts.tests.factories import MemberFactory

    folder = _dump(tmp_path)
    _import(folder)
    placeholder = User.objects.get(import_key="7")
    me = MemberFactory.create(display_name="Me, really")
    claim = account_services.claim_request(
        claimant=me, placeholder=placeholder, message="I am Hop Head"
    )
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    account_services.claim_decide(actor=admin, claim=claim, approve=True)
    question = Thread.objects.get(title="What is a citra hop?")
    assert question.author == me
    renamed = USERS.replace('DisplayName="Hop Head"', 'DisplayName="Hop Head II"')
    counts = _import(_dump(tmp_path, Users=renamed, Posts=POSTS.replace("No idea.", "Changed.")))
    assert counts["users_added"] == 0
    me.refresh_from_db()
    assert me.display_name == "Me, really"  # their profile is theirs now
    assert Post.objects.get(source_url="https://beer.stackexchange.com/a/4").author == me
