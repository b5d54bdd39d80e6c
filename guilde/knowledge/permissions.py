"""Who may read, write, review and verify knowledge.

=============  =====================================================================
article        allowed to
=============  =====================================================================
view           those who may view the community; a draft only to its author and the
               community's stewards
edit           save a new revision directly: stewards; its author while it is a
               draft; any member who may post in the community when changes are not
               reviewed there; never an archived article
propose        propose a change for a steward's review: members who may post, where
               the community reviews changes, on a published article they may not edit
publish        its author or a steward, while it is a draft
steward        verify, archive, restore a revision, review proposals: stewards
report         say it is out of date: members who may post, on a published article
feedback       "was this helpful?": signed-in readers, on a published article
=============  =====================================================================

Stewards: administrators, the community's coordinators, and members it names stewards.
Learning paths: readers of the community see them; coordinators and administrators
arrange them; members who may read a path tick its steps.
"""

from __future__ import annotations

from typing import Any

from guilde.communities.models import Community, Membership
from guilde.communities.permissions import can_post, can_view, is_admin, membership_of
from guilde.core.permissions import rule
from guilde.knowledge.models import Article, LearningPath, Proposal


def is_steward(viewer: Any, community: Community) -> bool:
    if is_admin(viewer):
        return True
    membership = membership_of(viewer, community)
    if membership is None or not membership.is_active:
        return False
    return membership.role == Membership.Role.COORDINATOR or membership.steward


@rule(Community, "steward")
def can_steward(viewer: Any, community: Community) -> bool:
    return community.status == Community.Status.ACTIVE and is_steward(viewer, community)


@rule(Community, "write_article")
def can_write_article(viewer: Any, community: Community) -> bool:
    return can_post(viewer, community)


def _is_author(viewer: Any, article: Article) -> bool:
    return bool(viewer.is_authenticated and article.created_by_id == viewer.pk)


@rule(Article, "view", decides_visibility=True)
def can_view_article(viewer: Any, article: Article) -> bool:
    if not can_view(viewer, article.community):
        return False
    if article.status == Article.Status.DRAFT:
        return _is_author(viewer, article) or is_steward(viewer, article.community)
    return True


@rule(Article, "edit")
def can_edit_article(viewer: Any, article: Article) -> bool:
    community = article.community
    if article.status == Article.Status.ARCHIVED or not can_view_article(viewer, article):
        return False
    if can_steward(viewer, community):
        return True
    if not can_post(viewer, community):
        return False
    if article.status == Article.Status.DRAFT:
        return _is_author(viewer, article)
    return not community.review_article_changes


@rule(Article, "propose")
def can_propose(viewer: Any, article: Article) -> bool:
    community = article.community
    return (
        community.review_article_changes
        and article.status not in (Article.Status.DRAFT, Article.Status.ARCHIVED)
        and can_post(viewer, community)
        and not can_steward(viewer, community)
    )


@rule(Article, "publish")
def can_publish(viewer: Any, article: Article) -> bool:
    return article.status == Article.Status.DRAFT and (
        (_is_author(viewer, article) and can_post(viewer, article.community))
        or can_steward(viewer, article.community)
    )


@rule(Article, "steward")
def can_steward_article(viewer: Any, article: Article) -> bool:
    return can_steward(viewer, article.community)


@rule(Article, "report")
def can_report(viewer: Any, article: Article) -> bool:
    return article.status in (Article.Status.PUBLISHED, Article.Status.VERIFIED) and can_post(
        viewer, article.community
    )


@rule(Article, "feedback")
def can_give_feedback(viewer: Any, article: Article) -> bool:
    return (
        viewer.is_authenticated
        and article.status != Article.Status.DRAFT
        and can_view_article(viewer, article)
    )


@rule(Proposal, "view", decides_visibility=True)
def can_view_proposal(viewer: Any, proposal: Proposal) -> bool:
    article = proposal.article
    if not can_view_article(viewer, article):
        return False
    return bool(viewer.is_authenticated and proposal.author_id == viewer.pk) or is_steward(
        viewer, article.community
    )


@rule(Proposal, "review")
def can_review(viewer: Any, proposal: Proposal) -> bool:
    return proposal.status == Proposal.Status.OPEN and can_steward(
        viewer, proposal.article.community
    )


@rule(LearningPath, "view", decides_visibility=True)
def can_view_path(viewer: Any, path: LearningPath) -> bool:
    return can_view(viewer, path.community)


@rule(LearningPath, "manage")
def can_manage_path(viewer: Any, path: LearningPath) -> bool:
    return can_arrange_paths(viewer, path.community)


@rule(Community, "arrange_paths")
def can_arrange_paths(viewer: Any, community: Community) -> bool:
    if community.status != Community.Status.ACTIVE:
        return False
    if is_admin(viewer):
        return True
    membership = membership_of(viewer, community)
    return (
        membership is not None
        and membership.is_active
        and membership.role == Membership.Role.COORDINATOR
    )


@rule(LearningPath, "follow")
def can_follow(viewer: Any, path: LearningPath) -> bool:
    return viewer.is_authenticated and can_view_path(viewer, path)
