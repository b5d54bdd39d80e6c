"""Community archives: export → import into an empty instance → export again gives the same
archive, entry for entry and file for file; what must never travel does not; damaged,
altered and newer archives are refused and leave nothing behind."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test import Client

from guilde.accounts import services as accounts
from guilde.accounts.member_rights import account_delete
from guilde.accounts.models import MemberLanguage, MemberSkill, User, Visibility
from guilde.accounts.tests.factories import AffiliationFactory, MemberFactory
from guilde.accounts.tests.images import png_bytes
from guilde.communities.models import Community, Membership, Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.conversations import services as conversations
from guilde.discussions import services as discussions
from guilde.discussions.models import Category, Comment, Post, Thread, ThreadLink
from guilde.importers.archive.export import COMMUNITY_FIELDS, COMMUNITY_NOT_EXPORTED
from guilde.importers.archive.export import export_community as export
from guilde.importers.archive.load import ArchiveError, import_community
from guilde.importers.archive.spec import KIND_NAMES, KINDS, LEFT_BEHIND, MANIFEST, VERSION
from guilde.knowledge import services as knowledge
from guilde.knowledge.models import PathStep
from guilde.uploads.models import Upload
from guilde.uploads.services import upload_create

pytestmark = pytest.mark.django_db

SECRET_MESSAGE = "DM-ONLY-BETWEEN-THEM-7731"
SECRET_BIO = "PRIVATE-BIO-NOBODY-SEES-4410"
SECRET_PLACE = "PRIVATE-LOCATION-9925"
SECRET_NOTE = "CHECK-IN-NOTE-OF-THE-PAIR-ONLY-5120"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "source-media"
    return tmp_path


def _file(name: str, content: bytes) -> io.BytesIO:
    data = io.BytesIO(content)
    data.name = name
    return data


def _community() -> dict[str, Any]:
    """A community with one of everything an archive carries, and what it must not."""
    community = CommunityFactory.create(
        slug="brasseurs", language="fr", visibility="private", review_article_changes=True
    )
    ada = member_of(community, "coordinator", username="ada", email="ada@example.org")
    bob = member_of(community, username="bob", email="bob@example.org")
    cleo = member_of(community, username="cleo")
    community.created_by = ada
    community.save()
    community.organisations.add(AffiliationFactory.create(member=ada).organisation)
    ada.bio, ada.location, ada.time_zone = "Brasseuse depuis 2009.", SECRET_PLACE, "Europe/Paris"
    ada.field_visibility = {"location": Visibility.PRIVATE, "time_zone": Visibility.COMMUNITIES}
    ada.save()
    MemberLanguage.objects.bulk_create([MemberLanguage(member=ada, code=c) for c in ("fr", "en")])
    accounts.avatar_set(actor=ada, member=ada, upload=io.BytesIO(png_bytes((300, 200))))
    accounts.skills_set(actor=ada, member=ada, kind=MemberSkill.Kind.SKILL, names=["Houblon"])
    MemberSkill.objects.filter(member=ada, kind=MemberSkill.Kind.SKILL).update(level="expert")
    accounts.skills_set(actor=ada, member=ada, kind=MemberSkill.Kind.INTEREST, names=["Levures"])
    bob.bio, bob.field_visibility = SECRET_BIO, {"bio": Visibility.PRIVATE}
    bob.save()
    placeholder = accounts.placeholder_create(
        source="stackexchange:beer", key="9", display_name="Old Brewer", email="old@example.org"
    )
    Membership.objects.create(community=community, member=placeholder, joined_at=ada.date_joined)
    Tag.objects.create(community=community, name="Houblon", slug="houblon")
    category = Category.objects.create(community=community, name="Aide", slug="aide")
    elsewhere = CommunityFactory.create(slug="ailleurs")
    outside = discussions.thread_create(
        actor=member_of(elsewhere),
        community=elsewhere,
        kind="discussion",
        title="Ailleurs",
        body="x",
    )
    picture = upload_create(
        actor=bob, community=community, file=_file("cuve.png", png_bytes()), name="cuve.png"
    )
    document = upload_create(
        actor=bob,
        community=community,
        file=_file("notes.txt", b"Densite 1.050\n"),
        name="notes.txt",
    )
    other = discussions.thread_create(
        actor=ada,
        community=community,
        kind="discussion",
        title="Levures sèches",
        body="Lesquelles ?",
    )
    question = discussions.thread_create(
        actor=bob,
        community=community,
        kind="question",
        title="Quel houblon pour une IPA ?",
        body=(
            f"Comme dans #{other.pk} et #{outside.pk}, @ada saurait.\n\n"
            f"![cuve]({picture.url})\n\n[notes]({document.url})"
        ),
        tags=["houblon"],
        category=category,
    )
    Post.objects.get(thread=question, position=1).attachments.add(document)
    answer = discussions.post_create(actor=ada, thread=question, body="Du Citra, @bob.")
    discussions.post_edit(actor=ada, post=answer, body="Du Citra ou du Mosaic, @bob.")
    discussions.post_create(actor=cleo, thread=question, body="+1", reply_to=answer)
    hidden = discussions.post_create(actor=cleo, thread=question, body="Pub !")
    discussions.post_hide(actor=ada, post=hidden, reason="publicité")
    discussions.answer_accept(actor=bob, thread=question, post=answer)
    discussions.vote_set(actor=bob, post=answer, value=1)
    discussions.reaction_toggle(actor=cleo, post=answer, kind="thanks")
    Comment.objects.create(post=answer, author=bob, body="Merci", body_html="<p>Merci</p>")
    merged = discussions.thread_create(
        actor=cleo, community=community, kind="discussion", title="Levures", body="Doublon"
    )
    discussions.thread_merge(actor=ada, source=merged, into=other)
    ThreadLink.objects.create(source=question, target=other, kind="related")
    ThreadLink.objects.create(source=question, target=outside, kind="related")
    article = knowledge.article_create(
        actor=ada,
        community=community,
        kind="guide",
        title="Choisir son houblon",
        body=f"Voir #{question.pk}.",
        tags=["houblon"],
        publish_now=True,
        source=knowledge.source_from_thread(viewer=ada, thread=question),
    )
    article.attachments.add(picture)
    knowledge.article_update(actor=ada, article=article, title="Choisir son houblon", body="v2")
    knowledge.article_verify(actor=ada, article=article)
    proposal = knowledge.proposal_create(actor=bob, article=article, title="Choisir", body="v3")
    knowledge.proposal_comment(actor=ada, proposal=proposal, body="Bonne idée")
    knowledge.feedback_set(actor=cleo, article=article, helpful=True, comment="Utile")
    knowledge.article_report_outdated(actor=bob, article=article, text="Prix", thread=question)
    old = knowledge.article_create(
        actor=ada, community=community, kind="lesson", title="Ancien", body="...", publish_now=True
    )
    knowledge.article_archive(actor=ada, article=old, replaced_by=article)
    path = knowledge.path_save(actor=ada, community=community, title="Débuter")
    section = knowledge.section_add(actor=ada, path=path, title="Bases")
    knowledge.step_add(actor=ada, section=section, article=article)
    knowledge.step_add(actor=ada, section=section, thread=question)
    knowledge.step_add(actor=ada, section=section, url="https://example.org", title="Lien")
    PathStep.objects.create(section=section, thread=outside, position=9)  # moved away since
    _events(community, ada, bob, cleo)
    _onboarding(community, ada, bob, other, path)
    _mentoring(community, ada, bob, cleo, article)
    _stories(community, bob, cleo, question)
    conversations.conversation_start(sender=ada, recipients=[bob], body=SECRET_MESSAGE)
    gone = member_of(community, username="gone")
    discussions.post_create(actor=gone, thread=other, body="Au revoir")
    account_delete(actor=gone, member=gone, keep_contributions=True)
    return {"community": community, "question": question, "other": other, "ada": ada}


def _events(community: Community, ada: User, bob: User, cleo: User) -> None:
    """A weekly hybrid series with a cancelled and a moved occurrence, answers (one on the
    waitlist), and a past meetup with notes, attendance and feedback."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from guilde.events import services as events
    from guilde.events.recurrence import occurrences_between

    paris = ZoneInfo("Europe/Paris")
    start = datetime(2027, 3, 18, 18, 0, tzinfo=paris)
    series = events.event_create(
        actor=ada,
        community=community,
        data=events.EventInput(
            title="Atelier houblon", start=start, end=start + timedelta(hours=2),
            time_zone="Europe/Paris", format="hybrid", venue="Brasserie",
            join_url="https://meet.example/houblon", repeat="weekly", repeat_count=4,
            capacity_in_person=1, description="Avec @bob, voir #1", tags=["houblon"],
            speakers=["bob"],
        ),
    )  # fmt: skip
    first, second, third, _fourth = occurrences_between(series, start, start + timedelta(days=30))
    events.occurrence_cancel(actor=ada, event=series, key=second.key or start, reason="Férié")
    moved = third.start + timedelta(days=1)
    events.occurrence_move(
        actor=ada, event=series, key=third.key or start, start=moved, end=moved + timedelta(hours=2)
    )
    events.rsvp(actor=bob, event=series, response="in_person", occurrence=first.key)
    events.rsvp(actor=cleo, event=series, response="in_person", occurrence=first.key)
    past_start = datetime(2025, 6, 5, 17, 0, tzinfo=UTC)
    past = events.event_create(
        actor=ada,
        community=community,
        data=events.EventInput(
            title="Rencontre", start=past_start, end=past_start + timedelta(hours=2),
            time_zone="America/Montreal", format="in_person", venue="Café",
        ),
    )  # fmt: skip
    events.attendance_mark(actor=ada, event=past, member=bob, attendance="in_person")
    events.followup_save(
        actor=ada, event=past, notes="## Notes\n\nMerci @bob", recording_url="", outcomes="Un plan"
    )
    events.feedback_give(actor=bob, event=past, rating=5, comment="Super")


