"""The community archive's format: what each kind of object carries (docs/community-archive.md).

An archive is a zip file:

- ``manifest.json``: the format's name and version, when and from where it was made, the
  count of each kind, and the SHA-256 and size of every other entry;
- ``data/<kind>.jsonl``: one JSON object per line, in the order of :data:`KINDS`;
- ``files/...``: uploaded files and avatars, named in the data.

Every object has an ``id`` local to the archive (1, 2, 3… per kind, in creation order;
uploads keep their UUID, which their addresses in texts carry). References name the kind
and that id. A reference to something outside the community is left out (``null``); an
object that cannot exist without such a reference (a link to another community's thread)
is left out.

Extension rule: a feature that adds objects to a community adds a :class:`Kind` here (or a
field to one), bumps :data:`VERSION`, and documents the change in the format's history.
Readers refuse archives of a newer version than their own — nothing is ever dropped
silently — and read every older one (a kind an older archive lacks is simply empty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet

from guilde.analytics.models import Story
from guilde.communities.models import Community, Membership, Tag
from guilde.discussions.models import (
    Category,
    Comment,
    Post,
    PostRevision,
    Reaction,
    Thread,
    ThreadLink,
    Vote,
)
from guilde.events.models import Event, EventFeedback, EventRole, OccurrenceChange, Registration
from guilde.knowledge.models import (
    Article,
    ArticleRevision,
    Feedback,
    LearningPath,
    OutdatedReport,
    PathSection,
    PathStep,
    Proposal,
    ReviewComment,
)
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
from guilde.onboarding.models import Onboarding
from guilde.uploads.models import Upload

FORMAT = "guilde-community"
# History: 1 — members, community, tags, categories, memberships, uploads, threads, posts,
# revisions, comments, reactions, votes, thread links, articles and their revisions,
# proposals, review comments, feedback, outdated reports, learning paths.
# 2 — events, their changed occurrences, hosts and speakers, registrations (answers,
# waitlist, attendance) and feedback.
# 3 — mentoring: programmes, applications (topics, people to avoid), matches, relationships,
# goals, check-ins without their private notes, suggested resources, feedback; onboarding:
# the community's welcome (message, starter path, introductions thread, buddies on or off).
# 4 — value-creation stories (cycle, measured effect, the thread, article, event or
# mentoring relationship each came from); their prompts stay behind.
VERSION = 4
MANIFEST = "manifest.json"
DATA = "data/"
FILES = "files/"


@dataclass(frozen=True)
class Kind:
    """One kind of object: its model, the community's rows, and how each field travels.

    ``fields`` are copied as they are; ``refs`` name another kind's object (the field's
    ``_id`` column); ``later`` are such references set once every object is in (they may
    point forward: an accepted answer, a merge, a reply); ``many`` are many-to-many lists;
    ``markdown`` fields are texts whose thread references and mentions follow the ids and
    usernames, each with the HTML field rendered from it on import (or ``""``). ``needed``
    are nullable references whose target outside the community leaves the object out.
    ``not_exported`` names every other model field, with the reason it stays behind (a
    test checks that every field is accounted for).
    """

    name: str
    model: type[Model]
    rows: Callable[[Community], QuerySet[Any]]
    fields: tuple[str, ...]
    refs: dict[str, str] = field(default_factory=dict)
    later: dict[str, str] = field(default_factory=dict)
    many: dict[str, str] = field(default_factory=dict)
    markdown: dict[str, str] = field(default_factory=dict)
    # Nullable references whose target outside the community leaves the object out.
    needed: tuple[str, ...] = ()
    not_exported: dict[str, str] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return f"{DATA}{self.name}.jsonl"

    def through(self, name: str) -> tuple[type[Model], str, str]:
        """The many-to-many field ``name``'s table: its model, this kind's column, the other's."""
        relation = self.model._meta.get_field(name)
        other = relation.related_model._meta.model_name  # type: ignore[union-attr]
        return (
            relation.remote_field.through,  # type: ignore[union-attr]
            f"{self.model._meta.model_name}_id",
            f"{other}_id",
        )


