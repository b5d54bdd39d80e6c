"""The world the authorization tests run in: one person per role, one community per kind.

Roles: anonymous, outsider (signed in, no membership), pending (asked to join), member,
moderator, coordinator, admin (staff). Each of member, moderator, coordinator and pending
holds that position in *every* community. Later issues add their objects here (a private
thread, a private article...) so that the route-wide test requests them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from guilde.accounts import services as account_services
from guilde.accounts.models import DataExport, PersonalAccessToken, User
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory, set_profile
from guilde.communities.models import Community, CommunityInvitation, Membership

ROLES = ("anonymous", "outsider", "pending", "member", "moderator", "coordinator", "admin")
KINDS = ("public", "private", "hidden", "approval", "archived")

COMMUNITY_SETTINGS = {
    "public": {"visibility": "public", "join_policy": "open", "status": "active"},
    "private": {"visibility": "private", "join_policy": "approval", "status": "active"},
    "hidden": {"visibility": "hidden", "join_policy": "invitation", "status": "active"},
    "approval": {"visibility": "public", "join_policy": "approval", "status": "active"},
    "archived": {"visibility": "public", "join_policy": "open", "status": "archived"},
}


@dataclass
class World:
    people: dict[str, User | None] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    def person(self, role: str) -> User | None:
        return self.people[role]

    def member(self, role: str) -> User:
        person = self.people[role]
        assert person is not None, f"{role} is nobody"
        return person


def _picture() -> Any:
    from guilde.accounts.tests.images import png_bytes, upload

    return upload("owner.png", png_bytes())


def build_world() -> World:
    world = World()
    world.people["anonymous"] = None
    for role in ROLES[1:]:
        world.people[role] = MemberFactory.create(
            username=f"{role}-person", is_staff=role == "admin", is_superuser=role == "admin"
        )
    now = timezone.now()
    for kind in KINDS:
        community = Community.objects.create(
            name=f"{kind.title()} community",
            slug=kind,
            domain=f"The {kind} domain",
            archived_at=now if kind == "archived" else None,
            **COMMUNITY_SETTINGS[kind],
        )
        for role, position in (
            ("member", "member"),
            ("moderator", "moderator"),
            ("coordinator", "coordinator"),
        ):
            Membership.objects.create(
                community=community, member=world.member(role), role=position, joined_at=now
            )
        Membership.objects.create(
            community=community, member=world.member("pending"), status=Membership.Status.PENDING
        )
        world.communities[kind] = community
    world.communities["private"].charter = "private charter of the private community"
    world.communities["private"].save(update_fields=["charter"])

    # Objects of other kinds that routes reach, each owned by someone else than most roles.
    owner = MemberFactory.create(username="owner-person", verified=True)
    set_profile(
        owner,
        display_name="Private Owner",
        bio="secret bio",
        field_visibility={"bio": "private", "avatar": "private"},
    )
    account_services.avatar_set(actor=owner, member=owner, upload=_picture())
    account_services.skills_set(actor=owner, member=owner, kind="skill", names=["Welding"])
    organisation = OrganisationFactory.create(slug="acme")
    affiliation = account_services.affiliation_set(
        actor=owner, member=owner, organisation=organisation
    )
    token, _plain = account_services.token_create(
        actor=owner, member=owner, name="owner token", scope="read"
    )
    export = DataExport.objects.create(
        member=owner,
        status=DataExport.Status.READY,
        finished_at=now,
        expires_at=now + timedelta(days=7),
    )
    export.file.save("authz-test.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=True)
    placeholder = account_services.placeholder_create(
        source="test", key="1", display_name="Imported"
    )
    invitation = CommunityInvitation.objects.create(
        community=world.communities["private"],
        email="invitee@example.org",
        digest="0" * 64,
        invited_by=world.member("coordinator"),
        expires_at=now + timedelta(days=1),
    )
    # In the private community: a question by the member, answered by the moderator, with a picture.
    from guilde.discussions import services as discussion_services
    from guilde.uploads.services import upload_create

    private = world.communities["private"]
    picture = upload_create(
        actor=world.member("member"), community=private, file=_picture(), name="private.png"
    )
    question = discussion_services.thread_create(
        actor=world.member("member"),
        community=private,
        kind="question",
        title="A private question",
        body=f"private question text ![p]({picture.url})",
    )
    answer = discussion_services.post_create(
        actor=world.member("moderator"), thread=question, body="private answer text"
    )
    world.objects.update(thread=question, answer=answer, upload=picture)

    # Moderation in the private community: the member flagged the moderator's answer; the
    # moderator warned the member, who appealed.
    from guilde.moderation import services as moderation_services
    from guilde.moderation.models import Appeal

    moderation_services.flag_create(
        actor=world.member("member"), post=answer, reason="other", text="private flag text"
    )
    warning = moderation_services.warn(
        actor=world.member("moderator"),
        community=private,
        member=world.member("member"),
        message="private warning text",
    )
    appeal = Appeal.objects.create(
        decision=warning, community=private, member=world.member("member"), message="appeal text"
    )
    world.objects.update(warning=warning, appeal=appeal)

    # Knowledge in the private community, where members' changes are reviewed: the member's
    # published article (two revisions) and proposal on it, the moderator's draft, the
    # coordinator's learning path.
    from guilde.knowledge import services as knowledge

    private.review_article_changes = True
    private.save(update_fields=["review_article_changes"])
    article = knowledge.article_create(
        actor=world.member("member"),
        community=private,
        kind="guide",
        title="A private article",
        body="private article text",
        publish_now=True,
    )
    knowledge.article_restore(actor=world.member("coordinator"), article=article, number=1)
    draft = knowledge.article_create(
        actor=world.member("moderator"),
        community=private,
        kind="guide",
        title="A draft",
        body="draft text",
    )
    proposal = knowledge.proposal_create(
        actor=world.member("member"),
        article=article,
        title="A private article",
        body="proposed text",
    )
    path = knowledge.path_save(actor=world.member("coordinator"), community=private, title="A path")
    section = knowledge.section_add(actor=world.member("coordinator"), path=path, title="Start")
    step = knowledge.step_add(actor=world.member("coordinator"), section=section, article=article)
    world.objects.update(
        article=article, draft=draft, proposal=proposal, path=path, section=section, step=step
    )

    # A conversation between the member and the owner, which nobody else may see; a
    # notification of the owner's, and the link of one of the owner's e-mails.
    from guilde.conversations import services as conversation_services
    from guilde.notifications import mail as notification_mail
    from guilde.notifications import services as notification_services

    owner.messages_from = User.MessagesFrom.ANYONE
    owner.save(update_fields=["messages_from"])
    conversation = conversation_services.conversation_start(
        sender=world.member("member"),
        recipients=[owner],
        subject="private conversation subject",
        body="private message text",
    )
    confidant = MemberFactory.create(
        username="confidant-person", messages_from=User.MessagesFrom.ANYONE
    )
    conversation_services.conversation_start(
        sender=owner,
        recipients=[confidant],
        subject="hidden conversation subject",
        body="hidden message text",
    )
    owner_notification = notification_services.notify(
        recipient=owner, kind="message", actor=world.member("member"),
        data={"conversation": conversation.pk}, check_visibility=False,
    )  # fmt: skip
    world.objects.update(
        conversation=conversation,
        message=conversation.messages.get(),
        notification=owner_notification,
        unsubscribe_token=notification_mail.unsubscribe_token(owner, "mention"),
    )
    _events(world, private, owner)
    _onboarding(world, private)
    _mentoring(world, private, owner)
    _analytics(private)
    _stories(world, private)
    _webhooks(world, private)
    world.objects.update(
        owner=owner,
        organisation=organisation,
        affiliation=affiliation,
        token=token,
        export=export,
        placeholder=placeholder,
        community_invitation=invitation,
        pending_username="pending-person",
        member_username="member-person",
    )
    assert PersonalAccessToken.objects.filter(member=owner).count() == 1
    return world


PRIVATE_JOIN_LINK = "https://join.example/private-room"


def _events(world: World, private: Community, owner: User) -> None:
    """A weekly hybrid series with a join link nobody has a seat for, an event to cancel,
    and a past event with notes that the member attended."""
    from guilde.events import services as event_services
    from guilde.events.models import Registration
    from guilde.events.recurrence import occurrences_between

    now = timezone.now()
    coordinator = world.member("coordinator")
    start = (now + timedelta(days=2)).replace(microsecond=0)

    def create(title: str, begins: datetime, **extra: Any) -> Any:
        data = event_services.EventInput(
            title=title,
            start=begins,
            end=begins + timedelta(hours=2),
            time_zone="Europe/Paris",
            format="hybrid",
            venue="Private venue",
            join_url=PRIVATE_JOIN_LINK,
            description="private event description",
            **extra,
        )
        return event_services.event_create(actor=coordinator, community=private, data=data)

    series = create("A private event", start, repeat="weekly", repeat_count=10)
    keys = [o.key for o in occurrences_between(series, start, start + timedelta(days=40))]
    to_cancel = create("A private event to cancel", start)
    past = create("A private past event", start)
    past.start, past.end = now - timedelta(days=3), now - timedelta(days=3, hours=-2)
    past.last_end = past.end
    past.notes = "private event notes"
    past.save(update_fields=["start", "end", "last_end", "notes"])
    Registration.objects.create(
        event=past, member=world.member("member"), response=Registration.Response.IN_PERSON
    )
    world.objects.update(
        event=series,
        event_keys=keys,
        event_to_cancel=to_cancel,
        past_event=past,
        calendar_token=event_services.calendar_token(owner).token,
    )


PRIVATE_CHECK_IN_NOTE = "private check-in note"


def _mentoring(world: World, private: Community, owner: User) -> None:
    """In the private community: a running programme whose published match pairs the owner
    (mentee) with a new member who holds none of the seven roles, and a relationship
    between those two (the new member as mentee there) with a goal and a check-in whose
    note is private; two proposed pairs (the member with the moderator, a newcomer with the
    new member); a programme open for applications, where the member applied as a mentee;
    a draft. Rows are written directly, as the matcher and the answers would: the owner is
    not in the private community (other lines rely on it), so could not apply."""
    from guilde.communities.models import Tag
    from guilde.mentoring.models import Application, CheckIn, Goal, Match, Programme, Relationship

    now = timezone.now()
    python, _created = Tag.objects.get_or_create(
        community=private, slug="python", defaults={"name": "Python"}
    )
    mentee_role, mentor_role = Application.Role.MENTEE, Application.Role.MENTOR

    def joined(username: str) -> User:
        person = MemberFactory.create(username=username)
        Membership.objects.create(community=private, member=person, joined_at=now)
        return person

    def programme(name: str, status: str) -> Programme:
        return Programme.objects.create(
            community=private,
            name=name,
            status=status,
            created_by=world.member("coordinator"),
            published_at=now if status == Programme.Status.RUNNING else None,
        )

    def application(programme: Programme, member: User, role: str) -> Application:
        made = Application.objects.create(
            programme=programme,
            member=member,
            role=role,
            capacity=2 if role == mentor_role else 1,
            languages=["en"],
            availability=["mon-evening"],
        )
        made.skills.set([python])
        return made

    def pair(mentee: Application, mentor: Application, status: str) -> Match:
        return Match.objects.create(
            programme=mentee.programme,
            mentee=mentee,
            mentor=mentor,
            score=0.8,
            breakdown={"skills": 1.0, "time_zone": 1.0, "availability": 1.0, "organisation": 0.0},
            status=status,
            published_at=None if status == Match.Status.PROPOSED else now,
            answered_at=now if status == Match.Status.ACCEPTED else None,
            mentee_answer="accepted" if status == Match.Status.ACCEPTED else "",
            mentor_answer="accepted" if status == Match.Status.ACCEPTED else "",
        )

    mentor_person = joined("mentor-person")
    apprentice = joined("apprentice-person")
    running = programme("A private programme", Programme.Status.RUNNING)
    mentor_application = application(running, mentor_person, mentor_role)
    match = pair(
        application(running, owner, mentee_role), mentor_application, Match.Status.PUBLISHED
    )
    proposed = pair(
        application(running, world.member("member"), mentee_role),
        application(running, world.member("moderator"), mentor_role),
        Match.Status.PROPOSED,
    )
    other_proposed = pair(
        application(running, apprentice, mentee_role), mentor_application, Match.Status.PROPOSED
    )
    accepted = pair(
        application(running, mentor_person, mentee_role),
        application(running, owner, mentor_role),
        Match.Status.ACCEPTED,
    )
    relationship = Relationship.objects.create(
        match=accepted, programme=running, mentor=owner, mentee=mentor_person, started_at=now
    )
    goal = Goal.objects.create(relationship=relationship, title="A private goal", created_by=owner)
    CheckIn.objects.create(
        relationship=relationship,
        author=mentor_person,
        held_on=timezone.localdate(),
        notes=PRIVATE_CHECK_IN_NOTE,
        next_steps="private next steps",
    )
    open_programme = programme("A private programme taking applications", Programme.Status.OPEN)
    application(open_programme, world.member("member"), mentee_role)
    world.objects.update(
        programme=running,
        match=match,
        proposed_match=proposed,
        other_proposed_match=other_proposed,
        apprentice_application=other_proposed.mentee,
        moderator_application=proposed.mentor,
        relationship=relationship,
        goal=goal,
        open_programme=open_programme,
        draft_programme=programme("A private draft programme", Programme.Status.DRAFT),
        mentor_person=mentor_person,
    )


# Onboarding ---------------------------------------------------------------------------------

PRIVATE_WELCOME = "private welcome text of the private community"


def _onboarding(world: World, private: Community) -> None:
    """The private community's welcome, by the coordinator (the learning path as starter
    path, the private question as introductions thread), and the coordinator suggested to
    the member as their buddy, not answered yet."""
    from guilde.onboarding import services as onboarding_services
    from guilde.onboarding.models import Buddy

    coordinator = world.member("coordinator")
    onboarding_services.onboarding_update(
        actor=coordinator,
        community=private,
        welcome=PRIVATE_WELCOME,
        starter_path=world.objects["path"],
        introductions=world.objects["thread"],
        buddies=True,
    )
    world.objects["buddy"] = Buddy.objects.create(
        community=private, newcomer=world.member("member"), buddy=coordinator
    )


def _analytics(private: Community) -> None:
    """Today's snapshots of the private community and of the instance, so that their
    dashboards and CSV downloads have numbers."""
    from guilde.analytics import snapshots

    snapshots.take(private)
    snapshots.take(None)


# Value-creation stories ---------------------------------------------------------------------

PRIVATE_STORY = "private story text"


def _stories(world: World, private: Community) -> None:
    """In the private community: a story by the mentoring's "mentor-person" (a member who
    holds none of the seven roles and did not agree to be named), linked to the private
    question; a prompt due for the member, who asked that question."""
    from guilde.analytics import story_services
    from guilde.analytics.models import StoryPrompt

    now = timezone.now()
    question = world.objects["thread"]
    story = story_services.story_create(
        actor=world.objects["mentor_person"],
        community=private,
        data=story_services.StoryInput(
            title="A private story",
            text=PRIVATE_STORY,
            cycle="applied",
            effect_kind="time_saved",
            effect_unit="hours",
            thread_id=question.pk,
        ),
    )
    prompt = StoryPrompt.objects.create(
        member=world.member("member"),
        community=private,
        kind=StoryPrompt.Kind.ACCEPTED_ANSWER,
        object_key=str(question.pk),
        thread=question,
        due_at=now - timedelta(hours=1),
    )
    world.objects.update(story=story, story_prompt=prompt)


# Webhooks -----------------------------------------------------------------------------------

WEBHOOK_SECRET = "whsec_private-webhook-secret"


def _webhooks(world: World, private: Community) -> None:
    """The private community's webhook, owned by the coordinator, with a failed delivery in
    its log; an instance webhook owned by the administrator. Both with a known secret, which
    no page or answer but the owner's own may show."""
    from guilde.webhooks import services as webhook_services
    from guilde.webhooks.models import Delivery, DeliveryAttempt

    now = timezone.now()
    webhook, _secret = webhook_services.webhook_create(
        actor=world.member("coordinator"),
        community=private,
        name="Private chat",
        url="https://hooks.example.org/private-room",
        format="chat",
        events=["thread.created", "member.joined"],
    )
    instance, _secret = webhook_services.webhook_create(
        actor=world.member("admin"),
        community=None,
        name="Everything",
        url="https://hooks.example.org/everything",
        format="guilde",
        events=["thread.created"],
        include_private=True,
    )
    for each in (webhook, instance):
        each.secret = WEBHOOK_SECRET
        each.save(update_fields=["secret"])
    delivery = Delivery.objects.create(
        webhook=webhook,
        event="thread.created",
        subject={"thread": world.objects["thread"].pk},
        key="thread.created:authz",
        occurred_at=now,
        status=Delivery.Status.FAILED,
        attempts=1,
        last_status_code=500,
    )
    DeliveryAttempt.objects.create(delivery=delivery, number=1, started_at=now, status_code=500)
    world.objects.update(webhook=webhook, instance_webhook=instance)
