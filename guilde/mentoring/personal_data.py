"""What mentoring holds about members (see guilde.accounts.rights).

A relationship is a shared private space of two people: when either deletes their
account, it goes with everything in it (goals, check-ins and their notes, resources,
feedback) — the other keeps no record naming the one who left, and nothing written in
confidence about them remains.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from guilde.accounts.models import User
from guilde.accounts.rights import (
    DeletionContext,
    Handling,
    classify,
    exporter,
    on_account_deletion,
)
from guilde.mentoring.models import Application, CheckIn, Goal, Programme, Relationship

classify(
    "mentoring.Programme",
    Handling.CONTRIBUTION,
    "programmes the member created: the community's, kept without their name",
    export_part="mentoring_programmes_created",
    owner_field="created_by",
)
classify(
    "mentoring.Application",
    Handling.OWNED,
    "the member's applications to mentor or be mentored (topics, languages, free time, "
    "goals, people to avoid)",
    export_part="mentoring_applications",
)
classify(
    "mentoring.Match",
    Handling.CUSTOM,
    "pairs proposed from the member's applications: deleted with them",
)
for label in ("Relationship", "Goal", "CheckIn", "Resource", "Feedback"):
    classify(
        f"mentoring.{label}",
        Handling.CUSTOM,
        "the member's mentoring relationships and what the pair wrote in them: exported "
        "(check-ins the member logged, with their notes) and deleted with the account",
    )


@on_account_deletion(order=77)
def forget_mentoring(context: DeletionContext) -> None:
    member = context.member
    # Relationships, then applications (their matches go with them).
    Relationship.objects.filter(Q(mentor=member) | Q(mentee=member)).delete()
    Application.objects.filter(member=member).delete()
    CheckIn.objects.filter(author=member).update(author=None)
    Goal.objects.filter(created_by=member).update(created_by=None)
    Programme.objects.filter(created_by=member).update(created_by=None)


@exporter("mentoring_programmes_created")
def export_programmes(member: User) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "community": p.community.slug, "name": p.name, "status": p.status}
        for p in Programme.objects.filter(created_by=member).select_related("community")
    ]


@exporter("mentoring_applications")
def export_applications(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "programme": a.programme.name,
            "role": a.role,
            "status": a.status,
            "topics": [tag.name for tag in a.skills.all()],
            "capacity": a.capacity,
            "languages": a.languages,
            "availability": a.availability,
            "goals": a.goals,
            "learning": a.learning,
            "preferences": a.preferences,
            "avoid": [person.username for person in a.avoid.all()],
        }
        for a in Application.objects.filter(member=member)
        .select_related("programme")
        .prefetch_related("skills", "avoid")
    ]


@exporter("mentoring_relationships")
def export_relationships(member: User) -> list[dict[str, Any]]:
    relationships = (
        Relationship.objects.filter(Q(mentor=member) | Q(mentee=member))
        .select_related("programme", "mentor", "mentee")
        .prefetch_related("goals", "check_ins", "resources", "feedback")
    )
    return [
        {
            "id": r.pk,
            "programme": r.programme.name,
            "role": "mentor" if r.mentor_id == member.pk else "mentee",
            "with": (r.mentee if r.mentor_id == member.pk else r.mentor).username,
            "status": r.status,
            "started_at": r.started_at.isoformat(),
            "goals": [{"title": g.title, "status": g.status} for g in r.goals.all()],
            # The member's own check-ins with their notes; the other's without theirs.
            "check_ins": [
                {
                    "held_on": c.held_on.isoformat(),
                    "mine": c.author_id == member.pk,
                    "notes": c.notes if c.author_id == member.pk else "",
                    "next_steps": c.next_steps,
                }
                for c in r.check_ins.all()
            ],
            "resources": [{"title": str(x), "note": x.note} for x in r.resources.all()],
            "feedback": [
                {"rating": f.rating, "comment": f.comment}
                for f in r.feedback.all()
                if f.member_id == member.pk
            ],
        }
        for r in relationships
    ]
