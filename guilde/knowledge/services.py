"""Writes about knowledge: articles and their revisions, the lifecycle, proposals, capture
from discussions (and, through :class:`CapturedSource`, from anything), feedback, views,
learning paths."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guilde.accounts.models import User
from guilde.communities.models import Community, Tag
from guilde.communities.selectors import tags_named
from guilde.core import indexing
from guilde.core.events import publish
from guilde.core.markdown import Rendered
from guilde.core.permissions import can, require
from guilde.discussions.models import Post, Thread
from guilde.discussions.services import render_body
from guilde.knowledge.models import (
    Article,
    ArticleDraft,
    ArticleRevision,
    ArticleView,
    Feedback,
    LearningPath,
    OutdatedReport,
    PathSection,
    PathStep,
    Proposal,
    ReviewComment,
    StepDone,
)
from guilde.uploads.models import Upload

MAX_TAGS = 8
# The sections of case studies and lessons learned (rendered as headings; editable Markdown).
STRUCTURED_KINDS = (Article.Kind.CASE_STUDY, Article.Kind.LESSON)


def template_for(kind: str) -> str:
    """The starting text of an article of ``kind``: sections for case studies and lessons."""
    if kind not in STRUCTURED_KINDS:
        return ""
    headings = [_("Context"), _("Challenge"), _("What was done"), _("Results"), _("Lessons")]
    return "\n\n".join(f"## {heading}\n\n" for heading in headings).rstrip() + "\n"


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())[:200]
    if not cleaned:
        raise ValidationError(_("An article needs a title."))
    return cleaned


def _tags(community: Community, names: Iterable[str]) -> list[Tag]:
    return tags_named(community, names, limit=MAX_TAGS)


def _attach(article: Article, rendered: Rendered) -> None:
    uploads = Upload.objects.filter(pk__in=rendered.uploads, community_id=article.community_id)
    before = set(article.attachments.values_list("pk", flat=True))
    article.attachments.set(list(uploads))
    indexing.changed("upload", *(before - {u.pk for u in uploads}))  # no longer used here


def _locked(article: Article) -> Article:
    return (
        Article.objects.select_for_update(no_key=True)
        .select_related("community")
        .get(pk=article.pk)
    )


def _new_revision(
    article: Article,
    *,
    author: User | None,
    title: str,
    body: str,
    summary: str,
    restored_from: int | None = None,
) -> ArticleRevision:
    """Write the next revision (immutable) and make it the article's current text."""
    rendered = render_body(body)
    now = timezone.now()
    number = article.revision_count + 1
    revision = ArticleRevision.objects.create(
        article=article,
        number=number,
        title=title,
        body=body,
        summary=summary.strip()[:300],
        author=author,
        created_at=now,
        restored_from=restored_from,
    )
    article.title, article.body, article.body_html = title, body, rendered.html
    article.revision_count, article.updated_at = number, now
    article.save(update_fields=["title", "body", "body_html", "revision_count", "updated_at"])
    _attach(article, rendered)
    indexing.changed("article", article.pk)
    return revision


def _discard_draft(member: User, community: Community, article: Article | None) -> None:
    ArticleDraft.objects.filter(member=member, community=community, article=article).delete()


# Sources: what an article may be captured from ---------------------------------------------


@dataclass
class CapturedSource:
    """Something a community learned, to capture as a draft article — the one interface of
    "promote to knowledge". Discussions build one from a thread
    (:func:`source_from_thread`); events and mentoring build theirs the same way.

    ``source_type`` names the kind of origin ("thread", "event", "mentoring"...),
    ``source_id`` its id, ``label`` how the article names it ("from the discussion …"),
    ``url`` where it lives. ``title`` and ``body`` prefill the draft.
    """

    community: Community
    source_type: str
    source_id: int
    label: str
    url: str
    title: str
    body: str
    kind: str = Article.Kind.GUIDE
    thread: Thread | None = None
    tags: list[str] = field(default_factory=list)


