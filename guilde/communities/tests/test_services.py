from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from guilde.accounts import member_rights
from guilde.accounts import services as account_services
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory
from guilde.communities import services
from guilde.communities.models import (
    Community,
    CommunityInvitation,
    CreationPolicy,
    Membership,
    Tag,
)
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks


def _create(actor, **fields):
    return services.community_create(
        actor=actor, name=fields.pop("name", "Bakers"), domain="Bread, together", **fields
    )


@pytest.mark.django_db
def test_the_creator_becomes_the_first_coordinator():
    creator = MemberFactory.create()
    community = _create(creator, tags=["Sourdough", "sourdough ", "Ovens"])
    membership = Membership.objects.get(community=community)
    assert (membership.member, membership.role, membership.status) == (
        creator,
        "coordinator",
        "active",
    )
    assert sorted(Tag.objects.filter(community=community).values_list("name", flat=True)) == [
        "Ovens",
        "Sourdough",
    ]
    assert community.slug == "bakers"
    assert _create(MemberFactory.create()).slug == "bakers-2"


@pytest.mark.django_db
def test_who_may_create_communities_is_an_instance_setting():
    policy = CreationPolicy.current()
    policy.who = CreationPolicy.Who.ADMINISTRATORS
    policy.save()
    with pytest.raises(PermissionDenied):
        _create(MemberFactory.create())
    _create(MemberFactory.create(is_staff=True))

    policy.who = CreationPolicy.Who.ORGANISATIONS
    policy.save()
    allowed_org = OrganisationFactory.create()
    policy.organisations.add(allowed_org)
    insider, outsider = MemberFactory.create(), MemberFactory.create()
    account_services.affiliation_set(actor=insider, member=insider, organisation=allowed_org)
    _create(insider, name="Insiders")
    with pytest.raises(PermissionDenied):
        _create(outsider, name="Outsiders")


@pytest.mark.django_db
def test_new_communities_wait_for_approval_when_configured():
    policy = CreationPolicy.current()
    policy.requires_approval = True
    policy.save()
    admin = MemberFactory.create(is_staff=True)
    creator = MemberFactory.create()
    community = _create(creator)
    assert community.status == Community.Status.PENDING
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [[admin.email]]
    with pytest.raises((PermissionDenied, Http404)):
        services.community_approve(actor=creator, community=community)
    services.community_approve(actor=admin, community=community)
    assert community.status == Community.Status.ACTIVE


@pytest.mark.django_db
def test_a_hidden_community_is_joined_by_invitation_only():
    with pytest.raises(ValidationError):
        _create(MemberFactory.create(), visibility="hidden", join_policy="open")
    community = _create(MemberFactory.create(), visibility="hidden", join_policy="invitation")
    assert community.visibility == "hidden"


@pytest.mark.django_db
def test_joining_an_open_community_and_asking_to_join_another():
    coordinator = MemberFactory.create()
    open_one = _create(coordinator, name="Open")
    approval = _create(coordinator, name="Careful", join_policy="approval")
    moderator = member_of(approval, role="moderator")
    newcomer = MemberFactory.create()

    assert services.membership_join(actor=newcomer, community=open_one).status == "active"
    pending = services.membership_join(actor=newcomer, community=approval, message="Hello!")
    assert pending.status == "pending"
    run_queued_tasks()
    assert sorted(to for m in mail.outbox for to in m.to) == sorted(
        [coordinator.email, moderator.email]
    )

    with pytest.raises(PermissionDenied):
        services.membership_decide(actor=newcomer, membership=pending, approve=True)
    mail.outbox.clear()
    services.membership_decide(actor=moderator, membership=pending, approve=True)
    pending.refresh_from_db()
    assert pending.status == "active"
    assert pending.joined_at is not None
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [[newcomer.email]]


