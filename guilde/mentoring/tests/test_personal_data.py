"""A member's data export and account deletion, for mentoring: their own check-in notes go
in their export, the other's never; nobody else's export carries any."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import timezone

from guilde.accounts import member_rights
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.tests.factories import member_of
from guilde.mentoring import services
from guilde.mentoring.models import Application, CheckIn, Relationship
from guilde.mentoring.tests.factories import ProgrammeFactory, pair, relationship_for

pytestmark = pytest.mark.django_db


def _export_text(member) -> str:
    archive = zipfile.ZipFile(io.BytesIO(member_rights.export_archive(member)))
    return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


@pytest.fixture
def relationship():
    programme = ProgrammeFactory.create(status="running", created_by=None)
    relationship = relationship_for(pair(programme, status="published"))
    services.check_in_add(
        actor=relationship.mentee,
        relationship=relationship,
        held_on=timezone.localdate(),
        notes="the mentee's own note",
    )
    services.check_in_add(
        actor=relationship.mentor,
        relationship=relationship,
        held_on=timezone.localdate(),
        notes="the mentor's own note",
    )
    return relationship


def test_each_side_exports_its_own_notes_only(relationship):
    mentee_export = _export_text(relationship.mentee)
    mentor_export = _export_text(relationship.mentor)
    assert "the mentee's own note" in mentee_export
    assert "the mentor's own note" not in mentee_export
    assert "the mentor's own note" in mentor_export
    assert "the mentee's own note" not in mentor_export


def test_nobody_else_exports_a_pairs_notes(relationship):
    community = relationship.programme.community
    others = [
        member_of(community, role="coordinator"),
        member_of(community),
        MemberFactory.create(is_staff=True, is_superuser=True),
    ]
    relationship.programme.created_by = others[0]
    relationship.programme.save(update_fields=["created_by"])
    for other in others:
        text = _export_text(other)
        assert "own note" not in text


def test_deleting_an_account_takes_the_shared_space_with_it(relationship):
    mentor = relationship.mentor
    member_rights.account_delete(actor=mentor, member=mentor, keep_contributions=True)
    assert not Relationship.objects.filter(pk=relationship.pk).exists()
    assert not CheckIn.objects.exists()
    assert not Application.objects.filter(member=mentor).exists()