def source_from_thread(
    *, viewer: User, thread: Thread, post_ids: Iterable[int] = ()
) -> CapturedSource:
    """A thread as a source: its opening post, then the accepted answer or the chosen posts."""
    require(viewer, "view", thread)
    chosen = set(post_ids)
    posts = (
        Post.objects.filter(thread=thread).visible().select_related("author").order_by("position")
    )
    if chosen:
        picked = [p for p in posts if p.pk in chosen or p.position == 1]
    elif thread.accepted_post_id:
        picked = [p for p in posts if p.position == 1 or p.pk == thread.accepted_post_id]
    else:
        picked = list(posts[:1])
    parts = []
    for post in picked:
        name = post.author.name if post.author else _("Deleted member")
        heading = _("The question") if post.position == 1 and thread.is_question else name
        if post.pk == thread.accepted_post_id:
            heading = _("The accepted answer, by %(name)s") % {"name": name}
        parts.append(f"## {heading}\n\n{post.body.strip()}")
    kind = Article.Kind.GUIDE if thread.is_question else Article.Kind.LESSON
    return CapturedSource(
        community=thread.community,
        source_type="thread",
        source_id=thread.pk,
        label=thread.title,
        url=thread.get_absolute_url(),
        title=thread.title,
        body="\n\n".join(parts) + "\n",
        kind=kind,
        thread=thread,
        tags=[t.slug for t in thread.tags.all()],
    )


# Articles -----------------------------------------------------------------------------------


@transaction.atomic
def article_create(
    *,
    actor: User,
    community: Community,
    kind: str,
    title: str,
    body: str,
    summary: str = "",
    url: str = "",
    tags: Iterable[str] = (),
    publish_now: bool = False,
    source: CapturedSource | None = None,
) -> Article:
    """A new article (a draft unless ``publish_now``), with its first revision."""
    require(actor, "write_article", community)
    if kind not in Article.Kind.values:
        raise ValidationError(_("Unknown type of article."))
    title = _clean_title(title)
    if kind == Article.Kind.RESOURCE and not url.strip() and "/uploads/" not in body:
        raise ValidationError(
            _("A resource points somewhere: give its address or attach its file.")
        )
    chosen_tags = _tags(community, tags)
    now = timezone.now()
    article = Article.objects.create(
        community=community,
        kind=kind,
        title=title,
        summary=summary.strip()[:300],
        url=url.strip(),
        created_by=actor,
        created_at=now,
        updated_at=now,
        status=Article.Status.PUBLISHED if publish_now else Article.Status.DRAFT,
        published_at=now if publish_now else None,
    )
    if source is not None:
        if source.community.pk != community.pk:
            raise ValidationError(_("Capture it in the community it comes from."))
        article.source_type, article.source_id = source.source_type, source.source_id
        article.source_label, article.source_thread = source.label[:200], source.thread
        article.save(update_fields=["source_type", "source_id", "source_label", "source_thread"])
    article.tags.set(chosen_tags)
    _new_revision(article, author=actor, title=title, body=body, summary=_("Created"))
    _discard_draft(actor, community, None)
    return article


def promote(*, actor: User, source: CapturedSource) -> Article:
    """Capture a source (a thread, an event's notes...) as a draft article, with provenance
    both ways: the article names its source; the source lists the articles captured from it."""
    tags = [slug for slug in source.tags if source.community.tags.filter(slug=slug).exists()]
    return article_create(
        actor=actor,
        community=source.community,
        kind=source.kind,
        title=source.title,
        body=source.body,
        tags=tags[:MAX_TAGS],
        source=source,
    )