def _mentoring(community: Community, ada: User, bob: User, cleo: User, article: Any) -> None:
    """A programme matched and published: bob's pair accepted (a goal, a check-in with
    private notes, two resources, finished, feedback from both), cleo's declined; cleo
    avoids a member of the community and someone from elsewhere."""
    from django.utils import timezone

    from guilde.mentoring import services as mentoring
    from guilde.mentoring.models import Match

    dora = member_of(community, username="dora")
    member_of(CommunityFactory.create(slug="loin"), username="stranger")
    programme = mentoring.programme_create(
        actor=ada,
        community=community,
        data=mentoring.ProgrammeInput(
            name="Parrainage 2027",
            description="Avec @bob, voir #1",
            goals="Transmettre",
            organisation_rule="prefer",
            threshold=0.1,
        ),
    )
    mentoring.programme_move(actor=ada, programme=programme, status="open")
    slots = ["mon-evening", "wed-evening"]
    for mentor, capacity in ((ada, 2), (dora, 1)):
        mentoring.application_submit(
            actor=mentor,
            programme=programme,
            role="mentor",
            data=mentoring.ApplicationInput(
                skills=["houblon"], capacity=capacity, languages=["fr"], availability=slots,
                learning="Levures",
            ),
        )  # fmt: skip
    for mentee, avoid in ((bob, []), (cleo, ["dora", "stranger"])):
        mentoring.application_submit(
            actor=mentee,
            programme=programme,
            role="mentee",
            data=mentoring.ApplicationInput(
                skills=["Houblon"], languages=["fr"], availability=slots, goals="Brasser",
                avoid=avoid,
            ),
        )  # fmt: skip
    mentoring.programme_move(actor=ada, programme=programme, status="matching")
    mentoring.matching_run(actor=ada, programme=programme)
    mentoring.programme_publish(actor=ada, programme=programme)
    declined = Match.objects.get(programme=programme, mentee__member=cleo)
    mentoring.match_answer(actor=cleo, match=declined, accept=False)
    accepted = Match.objects.get(programme=programme, mentee__member=bob)
    mentor = accepted.mentor.member
    mentoring.match_answer(actor=bob, match=accepted, accept=True)
    mentoring.match_answer(actor=mentor, match=accepted, accept=True)
    accepted.refresh_from_db()
    pair = accepted.relationship
    mentoring.goal_add(actor=bob, relationship=pair, title="Une IPA en mars")
    mentoring.check_in_add(
        actor=bob,
        relationship=pair,
        held_on=timezone.localdate(),
        notes=SECRET_NOTE,
        next_steps="Relire le chapitre 3",
    )
    mentoring.resource_add(actor=mentor, relationship=pair, url=article.get_absolute_url())
    mentoring.resource_add(
        actor=mentor, relationship=pair, url="https://example.org/houblons", title="Houblons"
    )
    pair = mentoring.relationship_finish(actor=bob, relationship=pair)
    mentoring.feedback_give(actor=bob, relationship=pair, rating=5, comment="Merci !")
    mentoring.feedback_give(actor=mentor, relationship=pair, rating=4)


