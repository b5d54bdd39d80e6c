"""Who may see and do what in mentoring.

===================  ===============================================================
action               allowed to
===================  ===============================================================
create_programme     (on a community) its coordinators and administrators
view (programme)     those who may view the community; a draft: those who manage it
manage               edit, open, close, run the matching, review, swap, lock, publish:
                     the community's coordinators and administrators
apply                members who may post in the community, while applications are open
view (application)   the applicant, and those who manage the programme
view (match)         those who manage the programme; its pair once published
answer               one side of a published match, once
view (relationship)  its pair only — not coordinators, not administrators: they see
                     counts per status, never goals, check-ins, notes or resources
write                add goals, check-ins, resources: the pair, while it is active
feedback             each of the pair, once the relationship finished or the programme
                     ended
===================  ===============================================================
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from guilde.communities.models import Community
from guilde.communities.permissions import can_manage, can_post, can_view
from guilde.core.permissions import rule
from guilde.mentoring.models import Application, Match, Programme, Relationship


@rule(Community, "create_programme")
def can_create_programme(viewer: Any, community: Community) -> bool:
    return can_manage(viewer, community)


@rule(Programme, "view", decides_visibility=True)
def can_view_programme(viewer: Any, programme: Programme) -> bool:
    if programme.status == Programme.Status.DRAFT:
        return can_manage(viewer, programme.community)
    return can_view(viewer, programme.community)


@rule(Programme, "manage")
def can_manage_programme(viewer: Any, programme: Programme) -> bool:
    return can_manage(viewer, programme.community)


@rule(Programme, "apply")
def can_apply(viewer: Any, programme: Programme) -> bool:
    return programme.accepts_applications and can_post(viewer, programme.community)


@rule(Application, "view", decides_visibility=True)
def can_view_application(viewer: Any, application: Application) -> bool:
    if viewer.is_authenticated and application.member_id == viewer.pk:
        return True
    return can_manage(viewer, application.programme.community)


@rule(Match, "view", decides_visibility=True)
def can_view_match(viewer: Any, match: Match) -> bool:
    if can_manage(viewer, match.programme.community):
        return True
    if match.status == Match.Status.PROPOSED or not viewer.is_authenticated:
        return False
    return bool(match.side_of(viewer.pk))


@rule(Match, "answer")
def can_answer(viewer: Any, match: Match) -> bool:
    if match.status != Match.Status.PUBLISHED or not viewer.is_authenticated:
        return False
    side = match.side_of(viewer.pk)
    if side == "mentee":
        return match.mentee_answer == Match.Answer.PENDING
    if side == "mentor":
        return match.mentor_answer == Match.Answer.PENDING
    return False


@rule(Relationship, "view", decides_visibility=True)
def can_view_relationship(viewer: Any, relationship: Relationship) -> bool:
    return viewer.is_authenticated and relationship.has_member(viewer.pk)


@rule(Relationship, "write")
def can_write(viewer: Any, relationship: Relationship) -> bool:
    return (
        can_view_relationship(viewer, relationship)
        and relationship.status == Relationship.Status.ACTIVE
    )


@rule(Relationship, "feedback")
def can_give_feedback(viewer: Any, relationship: Relationship) -> bool:
    if not can_view_relationship(viewer, relationship):
        return False
    programme = relationship.programme
    ended = programme.status == Programme.Status.CLOSED or (
        programme.ends_on is not None and programme.ends_on <= timezone.localdate()
    )
    return relationship.status == Relationship.Status.FINISHED or ended