MODERATION_OF_MEMBER = "who hid it (a moderator of the source instance)"

KINDS: tuple[Kind, ...] = (
    Kind(
        "tags",
        Tag,
        lambda c: Tag.objects.filter(community=c),
        ("name", "slug", "description"),
        not_exported={"community": "the community the archive holds"},
    ),
    Kind(
        "categories",
        Category,
        lambda c: Category.objects.filter(community=c),
        ("name", "slug", "description", "position"),
        not_exported={"community": "the community the archive holds"},
    ),
    Kind(
        "memberships",
        Membership,
        lambda c: Membership.objects.filter(community=c),
        (
            "role",
            "status",
            "message",
            "requested_at",
            "joined_at",
            "suspended_at",
            "suspended_until",
            "suspension_reason",
            "steward",
        ),
        refs={"member": "members"},
        not_exported={"community": "the community the archive holds"},
    ),
    Kind(
        "uploads",
        Upload,
        lambda c: Upload.objects.filter(community=c),
        ("name", "created_at"),
        refs={"uploader": "members"},
        not_exported={
            "community": "the community the archive holds",
            "file": "the file itself travels under files/uploads/",
            "content_type": "taken from the file on import, never from the archive",
            "kind": "taken from the file on import",
            "size": "taken from the file on import",
            "width": "taken from the file on import",
            "height": "taken from the file on import",
            "sha256": "taken from the file on import (the manifest has it too)",
        },
    ),
    Kind(
        "threads",
        Thread,
        lambda c: Thread.objects.filter(community=c),
        (
            "kind",
            "title",
            "idea_status",
            "accepted_at",
            "pinned",
            "locked",
            "locked_reason",
            "closed_at",
            "close_reason",
            "slow_mode_minutes",
            "source_url",
            "source_license",
            "created_at",
            "edited_at",
            "last_position",
            "reply_count",
            "last_activity_at",
            "score",
            "deleted_at",
            "hidden_at",
            "hidden_reason",
        ),
        refs={"author": "members", "category": "categories", "hidden_by": "members"},
        later={"accepted_post": "posts", "merged_into": "threads", "duplicate_of": "threads"},
        many={"tags": "tags"},
        not_exported={
            "community": "the community the archive holds",
            "pinned_globally": "an administrator's choice for the source instance's home page",
            "content_version": "a cache stamp the database keeps; it starts again on import",
        },
    ),
    Kind(
        "posts",
        Post,
        lambda c: Post.objects.filter(thread__community=c),
        (
            "position",
            "source_url",
            "source_license",
            "score",
            "created_at",
            "edited_at",
            "deleted_at",
            "hidden_at",
            "hidden_reason",
        ),
        refs={"thread": "threads", "author": "members", "hidden_by": "members"},
        later={"reply_to": "posts"},
        many={"attachments": "uploads"},
        markdown={"body": "body_html"},
    ),
    Kind(
        "post_revisions",
        PostRevision,
        lambda c: PostRevision.objects.filter(post__thread__community=c),
        ("title", "created_at", "replaced_at"),
        refs={"post": "posts", "edited_by": "members"},
        markdown={"body": ""},
    ),
    Kind(
        "comments",
        Comment,
        lambda c: Comment.objects.filter(post__thread__community=c),
        ("score", "created_at", "source_license"),
        refs={"post": "posts", "author": "members"},
        markdown={"body": "body_html"},
    ),
    Kind(
        "reactions",
        Reaction,
        lambda c: Reaction.objects.filter(post__thread__community=c),
        ("kind", "created_at"),
        refs={"post": "posts", "member": "members"},
    ),
    Kind(
        "votes",
        Vote,
        lambda c: Vote.objects.filter(post__thread__community=c),
        ("value", "created_at"),
        refs={"post": "posts", "member": "members"},
    ),
    Kind(
        "thread_links",
        ThreadLink,
        lambda c: ThreadLink.objects.filter(source__community=c),
        ("kind", "created_at"),
        refs={"source": "threads", "target": "threads"},
    ),
    Kind(
        "articles",
        Article,
        lambda c: Article.objects.filter(community=c),
        (
            "kind",
            "status",
            "title",
            "summary",
            "url",
            "created_at",
            "updated_at",
            "revision_count",
            "published_at",
            "verified_at",
            "verification_expires_at",
            "review_reason",
            "archived_at",
            "source_type",
            "source_id",
            "source_label",
            "view_count",
            "helpful_count",
            "unhelpful_count",
        ),
        refs={"created_by": "members", "verified_by": "members", "source_thread": "threads"},
        later={"replaced_by": "articles"},
        many={"tags": "tags", "attachments": "uploads"},
        markdown={"body": "body_html"},
        not_exported={"community": "the community the archive holds"},
    ),
    Kind(
        "article_revisions",
        ArticleRevision,
        lambda c: ArticleRevision.objects.filter(article__community=c),
        ("number", "title", "summary", "created_at", "restored_from"),
        refs={"article": "articles", "author": "members"},
        markdown={"body": ""},
    ),
    Kind(
        "proposals",
        Proposal,
        lambda c: Proposal.objects.filter(article__community=c),
        ("base_number", "title", "summary", "status", "created_at", "reviewed_at"),
        refs={"article": "articles", "author": "members", "reviewed_by": "members"},
        markdown={"body": ""},
    ),
    Kind(
        "review_comments",
        ReviewComment,
        lambda c: ReviewComment.objects.filter(proposal__article__community=c),
        ("created_at",),
        refs={"proposal": "proposals", "author": "members"},
        markdown={"body": ""},
    ),
    Kind(
        "feedback",
        Feedback,
        lambda c: Feedback.objects.filter(article__community=c),
        ("helpful", "comment", "created_at"),
        refs={"article": "articles", "member": "members"},
    ),
    Kind(
        "outdated_reports",
        OutdatedReport,
        lambda c: OutdatedReport.objects.filter(article__community=c),
        ("text", "created_at", "resolved_at"),
        refs={"article": "articles", "member": "members", "thread": "threads"},
    ),
    Kind(
        "learning_paths",
        LearningPath,
        lambda c: LearningPath.objects.filter(community=c),
        ("title", "description", "position", "created_at"),
        refs={"created_by": "members"},
        not_exported={"community": "the community the archive holds"},
    ),
    Kind(
        "path_sections",
        PathSection,
        lambda c: PathSection.objects.filter(path__community=c),
        ("title", "position"),
        refs={"path": "learning_paths"},
    ),
    Kind(
        "path_steps",
        PathStep,
        lambda c: PathStep.objects.filter(section__path__community=c),
        ("position", "url", "title"),
        refs={"section": "path_sections", "article": "articles", "thread": "threads"},
        needed=("article", "thread"),
    ),
    Kind(
        "events",
        Event,
        lambda c: Event.objects.filter(community=c),
        (
            "title",
            "kind",
            "format",
            "venue",
            "address",
            "join_url",
            "start",
            "end",
            "time_zone",
            "repeat",
            "repeat_interval",
            "repeat_until",
            "repeat_count",
            "last_end",
            "capacity_in_person",
            "capacity_online",
            "registration_deadline",
            "status",
            "cancel_reason",
            "sequence",
            "created_at",
            "updated_at",
            "recording_url",
            "outcomes",
        ),
        refs={"created_by": "members"},
        many={"tags": "tags"},
        markdown={"description": "description_html", "notes": "notes_html"},
        not_exported={"community": "the community the archive holds"},
    ),
    Kind(
        "event_changes",
        OccurrenceChange,
        lambda c: OccurrenceChange.objects.filter(event__community=c),
        ("original_start", "cancelled", "start", "end", "note"),
        refs={"event": "events"},
    ),
    Kind(
        "event_roles",
        EventRole,
        lambda c: EventRole.objects.filter(event__community=c),
        ("role",),
        refs={"event": "events", "member": "members"},
    ),
    Kind(
        "event_registrations",
        Registration,
        lambda c: Registration.objects.filter(event__community=c),
        (
            "occurrence",
            "response",
            "waitlisted",
            "waiting_since",
            "attendance",
            "created_at",
            "updated_at",
        ),
        refs={"event": "events", "member": "members"},
        not_exported={
            "reminded_day_at": "reminders are the source instance's; none is sent again",
            "reminded_hour_at": "reminders are the source instance's; none is sent again",
        },
    ),
    Kind(
        "event_feedback",
        EventFeedback,
        lambda c: EventFeedback.objects.filter(event__community=c),
        ("rating", "comment", "created_at"),
        refs={"event": "events", "member": "members"},
    ),
)