def _stories(community: Community, bob: User, cleo: User, question: Thread) -> None:
    """Value-creation stories: bob's about the question (with a measured effect) and his
    finished mentoring, cleo's about an event; a prompt waiting for bob (stays behind)."""
    from decimal import Decimal

    from django.utils import timezone

    from guilde.analytics import story_services
    from guilde.analytics.models import StoryPrompt
    from guilde.events.models import Event
    from guilde.mentoring.models import Relationship

    def tell(author: User, title: str, cycle: str, **fields: Any) -> None:
        story_services.story_create(
            actor=author,
            community=community,
            data=story_services.StoryInput(
                title=title, text=f"{title}: voir #{question.pk} et @bob.", cycle=cycle, **fields
            ),
        )

    tell(bob, "Deux jours gagnés", "realised", thread_id=question.pk, effect_kind="time_saved",
         effect_value=Decimal("16.5"), effect_unit="heures")  # fmt: skip
    relationship = Relationship.objects.get(programme__community=community, mentee=bob)
    tell(bob, "Un mentor patient", "potential", relationship_id=relationship.pk)
    event = Event.objects.filter(community=community).order_by("pk").first()
    assert event is not None
    tell(cleo, "Une soirée utile", "immediate", event_id=event.pk)
    StoryPrompt.objects.create(member=bob, community=community, kind="accepted_answer",
                               object_key=str(question.pk), thread=question,
                               due_at=timezone.now())  # fmt: skip


