from __future__ import annotations

import pytest

from guilde.accounts.models import User
from guilde.accounts.tests.factories import MemberFactory
from guilde.core.batches import keyset_batches

pytestmark = pytest.mark.django_db


def test_batches_cover_every_row_once_in_key_order_whatever_the_shape():
    made = sorted(MemberFactory.create().pk for _ in range(7))
    members = User.objects.filter(pk__in=made)
    assert [[m.pk for m in page] for page in keyset_batches(members, size=3)] == [
        made[0:3],
        made[3:6],
        made[6:7],
    ]
    tuples = list(keyset_batches(members.values_list("pk", "username"), size=7))
    assert [[pk for pk, _name in page] for page in tuples] == [made]
    dicts = list(keyset_batches(members.values("pk"), size=4))
    assert [row["pk"] for page in dicts for row in page] == made
    assert list(keyset_batches(User.objects.none())) == []


def test_rows_written_between_batches_are_read_as_they_are_then():
    made = sorted(MemberFactory.create().pk for _ in range(4))
    seen = []
    for page in keyset_batches(User.objects.filter(pk__in=made), size=2):
        seen += [m.pk for m in page]
        User.objects.filter(pk=made[3]).delete()  # a later row goes while the loop writes
    assert seen == made[:3]