# Mentoring (version 3) -------------------------------------------------------------------
# A relationship is its pair's private space, but what it is made of — goals, the dates
# and next steps of check-ins, resources, feedback — is the community's record of its
# programme and travels with it; a check-in's notes are the pair's alone and never leave
# the instance (docs/community-archive.md).
CHECK_IN_NOTES = "private notes of the pair: never exported"

KINDS += (
    Kind(
        "mentoring_programmes",
        Programme,
        lambda c: Programme.objects.filter(community=c),
        (
            "name",
            "goals",
            "starts_on",
            "ends_on",
            "applications_close",
            "status",
            "weight_skills",
            "weight_time_zone",
            "weight_availability",
            "weight_organisation",
            "organisation_rule",
            "max_capacity",
            "threshold",
            "coverage",
            "check_in_weeks",
            "created_at",
            "updated_at",
            "matched_at",
            "published_at",
        ),
        refs={"created_by": "members"},
        markdown={"description": "description_html"},
        not_exported={"community": "the community the archive holds"},
    ),
    Kind(
        "mentoring_applications",
        Application,
        lambda c: Application.objects.filter(programme__community=c),
        (
            "role",
            "status",
            "capacity",
            "languages",
            "availability",
            "goals",
            "learning",
            "preferences",
            "created_at",
            "updated_at",
        ),
        refs={"programme": "mentoring_programmes", "member": "members"},
        # People to avoid who are not in the archive (no member of the community, nothing
        # written in it) are left out of the list.
        many={"skills": "tags", "avoid": "members"},
    ),
    Kind(
        "mentoring_matches",
        Match,
        lambda c: Match.objects.filter(programme__community=c),
        (
            "score",
            "breakdown",
            "locked",
            "status",
            "mentee_answer",
            "mentor_answer",
            "created_at",
            "published_at",
            "answered_at",
        ),
        refs={
            "programme": "mentoring_programmes",
            "mentee": "mentoring_applications",
            "mentor": "mentoring_applications",
        },
    ),
    Kind(
        "mentoring_relationships",
        Relationship,
        lambda c: Relationship.objects.filter(programme__community=c),
        ("status", "started_at", "finished_at", "last_check_in_at", "nudged_at"),
        refs={
            "match": "mentoring_matches",
            "programme": "mentoring_programmes",
            "mentor": "members",
            "mentee": "members",
        },
    ),
    Kind(
        "mentoring_goals",
        Goal,
        lambda c: Goal.objects.filter(relationship__programme__community=c),
        ("title", "status", "created_at", "updated_at"),
        refs={"relationship": "mentoring_relationships", "created_by": "members"},
    ),
    Kind(
        "mentoring_check_ins",
        CheckIn,
        lambda c: CheckIn.objects.filter(relationship__programme__community=c),
        ("held_on", "next_steps", "created_at"),
        refs={"relationship": "mentoring_relationships", "author": "members"},
        not_exported={"notes": CHECK_IN_NOTES},
    ),
    Kind(
        "mentoring_resources",
        Resource,
        lambda c: Resource.objects.filter(relationship__programme__community=c),
        ("url", "title", "note", "created_at"),
        refs={
            "relationship": "mentoring_relationships",
            "added_by": "members",
            "article": "articles",
            "path": "learning_paths",
            "event": "events",
        },
        # A resource is its one target: without it (left out of the archive), no resource.
        needed=("article", "path", "event"),
    ),
    Kind(
        "mentoring_feedback",
        MentoringFeedback,
        lambda c: MentoringFeedback.objects.filter(relationship__programme__community=c),
        ("rating", "comment", "created_at"),
        refs={"relationship": "mentoring_relationships", "member": "members"},
    ),
)