def _onboarding(community: Community, ada: User, bob: User, other: Thread, path: Any) -> None:
    """The welcome (naming a thread and a member), its starter path and introductions
    thread; a buddy, which stays behind."""
    from guilde.onboarding import services as onboarding
    from guilde.onboarding.models import Buddy

    onboarding.onboarding_update(
        actor=ada,
        community=community,
        welcome=f"Bienvenue ! Présentez-vous dans #{other.pk} ; @bob vous guide.",
        starter_path=path,
        introductions=other,
        buddies=False,
    )
    Buddy.objects.create(community=community, newcomer=bob, buddy=ada)


def _empty_instance() -> None:
    """Every table emptied, as on a new instance (PostgreSQL first checks the deferred
    constraints this test's transaction holds, which TRUNCATE would otherwise refuse)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _lines(entries: dict[str, bytes], kind: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in entries[f"data/{kind}.jsonl"].splitlines()]


def test_an_exported_community_imported_into_an_empty_instance_exports_the_same(
    media: Path, settings: Any
) -> None:
    world = _community()
    first = media / "first.zip"
    counts = export(world["community"], first)
    assert all(counts[name] > 0 for name in KIND_NAMES), counts
    exported = _entries(first)
    everything = b"".join(exported.values())
    for secret in (
        SECRET_MESSAGE, SECRET_BIO, SECRET_PLACE, SECRET_NOTE, "@example.org", "pbkdf2", "argon2"
    ):  # fmt: skip
        assert secret.encode() not in everything, secret
    manifest = json.loads(exported[MANIFEST])
    assert (manifest["format"], manifest["version"]) == ("guilde-community", VERSION)
    # Outside references are left out; the step and link that need them are too.
    assert counts["thread_links"] == 1
    assert counts["path_steps"] == 3
    opening = _lines(exported, "posts")[1]
    assert "\\#" in opening["body"]  # the other community's thread became plain text

    _empty_instance()
    settings.MEDIA_ROOT = media / "target-media"
    assert not Community.objects.exists()
    assert not User.objects.exists()

    imported = import_community(first)
    assert imported.counts == counts
    second = media / "second.zip"
    export(imported.community, second)
    again = _entries(second)
    assert sorted(again) == sorted(exported)
    # Skill levels travel with the skills.
    assert MemberSkill.objects.get(kind=MemberSkill.Kind.SKILL, skill__name="Houblon").level == (
        "expert"
    )
    for name, content in exported.items():
        if name != MANIFEST:
            assert again[name] == content, name
    assert json.loads(again[MANIFEST])["entries"] == manifest["entries"]

    # The imported community works: references follow the new ids, files are served.
    community = imported.community
    question = Thread.objects.get(community=community, kind="question")
    other = Thread.objects.get(community=community, title="Levures sèches")
    opening_post = question.posts.get(position=1)
    assert f'href="/t/{other.pk}/"' in opening_post.body_html
    assert 'class="mention" href="/members/ada/"' in opening_post.body_html
    assert question.accepted_post is not None
    assert question.accepted_post.author is not None
    assert question.accepted_post.author.username == "ada"
    picture = Upload.objects.get(community=community, kind="image")
    assert picture.file.read() == next(
        content for name, content in exported.items() if name.endswith(str(picture.pk))
    )
    ada = User.objects.get(username="ada")
    assert ada.is_placeholder
    assert not ada.has_usable_password()
    assert ada.email == ""
    assert ada.location == ""
    assert ada.visibility_of("location") == Visibility.PRIVATE
    assert ada.avatar
    assert ada.bio == "Brasseuse depuis 2009."
    # The welcome follows the new ids; buddies stayed behind.
    from guilde.onboarding.models import Buddy, Onboarding

    welcome = Onboarding.objects.get(community=community)
    assert (welcome.introductions, welcome.updated_by) == (other, ada)
    assert f'href="/t/{other.pk}/"' in welcome.welcome_html
    assert not Buddy.objects.exists()


def test_a_member_claims_their_imported_self_by_verifying_their_address(media: Path) -> None:
    world = _community()
    archive = media / "a.zip"
    export(world["community"], archive)
    _empty_instance()
    imported = import_community(archive)
    placeholder = User.objects.get(username="ada")
    newcomer = MemberFactory.create(username="ada2", email="ADA@example.org")
    claim = accounts.claim_request(claimant=newcomer, placeholder=placeholder)
    assert claim.status == "approved"
    assert Membership.objects.get(community=imported.community, member=newcomer).role == (
        "coordinator"
    )
    assert Post.objects.filter(author=newcomer, thread__community=imported.community).exists()


def test_an_import_beside_existing_members_renames_and_rewrites_mentions(media: Path) -> None:
    world = _community()
    archive = media / "a.zip"
    export(world["community"], archive)
    imported = import_community(archive, slug="brasseurs-bis")
    assert imported.renamed["ada"] == "ada-2"
    answer = Post.objects.get(thread__community=imported.community, body__startswith="Du Citra")
    assert answer.author is not None
    assert answer.author.username == "ada-2"
    opening = Post.objects.get(
        thread__community=imported.community, position=1, thread__kind="question"
    )
    assert "@ada-2" in opening.body
    assert 'href="/members/ada-2/"' in opening.body_html
    # The copy's files are its own: new ids, and the texts point to them.
    copy = Upload.objects.get(community=imported.community, kind="image")
    assert not Upload.objects.filter(pk=copy.pk, community=world["community"]).exists()
    assert f"/uploads/{copy.pk}/" in opening.body
    assert f'src="/uploads/{copy.pk}/' in opening.body_html
    with pytest.raises(ArchiveError, match="short name 'brasseurs'"):
        import_community(archive)


def test_mentoring_travels_without_the_pairs_private_notes(media: Path) -> None:
    """Programmes, applications (topics, people to avoid), matches, relationships, goals,
    check-ins, resources and feedback travel; a check-in's notes never do."""
    from guilde.mentoring.models import (
        Application,
        CheckIn,
        Goal,
        Match,
        Programme,
        Relationship,
        Resource,
    )
    from guilde.mentoring.models import Feedback as MentoringFeedback

    world = _community()
    path = media / "mentoring.zip"
    counts = export(world["community"], path)
    assert counts["mentoring_programmes"] == 1
    assert counts["mentoring_applications"] == 4
    assert (counts["mentoring_check_ins"], counts["mentoring_resources"]) == (1, 2)
    assert SECRET_NOTE.encode() not in path.read_bytes()
    entries = _entries(path)
    assert not any(SECRET_NOTE.encode() in content for content in entries.values())
    (check_in,) = _lines(entries, "mentoring_check_ins")
    assert "notes" not in check_in
    assert check_in["next_steps"] == "Relire le chapitre 3"
    # A person to avoid from outside the community is left out; one inside is kept.
    members = {m["id"]: m["username"] for m in _lines(entries, "members")}
    assert "stranger" not in members.values()
    avoiding = [a for a in _lines(entries, "mentoring_applications") if a["avoid"]]
    assert [[members[i] for i in a["avoid"]] for a in avoiding] == [["dora"]]

    _empty_instance()
    imported = import_community(path)
    programme = Programme.objects.get(community=imported.community)
    assert programme.description_html.count('class="mention" href="/members/bob/"') == 1
    assert Application.objects.filter(programme=programme).count() == 4
    cleo = Application.objects.get(programme=programme, member__username="cleo")
    assert [u.username for u in cleo.avoid.all()] == ["dora"]
    assert [t.slug for t in cleo.skills.all()] == ["houblon"]
    assert Match.objects.filter(programme=programme, status="declined").count() == 1
    pair = Relationship.objects.get(programme=programme)
    assert (pair.mentee.username, pair.status) == ("bob", "finished")
    assert Goal.objects.get(relationship=pair).title == "Une IPA en mars"
    imported_check_in = CheckIn.objects.get(relationship=pair)
    assert (imported_check_in.notes, imported_check_in.next_steps) == ("", "Relire le chapitre 3")
    article = Resource.objects.get(relationship=pair, article__isnull=False).article
    assert article is not None
    assert article.community == imported.community
    assert MentoringFeedback.objects.filter(relationship=pair).count() == 2


