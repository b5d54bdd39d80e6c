"""What the knowledge base holds about members (see guilde.accounts.rights)."""

from __future__ import annotations

from typing import Any

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
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

classify(
    "knowledge.Article",
    Handling.CONTRIBUTION,
    "articles the member started: kept for the community, without their name when erased",
    export_part="articles_started",
    owner_field="created_by",
)
classify(
    "knowledge.ArticleRevision",
    Handling.CONTRIBUTION,
    "revisions the member wrote: kept (the history is the community's), signed 'deleted member'",
    export_part="article_revisions",
    owner_field="author",
)
classify(
    "knowledge.Proposal",
    Handling.CONTRIBUTION,
    "changes the member proposed: open ones are withdrawn on erasure",
    export_part="article_proposals",
    owner_field="author",
)
classify(
    "knowledge.ReviewComment",
    Handling.CONTRIBUTION,
    "review comments the member wrote",
    export_part="review_comments",
    owner_field="author",
)
classify(
    "knowledge.Feedback",
    Handling.OWNED,
    '"was this helpful?" answers',
    export_part="article_feedback",
)
classify("knowledge.ArticleView", Handling.NONE, "views counted once a day, by an opaque key")
classify(
    "knowledge.OutdatedReport",
    Handling.OWNED,
    "articles reported out of date",
    export_part="outdated_reports",
)
classify(
    "knowledge.ArticleDraft",
    Handling.OWNED,
    "unfinished article texts",
    export_part="article_drafts",
)
classify(
    "knowledge.LearningPath",
    Handling.CONTRIBUTION,
    "learning paths the member arranged: kept, without their name",
    export_part="learning_paths",
    owner_field="created_by",
)
classify("knowledge.PathSection", Handling.NONE, "sections of learning paths")
classify("knowledge.PathStep", Handling.NONE, "steps of learning paths")
classify(
    "knowledge.StepDone", Handling.OWNED, "steps the member ticked", export_part="learning_progress"
)


@on_account_deletion(order=55)
def forget_knowledge(context: DeletionContext) -> None:
    member = context.member
    for model in (Feedback, OutdatedReport, ArticleDraft, StepDone):
        model._default_manager.filter(member=member).delete()
    ArticleView.objects.filter(viewer=f"m{member.pk}").delete()
    Article.objects.filter(verified_by=member).update(verified_by=None)
    Proposal.objects.filter(reviewed_by=member).update(reviewed_by=None)
    if context.keep_contributions:
        return
    Proposal.objects.filter(author=member, status=Proposal.Status.OPEN).delete()
    Proposal.objects.filter(author=member).update(author=None)
    ReviewComment.objects.filter(author=member).update(author=None)
    # The knowledge stays the community's: revisions and articles lose their author.
    ArticleRevision.objects.filter(author=member).update(author=None)
    Article.objects.filter(created_by=member).update(created_by=None)
    LearningPath.objects.filter(created_by=member).update(created_by=None)


@exporter("articles_started")
def export_articles(member: User) -> list[dict[str, Any]]:
    return [
        {"id": a.pk, "title": a.title, "status": a.status}
        for a in Article.objects.filter(created_by=member)
    ]


@exporter("article_revisions")
def export_revisions(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": r.pk,
            "article": r.article_id,
            "number": r.number,
            "title": r.title,
            "body": r.body,
            "created_at": r.created_at,
        }
        for r in ArticleRevision.objects.filter(author=member)
    ]


@exporter("article_proposals")
def export_proposals(member: User) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "article": p.article_id, "title": p.title, "body": p.body, "status": p.status}
        for p in Proposal.objects.filter(author=member)
    ]


@exporter("review_comments")
def export_review_comments(member: User) -> list[dict[str, Any]]:
    return [
        {"id": c.pk, "proposal": c.proposal_id, "body": c.body}
        for c in ReviewComment.objects.filter(author=member)
    ]


@exporter("article_feedback")
def export_feedback(member: User) -> list[dict[str, Any]]:
    return [
        {"id": f.pk, "article": f.article_id, "helpful": f.helpful, "comment": f.comment}
        for f in Feedback.objects.filter(member=member)
    ]


@exporter("outdated_reports")
def export_outdated(member: User) -> list[dict[str, Any]]:
    return [
        {"id": r.pk, "article": r.article_id, "text": r.text}
        for r in OutdatedReport.objects.filter(member=member)
    ]


@exporter("article_drafts")
def export_drafts(member: User) -> list[dict[str, Any]]:
    return [
        {"id": d.pk, "title": d.title, "body": d.body}
        for d in ArticleDraft.objects.filter(member=member)
    ]


@exporter("learning_paths")
def export_paths(member: User) -> list[dict[str, Any]]:
    return [{"id": p.pk, "title": p.title} for p in LearningPath.objects.filter(created_by=member)]


@exporter("learning_progress")
def export_progress(member: User) -> list[dict[str, Any]]:
    return [
        {"id": s.pk, "step": s.step_id, "done_at": s.done_at}
        for s in StepDone.objects.filter(member=member)
    ]


__all__ = ["PathSection", "PathStep"]