@pytest.mark.django_db
def test_a_declined_request_can_be_made_again_later():
    coordinator = MemberFactory.create()
    community = _create(coordinator, join_policy="approval")
    hopeful = MemberFactory.create()
    request = services.membership_join(actor=hopeful, community=community)
    services.membership_decide(actor=coordinator, membership=request, approve=False)
    assert not Membership.objects.filter(member=hopeful).exists()
    community = Community.objects.get(pk=community.pk)
    assert services.membership_join(actor=hopeful, community=community).status == "pending"


@pytest.mark.django_db
def test_the_last_coordinator_names_a_successor_before_leaving():
    coordinator = MemberFactory.create()
    community = _create(coordinator)
    helper = member_of(community)
    with pytest.raises(ValidationError, match="last coordinator"):
        services.membership_leave(actor=coordinator, community=community)
    with pytest.raises(ValidationError, match="last coordinator"):
        services.membership_set_role(
            actor=coordinator, membership=Membership.objects.get(member=coordinator), role="member"
        )
    services.membership_leave(actor=coordinator, community=community, successor=helper)
    assert Membership.objects.get(member=helper).role == "coordinator"
    assert not Membership.objects.filter(member=coordinator).exists()


@pytest.mark.django_db
def test_invitations_reach_people_with_and_without_an_account():
    coordinator = MemberFactory.create()
    community = _create(coordinator, visibility="hidden", join_policy="invitation")
    invitation = services.invitation_create(
        actor=coordinator, community=community, email="Friend@Example.org", role="moderator"
    )
    run_queued_tasks()
    assert mail.outbox[-1].to == ["friend@example.org"]
    assert "/communities/invitations/" in mail.outbox[-1].body

    friend = MemberFactory.create(email="friend@example.org")
    membership = services.invitation_accept(invitation=invitation, member=friend)
    assert (membership.role, membership.status) == ("moderator", "active")
    invitation.refresh_from_db()
    assert invitation.accepted_by == friend
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, member=MemberFactory.create())


@pytest.mark.django_db
def test_archived_communities_are_read_only_and_can_come_back():
    coordinator = MemberFactory.create()
    community = _create(coordinator)
    member = member_of(community)
    services.community_archive(actor=coordinator, community=community)
    outsider = MemberFactory.create()
    with pytest.raises(PermissionDenied):
        services.membership_join(actor=outsider, community=community)
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=coordinator, community=community, email="x@example.org")
    with pytest.raises(PermissionDenied):
        services.membership_set_role(
            actor=coordinator, membership=Membership.objects.get(member=member), role="moderator"
        )
    with pytest.raises(PermissionDenied):
        services.community_restore(actor=member, community=community)
    services.community_restore(actor=coordinator, community=community)
    assert community.status == Community.Status.ACTIVE


@pytest.mark.django_db
def test_deleting_the_last_coordinators_account_tells_the_administrators(
    django_capture_on_commit_callbacks,
):
    admin = MemberFactory.create(is_staff=True)
    coordinator = MemberFactory.create()
    community = _create(coordinator)
    member_of(community)
    with django_capture_on_commit_callbacks(execute=True):
        member_rights.account_delete(actor=coordinator, member=coordinator, keep_contributions=True)
    run_queued_tasks()
    warnings = [m for m in mail.outbox if m.to == [admin.email]]
    assert len(warnings) == 1
    assert community.name in warnings[0].body
    assert not Membership.objects.filter(member_id=coordinator.pk).exists()
    community.refresh_from_db()
    assert community.created_by_id == coordinator.pk  # kept, shown as "deleted member"


@pytest.mark.django_db
def test_deleted_communities_disappear():
    admin = MemberFactory.create(is_staff=True)
    community = CommunityFactory.create()
    services.community_delete(actor=admin, community=community)
    from guilde.communities.selectors import community_get

    with pytest.raises(Http404):
        community_get(viewer=admin, slug=community.slug)
    assert CommunityInvitation.objects.count() == 0