NEWER_THAN_2 = ("data/mentoring_", "data/stories")  # kinds versions 3 and 4 added


def test_an_archive_of_an_older_version_without_mentoring_is_read(
    archive: Path, media: Path
) -> None:
    """Version 2 had no mentoring: its archives import, with no programme."""
    from guilde.mentoring.models import Programme

    entries = _entries(archive)
    manifest = json.loads(entries.pop(MANIFEST))
    older = media / "version-2.zip"
    with zipfile.ZipFile(older, "w") as zipped:
        for name, content in entries.items():
            if not name.startswith(NEWER_THAN_2):
                zipped.writestr(name, content)
        manifest["version"] = 2
        manifest["entries"] = {
            name: entry
            for name, entry in manifest["entries"].items()
            if not name.startswith(NEWER_THAN_2)
        }
        zipped.writestr(MANIFEST, json.dumps(manifest))
    imported = import_community(older)
    assert imported.counts["threads"] > 0
    assert imported.counts["mentoring_programmes"] == 0
    assert not Programme.objects.exists()


def _rewrite(path: Path, target: Path, change: dict[str, bytes], *, rehash: bool) -> None:
    entries = _entries(path)
    entries.update(change)
    manifest = json.loads(entries[MANIFEST])
    if rehash:
        for name in change:
            if name != MANIFEST:
                manifest["entries"][name] = {
                    "sha256": hashlib.sha256(change[name]).hexdigest(),
                    "size": len(change[name]),
                }
        entries[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)


