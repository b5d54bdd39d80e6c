"""What the people app holds about members (see guilde.accounts.rights)."""

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
from guilde.people.models import (
    AnswerRequest,
    Endorsement,
    Follow,
    HiddenTopic,
    PeoplePreferences,
)

classify(
    "people.Endorsement",
    Handling.OWNED,
    "endorsements the member gave (those they received go with their skills)",
    export_part="endorsements_given",
    owner_field="endorser",
)
classify(
    "people.PeoplePreferences",
    Handling.OWNED,
    "whether to be suggested and asked to answer",
    export_part="people_preferences",
)
classify(
    "people.HiddenTopic",
    Handling.OWNED,
    "topics hidden from the profile",
    export_part="hidden_topics",
)
classify(
    "people.Follow",
    Handling.OWNED,
    "members the member follows (their followers' rows go with the account too)",
    export_part="following",
    owner_field="follower",
)
classify(
    "people.AnswerRequest",
    Handling.CUSTOM,
    "requests the member sent and received are deleted with the account",
    export_part="answer_requests",
    owner_field="asker",
)
classify("people.EvidenceSnapshot", Handling.NONE, "when the expertise evidence was computed")
classify(
    "people.ActivityEvidence",
    Handling.CUSTOM,
    "sums computed from contributions; deleted with the account, computed again hourly",
)
classify(
    "people.TopicEvidence",
    Handling.CUSTOM,
    "sums computed from contributions; deleted with the account, computed again hourly",
)


@on_account_deletion(order=75)
def forget_people(context: DeletionContext) -> None:
    # Cascades remove every row when the account row goes; a deletion that keeps the row
    # (a placeholder) must not keep them either.
    from guilde.people.models import ActivityEvidence, TopicEvidence

    member = context.member
    for model, field in (
        (Endorsement, "endorser"),
        (Follow, "follower"),
        (Follow, "followed"),
        (HiddenTopic, "member"),
        (PeoplePreferences, "member"),
        (AnswerRequest, "asker"),
        (AnswerRequest, "member"),
        (ActivityEvidence, "member"),
        (TopicEvidence, "member"),
    ):
        model._default_manager.filter(**{field: member}).delete()
    Endorsement.objects.filter(member_skill__member=member).delete()


@exporter("endorsements_given")
def export_endorsements(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": e.pk,
            "member": e.member_skill.member.username,
            "skill": e.member_skill.skill.name,
            "created_at": e.created_at.isoformat(),
        }
        for e in Endorsement.objects.filter(endorser=member).select_related(
            "member_skill__member", "member_skill__skill"
        )
    ]


@exporter("people_preferences")
def export_preferences(member: User) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "suggest": p.suggest, "answer_requests": p.answer_requests}
        for p in PeoplePreferences.objects.filter(member=member)
    ]


@exporter("hidden_topics")
def export_hidden_topics(member: User) -> list[dict[str, Any]]:
    return [{"id": t.pk, "topic": t.slug} for t in HiddenTopic.objects.filter(member=member)]


@exporter("following")
def export_following(member: User) -> list[dict[str, Any]]:
    return [
        {"id": f.pk, "member": f.followed.username, "since": f.created_at.isoformat()}
        for f in Follow.objects.filter(follower=member).select_related("followed")
    ]


@exporter("answer_requests")
def export_answer_requests(member: User) -> list[dict[str, Any]]:
    return [
        {
            "id": r.pk,
            "thread": r.thread_id,
            "asked": r.member.username,
            "created_at": r.created_at.isoformat(),
        }
        for r in AnswerRequest.objects.filter(asker=member).select_related("member")
    ]