@transaction.atomic
def article_update(
    *,
    actor: User,
    article: Article,
    title: str,
    body: str,
    summary: str = "",
    tags: Iterable[str] | None = None,
    url: str | None = None,
    kind: str | None = None,
) -> ArticleRevision | None:
    """Save a new revision; ``None`` when nothing changed."""
    require(actor, "edit", article)
    article = _locked(article)
    title = _clean_title(title)
    details_changed = False
    if tags is not None:
        article.tags.set(_tags(article.community, tags))
    if url is not None and url.strip() != article.url:
        article.url, details_changed = url.strip(), True
    if kind is not None and kind != article.kind:
        if kind not in Article.Kind.values:
            raise ValidationError(_("Unknown type of article."))
        article.kind, details_changed = kind, True
    if details_changed:
        article.save(update_fields=["url", "kind"])
    _discard_draft(actor, article.community, article)
    if title == article.title and body == article.body:
        indexing.changed("article", article.pk)
        return None
    return _new_revision(article, author=actor, title=title, body=body, summary=summary)


@transaction.atomic
def article_restore(*, actor: User, article: Article, number: int) -> ArticleRevision:
    """Bring back revision ``number``: a new latest revision with its content."""
    require(actor, "edit", article)
    article = _locked(article)
    old = ArticleRevision.objects.filter(article=article, number=number).first()
    if old is None:
        raise ValidationError(_("This revision does not exist."))
    return _new_revision(
        article,
        author=actor,
        title=old.title,
        body=old.body,
        summary=_("Restored revision %(number)s") % {"number": number},
        restored_from=number,
    )


@transaction.atomic
def article_publish(*, actor: User, article: Article) -> Article:
    require(actor, "publish", article)
    article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
    article.save(update_fields=["status", "published_at"])
    indexing.changed("article", article.pk)
    return article


@transaction.atomic
def article_verify(*, actor: User, article: Article) -> Article:
    """A steward confirms the article is correct, for the community's verification period."""
    require(actor, "steward", article)
    if article.status in (Article.Status.DRAFT, Article.Status.ARCHIVED):
        raise ValidationError(_("Publish the article before verifying it."))
    now = timezone.now()
    article.status = Article.Status.VERIFIED
    article.verified_at, article.verified_by = now, actor
    article.verification_expires_at = now + timedelta(days=article.community.verification_days)
    article.review_reason = ""
    article.save(
        update_fields=[
            "status",
            "verified_at",
            "verified_by",
            "verification_expires_at",
            "review_reason",
        ]
    )
    OutdatedReport.objects.filter(article=article, resolved_at__isnull=True).update(resolved_at=now)
    indexing.changed("article", article.pk)
    publish("article.verified", article_id=article.pk)
    return article


def _needs_review(article: Article, reason: str, event: str) -> None:
    article.status, article.review_reason = Article.Status.NEEDS_REVIEW, reason[:500]
    article.save(update_fields=["status", "review_reason"])
    indexing.changed("article", article.pk)
    publish("article.needs_review", article_id=article.pk, reason=event)


@transaction.atomic
def article_report_outdated(
    *, actor: User, article: Article, text: str, thread: Thread | None = None
) -> OutdatedReport:
    """A member says the article is out of date: it needs review; stewards are told."""
    require(actor, "report", article)
    if not text.strip():
        raise ValidationError(_("Say what is out of date."))
    if thread is not None and not can(actor, "view", thread):
        raise PermissionDenied
    report = OutdatedReport.objects.create(
        article=article, member=actor, text=text.strip()[:2000], thread=thread
    )
    _needs_review(article, text.strip(), "outdated")
    return report


@transaction.atomic
def article_archive(
    *, actor: User, article: Article, replaced_by: Article | None = None
) -> Article:
    """Retire an article: kept, marked obsolete, pointing to its replacement if any."""
    require(actor, "steward", article)
    if replaced_by is not None:
        if replaced_by.pk == article.pk or replaced_by.community_id != article.community_id:
            raise ValidationError(_("The replacement is another article of the same community."))
        if replaced_by.status in (Article.Status.DRAFT, Article.Status.ARCHIVED):
            raise ValidationError(_("The replacement must be a published article."))
    article.status, article.archived_at, article.replaced_by = (
        Article.Status.ARCHIVED,
        timezone.now(),
        replaced_by,
    )
    article.save(update_fields=["status", "archived_at", "replaced_by"])
    indexing.changed("article", article.pk)
    return article