def _nothing_written(before: dict[str, int], media_root: Path) -> None:
    after = {m._meta.label: m.objects.count() for m in (Community, User, Thread, Post, Upload)}
    assert after == before
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


@pytest.fixture
def archive(media: Path, settings: Any) -> Path:
    world = _community()
    path = media / "good.zip"
    export(world["community"], path)
    _empty_instance()
    settings.MEDIA_ROOT = media / "target-media"
    return path


def _counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in (Community, User, Thread, Post, Upload)}


def test_an_archive_of_a_newer_format_is_refused(archive: Path, media: Path) -> None:
    manifest = json.loads(_entries(archive)[MANIFEST])
    manifest["version"] = VERSION + 1
    newer = media / "newer.zip"
    _rewrite(archive, newer, {MANIFEST: json.dumps(manifest).encode()}, rehash=False)
    before = _counts()
    with pytest.raises(CommandError, match=f"format version {VERSION + 1}, newer than"):
        call_command("import-community", str(newer), "--quiet")
    _nothing_written(before, media / "target-media")


@pytest.mark.parametrize("entry", ["data/posts.jsonl", "files/uploads/"])
def test_a_corrupted_archive_is_refused_and_nothing_is_written(
    archive: Path, media: Path, entry: str
) -> None:
    entries = _entries(archive)
    name = next(n for n in entries if n.startswith(entry))
    damaged = media / "damaged.zip"
    _rewrite(archive, damaged, {name: entries[name][:-3] + b"xyz"}, rehash=False)
    before = _counts()
    with pytest.raises(ArchiveError, match="does not match its checksum"):
        import_community(damaged)
    _nothing_written(before, media / "target-media")