# Onboarding (version 3) ------------------------------------------------------------------
# The coordinators' welcome is the community's and travels; buddies stay behind.
KINDS += (
    Kind(
        "onboarding",
        Onboarding,
        lambda c: Onboarding.objects.filter(community=c),
        ("buddies", "updated_at"),
        refs={
            "starter_path": "learning_paths",
            "introductions": "threads",
            "updated_by": "members",
        },
        markdown={"welcome": "welcome_html"},
        not_exported={"community": "the community the archive holds"},
    ),
)

# Value-creation stories (version 4) --------------------------------------------------------
# A member's story of what the community brought them is the community's record of its
# value; the author travels as a member of the archive, and the prompts stay behind.
KINDS += (
    Kind(
        "stories",
        Story,
        lambda c: Story.objects.filter(community=c),
        (
            "title",
            "cycle",
            "effect_kind",
            "effect_value",
            "effect_unit",
            "created_at",
            "updated_at",
        ),
        refs={
            "author": "members",
            "thread": "threads",
            "article": "articles",
            "event": "events",
            "relationship": "mentoring_relationships",
        },
        markdown={"text": "text_html"},
        not_exported={"community": "the community the archive holds"},
    ),
)

KIND_NAMES = ("members", "community", *(kind.name for kind in KINDS))