def expire_verifications(now: datetime | None = None) -> int:
    """Verified articles whose verification expired need review; their stewards are told."""
    now = now or timezone.now()
    expired = list(
        Article.objects.filter(
            status=Article.Status.VERIFIED, verification_expires_at__lte=now
        ).select_related("community")
    )
    for article in expired:
        with transaction.atomic():
            _needs_review(article, _("The verification expired."), "expired")
    return len(expired)


# Proposals --------------------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *, actor: User, article: Article, title: str, body: str, summary: str = ""
) -> Proposal:
    require(actor, "propose", article)
    title = _clean_title(title)
    if title == article.title and body == article.body:
        raise ValidationError(_("Nothing changed."))
    proposal = Proposal.objects.create(
        article=article,
        base_number=article.revision_count,
        title=title,
        body=body,
        summary=summary.strip()[:300],
        author=actor,
    )
    _discard_draft(actor, article.community, article)
    publish("proposal.created", proposal_id=proposal.pk)
    return proposal


@transaction.atomic
def proposal_comment(*, actor: User, proposal: Proposal, body: str) -> ReviewComment:
    require(actor, "view", proposal)
    if not body.strip():
        raise ValidationError(_("Write something first."))
    return ReviewComment.objects.create(proposal=proposal, author=actor, body=body.strip()[:5000])


@transaction.atomic
def proposal_decide(
    *, actor: User, proposal: Proposal, accept: bool, comment: str = ""
) -> Proposal:
    """A steward accepts (a new revision, credited to the proposer) or declines."""
    require(actor, "review", proposal)
    if comment.strip():
        ReviewComment.objects.create(proposal=proposal, author=actor, body=comment.strip()[:5000])
    if accept:
        article = _locked(proposal.article)
        if article.status == Article.Status.ARCHIVED:
            raise ValidationError(_("This article is archived."))
        summary = proposal.summary or _("Proposed change")
        _new_revision(
            article,
            author=proposal.author,
            title=proposal.title,
            body=proposal.body,
            summary=summary,
        )
    proposal.status = Proposal.Status.ACCEPTED if accept else Proposal.Status.DECLINED
    proposal.reviewed_by, proposal.reviewed_at = actor, timezone.now()
    proposal.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    publish("proposal.decided", proposal_id=proposal.pk)
    return proposal


# Drafts, feedback, views --------------------------------------------------------------------


def draft_save(
    *, actor: User, community: Community, article: Article | None, title: str, body: str
) -> None:
    """The editor's autosave (an empty editor forgets its draft)."""
    if article is not None:
        if not (can(actor, "edit", article) or can(actor, "propose", article)):
            raise PermissionDenied
    else:
        require(actor, "write_article", community)
    if not title.strip() and not body.strip():
        _discard_draft(actor, community, article)
        return
    ArticleDraft.objects.update_or_create(
        member=actor,
        community=community,
        article=article,
        defaults={"title": title[:200], "body": body[:200_000], "updated_at": timezone.now()},
    )


def draft_for(
    *, member: User, community: Community, article: Article | None
) -> ArticleDraft | None:
    return ArticleDraft.objects.filter(member=member, community=community, article=article).first()


@transaction.atomic
def feedback_set(*, actor: User, article: Article, helpful: bool, comment: str = "") -> Feedback:
    require(actor, "feedback", article)
    feedback, _created = Feedback.objects.update_or_create(
        article=article,
        member=actor,
        defaults={"helpful": helpful, "comment": comment.strip()[:2000]},
    )
    counts = Feedback.objects.filter(article=article).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    Article.objects.filter(pk=article.pk).update(
        helpful_count=counts["yes"], unhelpful_count=counts["no"]
    )
    return feedback