def test_a_bad_line_after_files_were_stored_rolls_everything_back(
    archive: Path, media: Path
) -> None:
    """Checksums that match (a hand-edited archive) but a value that is not valid: the
    import stops at that line, the database is as before, and the stored files are gone."""
    entries = _entries(archive)
    lines = entries["data/posts.jsonl"].splitlines()
    last = json.loads(lines[-1])
    last["created_at"] = "the day before yesterday"
    lines[-1] = json.dumps(last).encode()
    edited = media / "edited.zip"
    _rewrite(archive, edited, {"data/posts.jsonl": b"\n".join(lines) + b"\n"}, rehash=True)
    before = _counts()
    with pytest.raises(ArchiveError, match=r"data/posts.jsonl, posts \d+: created_at"):
        import_community(edited)
    _nothing_written(before, media / "target-media")


def test_an_id_used_twice_is_refused(archive: Path, media: Path) -> None:
    lines = _entries(archive)["data/threads.jsonl"].splitlines()
    twice = media / "twice.zip"
    _rewrite(
        archive, twice, {"data/threads.jsonl": b"\n".join([*lines, lines[0]]) + b"\n"}, rehash=True
    )
    before = _counts()
    with pytest.raises(ArchiveError, match="used twice"):
        import_community(twice)
    _nothing_written(before, media / "target-media")


