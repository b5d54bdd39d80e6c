"""Members' rights across every app: nothing personal survives a deletion; an export has it all.

Each issue that adds a model adds its rows to ``_member_with_everything``: the walk over
``apps.get_models()`` then checks that deletion and export cover them.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import models
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test import Client
from django.utils import timezone

from guilde.accounts import member_rights, rights, services
from guilde.accounts.models import DataExport, User
from guilde.accounts.tests.factories import PASSWORD, MemberFactory, OrganisationFactory
from guilde.accounts.tests.images import png_bytes, upload
from guilde.communities import services as community_services
from guilde.communities.models import Community, ModerationLogEntry
from guilde.conversations import services as conversation_services
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussion_services
from guilde.discussions.models import Comment
from guilde.knowledge import services as knowledge_services
from guilde.moderation import services as moderation_services
from guilde.notifications import services as notification_services
from guilde.people import evidence
from guilde.people import services as people_services
from guilde.search import services as search_services
from guilde.uploads.services import upload_create

MARKERS = {
    "username": "zqmember",
    "email": "zq.member@zq-example.org",
    "second_email": "zq.other@zq-example.org",
    "display_name": "Zq Member Name",
    "bio": "zq-bio-secret",
    "location": "zq-location-secret",
    "report": "zq-report-reason",
    "appeal": "zq-appeal-message",
    "flag": "zq-flag-text",
    "search": "zq-search-words",
    "check_in": "zq-check-in-note",
    "goals": "zq-mentee-goals",
}
TEXT_FIELDS = (
    models.CharField,
    models.TextField,
    models.EmailField,
    models.SlugField,
    models.URLField,
    models.JSONField,
    models.GenericIPAddressField,
)


def _member_with_everything(client: Client) -> User:
    member = MemberFactory.create(
        username=MARKERS["username"], email=MARKERS["email"], display_name=MARKERS["display_name"]
    )
    EmailAddress.objects.create(user=member, email=MARKERS["second_email"], verified=True)
    services.profile_update(
        actor=member,
        member=member,
        display_name=MARKERS["display_name"],
        bio=MARKERS["bio"],
        location=MARKERS["location"],
        time_zone="Europe/Paris",
        languages=["fr", "en"],
        open_to_questions=True,
        open_to_mentor=True,
        field_visibility={"bio": "private"},
        analytics_consent=True,
    )
    services.skills_set(actor=member, member=member, kind="skill", names=["Soldering"])
    services.skills_set(actor=member, member=member, kind="learning", names=["Welding"])
    services.affiliation_set(
        actor=member, member=member, organisation=OrganisationFactory.create(), role="Zq role"
    )
    services.avatar_set(actor=member, member=member, upload=upload("me.png", png_bytes()))
    services.token_create(actor=member, member=member, name="script", scope="read")
    # Signed in once through single sign-on (docs/sso.md).
    SocialAccount.objects.create(
        user=member, provider="acme", uid="zq-sub", extra_data={"userinfo": {"sub": "zq-sub"}}
    )
    placeholder = services.placeholder_create(source="se", key="42", display_name="Somebody")
    services.claim_request(claimant=member, placeholder=placeholder, message="zq-claim-message")
    # Signed in through allauth, so that the session is tracked.
    assert (
        client.post(
            "/accounts/login/", {"login": MARKERS["email"], "password": PASSWORD}
        ).status_code
        == 302
    )
    assert UserSession.objects.filter(user=member).exists()
    # A mail to them waits in the queue; an administrator edited them.
    send_mail("Hello", "Body", None, [MARKERS["email"]])
    LogEntry.objects.create(
        user=MemberFactory.create(is_staff=True),
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(member.pk),
        object_repr=MARKERS["display_name"],
        action_flag=CHANGE,
    )
    # An export they asked for earlier.
    member_rights.export_request(actor=member, member=member)
    run_queued_tasks()  # builds the export, delivers the mails
    assert DataExport.objects.get(member=member).status == DataExport.Status.READY
    send_mail("Still queued", "Body", None, [MARKERS["email"]])
    # Communities: one they started (a contribution), one they joined, an invitation sent.
    started = community_services.community_create(actor=member, name="Zq started", domain="Things")
    community_services.invitation_create(
        actor=member, community=started, email="friend@example.org"
    )
    joined = community_services.community_create(
        actor=MemberFactory.create(), name="Other", domain="Stuff"
    )
    community_services.membership_join(actor=member, community=joined)
    # Discussions: a thread with an uploaded picture, a reply elsewhere (then edited), a
    # vote, a reaction, a draft, what they read.
    picture = upload_create(
        actor=member, community=joined, file=upload("p.png", png_bytes()), name="p.png"
    )
    own = discussion_services.thread_create(
        actor=member,
        community=joined,
        kind="question",
        title="My question",
        body=f"![p]({picture.url})",
    )
    assert joined.created_by is not None
    others = discussion_services.thread_create(
        actor=joined.created_by,
        community=joined,
        kind="question",
        title="Their question",
        body="Help",
    )
    reply = discussion_services.post_create(actor=member, thread=others, body="My answer")
    discussion_services.post_edit(actor=member, post=reply, body="My better answer")
    discussion_services.vote_set(actor=member, post=others.posts.get(position=1), value=1)
    discussion_services.reaction_toggle(
        actor=member, post=others.posts.get(position=1), kind="heart"
    )
    discussion_services.post_create(actor=joined.created_by, thread=own, body="Reply to them")
    discussion_services.draft_save(
        actor=member, community=joined, thread=None, title="Later", body="unfinished"
    )
    # A comment under a post (comments come from imports).
    Comment.objects.create(
        post=reply, author=member, body="zq-comment", body_html="<p>zq-comment</p>"
    )
    # Moderation: a post of theirs hidden by a coordinator (the log names them).
    rude = discussion_services.post_create(actor=member, thread=others, body="Rude words")
    discussion_services.post_hide(actor=joined.created_by, post=rude, reason="Be kind")
    moderation_services.appeal_create(
        actor=member,
        decision=ModerationLogEntry.objects.get(target_id=rude.pk, action="post_hide"),
        message="zq-appeal-message",
    )
    moderation_services.flag_create(
        actor=member, post=others.posts.get(position=1), reason="other", text="zq-flag-text"
    )
    # Knowledge: an article they wrote (with a path around it, a step ticked) where they
    # coordinate; elsewhere a proposal with a comment, feedback, a report, an unsaved draft.
    own_article = knowledge_services.article_create(
        actor=member,
        community=started,
        kind="guide",
        title="Zq guide",
        body="zq-article-text",
        publish_now=True,
    )
    path = knowledge_services.path_save(actor=member, community=started, title="Zq path")
    section = knowledge_services.section_add(actor=member, path=path, title="Start")
    step = knowledge_services.step_add(actor=member, section=section, article=own_article)
    knowledge_services.step_toggle(actor=member, step=step)
    joined.review_article_changes = True
    joined.save(update_fields=["review_article_changes"])
    their_article = knowledge_services.article_create(
        actor=joined.created_by,
        community=joined,
        kind="guide",
        title="Their guide",
        body="x",
        publish_now=True,
    )
    proposal = knowledge_services.proposal_create(
        actor=member, article=their_article, title="Their guide", body="zq-proposal-text"
    )
    knowledge_services.proposal_comment(actor=member, proposal=proposal, body="zq-review-comment")
    knowledge_services.feedback_set(
        actor=member, article=their_article, helpful=False, comment="zq-feedback"
    )
    knowledge_services.article_report_outdated(
        actor=member, article=their_article, text="zq-outdated"
    )
    knowledge_services.draft_save(
        actor=member, community=joined, article=None, title="Zq", body="zq-draft"
    )
    # Notifications: what they follow, how they want mail, what they were told, a bounce.
    notification_services.subscription_set(member=member, target=joined, level="watch")
    notification_services.frequency_set(member=member, kind="mention", frequency="daily")
    notification_services.settings_for(member)
    discussion_services.post_create(
        actor=joined.created_by, thread=others, body=f"Thanks @{member.username}"
    )
    notification_services.delivery_report(email=MARKERS["email"], kind="soft")
    # Direct messages: a conversation they started, one they were invited to, a report, a block.
    friend = MemberFactory.create()
    community_services.membership_join(actor=friend, community=joined)
    conversation_services.conversation_start(
        sender=member, recipients=[friend], subject="Zq chat", body="zq-message-secret"
    )
    theirs = conversation_services.conversation_start(
        sender=friend, recipients=[member], body="Rude words"
    )
    conversation_services.message_report(
        reporter=member, message=theirs.messages.get(), reason="zq-report-reason"
    )
    conversation_services.block_set(blocker=member, blocked=friend, on=True)
    # People: an endorsement, a follow, their preferences, a hidden topic, a request to
    # answer they sent; evidence of their answers.
    peer = MemberFactory.create()
    community_services.membership_join(actor=peer, community=started)
    services.skills_set(actor=peer, member=peer, kind="skill", names=["Riveting"])
    people_services.endorse(actor=member, member=peer, skill_slug="riveting")
    people_services.follow(actor=member, member=peer)
    people_services.preferences_set(actor=member, suggest=False)
    people_services.topic_hide(actor=member, slug="zq-topic")
    open_question = discussion_services.thread_create(
        actor=member, community=started, kind="question", title="Zq open question", body="?"
    )
    people_services.answer_request(actor=member, thread=open_question, member=peer)
    evidence.refresh()
    # Events: one they created and host, an answer, feedback on a past one, their feed.
    from guilde.events import services as event_services
    from guilde.events.models import Registration

    soon = timezone.now() + timedelta(days=2)
    hosted = event_services.event_create(
        actor=member,
        community=started,
        data=event_services.EventInput(
            title="Zq meetup", start=soon, end=soon + timedelta(hours=1),
            time_zone="Europe/Paris", format="online",
        ),
    )  # fmt: skip
    event_services.rsvp(actor=member, event=hosted, response="online")
    past = event_services.event_create(
        actor=peer,
        community=started,
        data=event_services.EventInput(
            title="Zq past", start=soon, end=soon + timedelta(hours=1),
            time_zone="Europe/Paris", format="online",
        ),
    )  # fmt: skip
    past.start, past.end = soon - timedelta(days=5), soon - timedelta(days=5, hours=-1)
    past.save(update_fields=["start", "end"])
    Registration.objects.create(event=past, member=member, response="online")
    event_services.feedback_give(actor=member, event=past, rating=4, comment="Useful")
    event_services.calendar_token(member)
    _onboarding(member, peer, started, joined)
    # Mentoring: a programme they run, where they are mentored by the peer (a check-in with
    # a note) and apply to mentor too.
    _mentoring(member, peer, started)
    # Analytics: a value-creation story they told, answering the prompt they were shown.
    _stories(member, started)
    # Search: what they searched for (their profile and posts are indexed by the services).
    search_services.query_log(
        member=member, text=MARKERS["search"], community_id=None, filters={}, results=0
    )
    run_queued_tasks()
    return member


def _mentoring(member: User, peer: User, community: Community) -> None:
    from guilde.communities.models import Membership, Tag
    from guilde.mentoring import services as mentoring

    Tag.objects.get_or_create(
        community=community, slug="zq-brewing", defaults={"name": "zq-brewing"}
    )
    Membership.objects.get_or_create(
        community=community, member=peer, defaults={"joined_at": timezone.now()}
    )
    programme = mentoring.programme_create(
        actor=member, community=community, data=mentoring.ProgrammeInput(name="Zq programme")
    )
    mentoring.programme_move(actor=member, programme=programme, status="open")
    mentoring.application_submit(
        actor=member,
        programme=programme,
        role="mentee",
        data=mentoring.ApplicationInput(skills=["zq-brewing"], goals=MARKERS["goals"]),
    )
    mentoring.application_submit(
        actor=member,
        programme=programme,
        role="mentor",
        data=mentoring.ApplicationInput(skills=["zq-brewing"], capacity=1),
    )
    mentoring.application_submit(
        actor=peer,
        programme=programme,
        role="mentor",
        data=mentoring.ApplicationInput(skills=["zq-brewing"], capacity=2),
    )
    mentoring.programme_move(actor=member, programme=programme, status="matching")
    mentoring.matching_run(actor=member, programme=programme)
    mentoring.programme_publish(actor=member, programme=programme)
    match = programme.matches.get()
    mentoring.match_answer(actor=member, match=match, accept=True)
    mentoring.match_answer(actor=peer, match=match, accept=True)
    relationship = programme.relationships.get()
    mentoring.goal_add(actor=member, relationship=relationship, title="Zq goal")
    mentoring.check_in_add(
        actor=member, relationship=relationship, held_on=timezone.localdate(),
        notes=MARKERS["check_in"],
    )  # fmt: skip
    mentoring.relationship_finish(actor=member, relationship=relationship)
    mentoring.feedback_give(actor=member, relationship=relationship, rating=5)


def _remaining_personal_data(member_pk: int, keep: bool) -> list[str]:
    classified = rights.classifications()
    problems = []
    for model in apps.get_models():
        label = model._meta.label
        if label not in classified:
            problems.append(f"{label}: not classified in a personal_data module")
            continue
        manager = model._default_manager
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS):
                as_text = manager.annotate(_as_text=Cast(field.name, TextField()))
                for marker in MARKERS.values():
                    if as_text.filter(_as_text__icontains=marker).exists():
                        problems.append(f"{label}.{field.name} still holds {marker!r}")
            if field.is_relation and field.related_model is User:
                if model is User:
                    continue
                rows = manager.filter(**{field.attname: member_pk})
                allowed = keep and classified[label].handling is rights.Handling.CONTRIBUTION
                if rows.exists() and not allowed:
                    problems.append(f"{label}.{field.name} still points to the member")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("keep", [True, False], ids=["keep-contributions", "erase-contributions"])
def test_nothing_personal_remains_after_deletion(keep, django_capture_on_commit_callbacks):
    client = Client()
    member = _member_with_everything(client)
    bystander = MemberFactory.create(username="bystander")
    files = [str(member.avatar.name), str(DataExport.objects.get(member=member).file.name)]
    session_key = client.session.session_key
    assert all(default_storage.exists(name) for name in files)

    member_pk = member.pk  # deleting a row clears its pk on the instance
    with django_capture_on_commit_callbacks(execute=True):
        member_rights.account_delete(actor=member, member=member, keep_contributions=keep)

    remaining = _remaining_personal_data(member_pk, keep)
    assert remaining == [], "\n".join(remaining)
    assert not any(default_storage.exists(name) for name in files)
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/settings/profile/").status_code == 302  # signed out
    if keep:
        ghost = User.objects.get(pk=member_pk)
        assert ghost.name == "Deleted member"
        assert not ghost.is_active
        assert not ghost.has_usable_password()
        assert client.get(f"/members/{ghost.username}/").status_code == 404
    else:
        assert not User.objects.filter(pk=member_pk).exists()
    bystander.refresh_from_db()
    assert bystander.is_active
    assert EmailAddress.objects.filter(user=bystander).exists()


@pytest.mark.django_db
def test_every_model_is_classified():
    classified = rights.classifications()
    unclassified = sorted(
        m._meta.label for m in apps.get_models() if m._meta.label not in classified
    )
    assert unclassified == []
    stale = sorted(set(classified) - {m._meta.label for m in apps.get_models()})
    assert stale == [], "classifications of models that no longer exist"


def test_a_members_rows_must_be_in_the_export():
    with pytest.raises(ValueError, match="export"):
        rights.classify("x.Y", rights.Handling.OWNED, "a model without export part")


def _owner_field(model: type[models.Model], explicit: str) -> str:
    if explicit:
        return explicit
    to_members = [
        f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model is User
    ]
    assert len(to_members) == 1, f"{model._meta.label}: name its owner_field"
    return to_members[0]


@pytest.mark.django_db
def test_an_export_contains_everything_the_member_owns():
    member = _member_with_everything(Client())
    member.is_staff = True
    member.save(update_fields=["is_staff"])
    services.invitation_create(actor=member, email="invitee@example.org")
    archive = zipfile.ZipFile(io.BytesIO(member_rights.export_archive(member)))
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "guilde-member-export"
    assert "files/avatar.webp" in names

    checked = 0
    for label, classification in rights.classifications().items():
        if not classification.export_part:
            continue
        part = json.loads(archive.read(f"{classification.export_part}.json"))
        model = apps.get_model(label)
        if model is User:
            assert part["id"] == member.pk
            assert part["bio"] == MARKERS["bio"]  # private fields too: it is their data
            continue
        owner = _owner_field(model, classification.owner_field)
        expected = set(
            model._default_manager.filter(**{owner: member}).values_list("pk", flat=True)
        )
        assert expected, f"the test gives the member no {label} row"
        assert {str(row["id"]) for row in part} == {str(pk) for pk in expected}, label
        checked += 1
    assert checked >= 8


def _onboarding(member: User, peer: User, started, joined) -> None:
    """Onboarding: the welcome of the community they started; in the one they joined, a
    buddy they accepted; in theirs, they are the peer's buddy."""
    from guilde.onboarding import services as onboarding
    from guilde.onboarding.models import Buddy

    onboarding.onboarding_update(
        actor=member,
        community=started,
        welcome="Welcome, all.",
        starter_path=None,
        introductions=None,
        buddies=True,
    )
    Buddy.objects.create(community=joined, newcomer=member, buddy=joined.created_by)
    onboarding.buddy_answer(actor=member, community=joined, accept=True)
    Buddy.objects.create(community=started, newcomer=peer, buddy=member)


def _stories(member: User, community: Community) -> None:
    from django.utils import timezone

    from guilde.analytics import story_services
    from guilde.analytics.models import StoryPrompt

    prompt = StoryPrompt.objects.create(
        member=member,
        community=community,
        kind=StoryPrompt.Kind.FINISHED_MENTORING,
        object_key="0",
        due_at=timezone.now(),
    )
    story_services.story_create(
        actor=member,
        community=community,
        data=story_services.StoryInput(title="It helped", text="A month on.", cycle="applied"),
        prompt=prompt,
    )