BOT_MARKERS = (
    "bot",
    "crawl",
    "spider",
    "slurp",
    "preview",
    "fetch",
    "monitor",
    "curl",
    "wget",
    "python-",
)


def view_record(*, article: Article, member: User | None, address: str, user_agent: str) -> bool:
    """Count a view: once per member (or visitor) per day, never a robot's."""
    agent = user_agent.lower()
    if not agent or any(marker in agent for marker in BOT_MARKERS):
        return False
    today = timezone.localdate()
    if member is not None and member.is_authenticated:
        viewer = f"m{member.pk}"
    else:
        secret = f"{settings.SECRET_KEY}:{today.isoformat()}:{address}:{agent}"
        viewer = "v" + hashlib.sha256(secret.encode()).hexdigest()[:40]
    # Read before writing: most views are repeats, and a refused INSERT still takes the
    # database's write lock (SQLite).
    if ArticleView.objects.filter(article=article, viewer=viewer, day=today).exists():
        return False
    try:
        with transaction.atomic():
            ArticleView.objects.create(article=article, viewer=viewer, day=today)
    except IntegrityError:
        return False
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    return True


# Learning paths ---------------------------------------------------------------------------


@transaction.atomic
def path_save(
    *,
    actor: User,
    community: Community,
    title: str,
    description: str = "",
    path: LearningPath | None = None,
) -> LearningPath:
    if path is None:
        require(actor, "arrange_paths", community)
        path = LearningPath(community=community, created_by=actor)
    else:
        require(actor, "manage", path)
    if not title.strip():
        raise ValidationError(_("A learning path needs a title."))
    path.title, path.description = " ".join(title.split())[:200], description.strip()[:5000]
    path.save()
    return path


@transaction.atomic
def path_delete(*, actor: User, path: LearningPath) -> None:
    require(actor, "manage", path)
    path.delete()


@transaction.atomic
def section_add(*, actor: User, path: LearningPath, title: str) -> PathSection:
    require(actor, "manage", path)
    if not title.strip():
        raise ValidationError(_("A section needs a title."))
    position = (
        path.sections.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    return PathSection.objects.create(
        path=path, title=" ".join(title.split())[:200], position=position
    )


@transaction.atomic
def step_add(
    *,
    actor: User,
    section: PathSection,
    article: Article | None = None,
    thread: Thread | None = None,
    url: str = "",
    title: str = "",
) -> PathStep:
    """Add an article, a thread or a link to a section (from the path's own community)."""
    path = section.path
    require(actor, "manage", path)
    targets = [t for t in (article, thread, url.strip()) if t]
    if len(targets) != 1:
        raise ValidationError(_("A step is one article, one thread or one link."))
    for target in (article, thread):
        if target is not None and target.community_id != path.community_id:
            raise ValidationError(_("Steps come from the path's own community."))
    if url.strip() and not title.strip():
        raise ValidationError(_("Give the link a title."))
    position = (
        section.steps.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    return PathStep.objects.create(
        section=section,
        article=article,
        thread=thread,
        url=url.strip(),
        title=title.strip()[:200],
        position=position,
    )


@transaction.atomic
def step_remove(*, actor: User, step: PathStep) -> None:
    require(actor, "manage", step.section.path)
    step.delete()


@transaction.atomic
def step_done_set(*, actor: User, step: PathStep, done: bool) -> bool:
    """Tick (or untick) a step of a path the member follows; returns whether it is done."""
    require(actor, "follow", step.section.path)
    if done:
        StepDone.objects.get_or_create(step=step, member=actor)
    else:
        StepDone.objects.filter(step=step, member=actor).delete()
    return done


def step_toggle(*, actor: User, step: PathStep) -> bool:
    done = StepDone.objects.filter(step=step, member=actor).exists()
    return step_done_set(actor=actor, step=step, done=not done)