def test_unlisted_entries_and_non_archives_are_refused(archive: Path, media: Path) -> None:
    extra = media / "extra.zip"
    _rewrite(archive, extra, {"files/uploads/evil": b"<script>"}, rehash=False)
    with pytest.raises(ArchiveError, match="does not list"):
        import_community(extra)
    plain = media / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zipped:
        zipped.writestr("hello.txt", "hi")
    with pytest.raises(ArchiveError, match=r"no manifest\.json"):
        import_community(plain)
    (media / "not.zip").write_text("not a zip")
    with pytest.raises(ArchiveError, match="not a readable zip"):
        import_community(media / "not.zip")


def test_the_commands_print_counts_and_name_an_unknown_community(media: Path) -> None:
    community = CommunityFactory.create(slug="petite")
    member_of(community)
    out = io.StringIO()
    call_command("export-community", "petite", str(media / "p.zip"), "--quiet", stdout=out)
    assert json.loads(out.getvalue().splitlines()[-1])["members"] == 1
    with pytest.raises(CommandError, match="No community has the short name 'nope'"):
        call_command("export-community", "nope", str(media / "n.zip"))
    out = io.StringIO()
    call_command("import-community", str(media / "p.zip"), "--slug", "copie", "--quiet", stdout=out)
    assert json.loads(out.getvalue().splitlines()[-1])["slug"] == "copie"
    assert Client().get("/communities/copie/").status_code == 200


def _model_fields(model: type[models.Model]) -> set[str]:
    return {
        f.name
        for f in model._meta.get_fields()
        if f.concrete or (f.many_to_many and not f.auto_created)
    } - {model._meta.pk.name}


def test_every_field_of_every_kind_is_exported_or_left_behind_with_a_reason() -> None:
    for kind in KINDS:
        described = (
            set(kind.fields)
            | set(kind.refs)
            | set(kind.later)
            | set(kind.many)
            | set(kind.markdown)
            | {html for html in kind.markdown.values() if html}
            | set(kind.not_exported)
        )
        assert described == _model_fields(kind.model), kind.name
    assert set(COMMUNITY_FIELDS) | set(COMMUNITY_NOT_EXPORTED) == _model_fields(Community)


def test_every_model_holding_community_data_is_a_kind_or_left_behind_with_a_reason() -> None:
    held = {Community, *(kind.model for kind in KINDS)}
    for model in apps.get_models():
        if model in held or not model.__module__.startswith("guilde."):
            continue
        points = any(
            (f.many_to_one or f.one_to_one or f.many_to_many) and f.related_model in held
            for f in model._meta.get_fields()
            if not f.auto_created or f.concrete
        )
        if points:
            label = model._meta.label
            assert label in LEFT_BEHIND or model._meta.app_label in LEFT_BEHIND, label


def test_stories_travel_and_their_prompts_stay_behind(media: Path) -> None:
    from guilde.analytics.models import Story, StoryPrompt

    world = _community()
    path = media / "stories.zip"
    counts = export(world["community"], path)
    assert counts["stories"] == 3
    _empty_instance()
    imported = import_community(path)
    community = imported.community
    assert not StoryPrompt.objects.exists()
    realised = Story.objects.get(community=community, cycle="realised")
    assert realised.author is not None
    assert realised.author.username == "bob"
    assert realised.thread == Thread.objects.get(community=community, kind="question")
    assert (str(realised.effect_value), realised.effect_unit) == ("16.50", "heures")
    assert f'href="/t/{realised.thread.pk}/"' in realised.text_html
    mentoring = Story.objects.get(community=community, cycle="potential")
    assert mentoring.relationship is not None
    assert mentoring.relationship.mentee == realised.author
    assert Story.objects.get(community=community, cycle="immediate").event is not None