# Models of a community's data that no archive carries, and why (a test checks that every
# model pointing at a community, a thread, a post or an article is either a kind or here).
LEFT_BEHIND: dict[str, str] = {
    "conversations": "direct messages are private to their participants: never exported",
    "discussions.ReadState": "how far each member read: personal, and meaningless elsewhere",
    "discussions.Draft": "unfinished writing is private to its author",
    "knowledge.ArticleDraft": "unfinished writing is private to its author",
    "knowledge.ArticleView": "anonymous daily view records (the count travels with the article)",
    "knowledge.StepDone": "each member's own progress, private to them",
    "moderation.Flag": "who flagged whom is private to the source's moderators",
    "moderation.Appeal": "appeals are between a member and the source's moderators",
    "communities.ModerationLogEntry": "the source instance's audit log stays with it",
    "communities.CommunityInvitation": "invitations carry e-mail addresses and secrets",
    "notifications": "subscriptions and notifications are per instance; members choose again",
    "importers.ImportedObject": "import bookkeeping of the source instance",
    "search": "the search index and attachments' text are rebuilt by the importing instance;"
    " the search log stays with the source",
    "semantic": "vectors are computed again by the importing instance's worker",
    "people.ActivityEvidence": "expertise evidence is computed again by the importing instance",
    "people.TopicEvidence": "expertise evidence is computed again by the importing instance",
    "people.AnswerRequest": "who asked whom to answer is private to the two members",
    "events.CalendarToken": "the secret address of a member's calendar on the source instance",
    "onboarding.Buddy": "buddies are suggestions between members of the source instance;"
    " newcomers of the new one are suggested theirs",
    "analytics.Snapshot": "derived from the rest: the new instance computes its own with"
    " `guilde analytics rebuild`",
    "analytics.StoryPrompt": "questions asked of members on the source instance; the new"
    " one asks its own",
    "webhooks": "webhooks hold signing secrets and the addresses of the source's integrations,"
    " and send with their owners' rights there; the new instance's coordinators set up theirs",
    "accounts.IdentityProvider": "single sign-on configuration of the source instance: the new"
    " one connects its own providers (docs/sso.md)",
    "accounts.IdentityProviderGroupRole": "single sign-on configuration of the source"
    " instance: its groups map to the new instance's communities when configured there",
    "socialaccount": "providers' settings and secrets, members' identities at them: members"
    " arrive as placeholders and sign in anew",
}


def kind_named(name: str) -> Kind:
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise KeyError(name)
