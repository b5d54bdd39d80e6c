"""The analytics API's operations added for completeness (issue 17): asking for a
community's snapshot now."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from guilde.accounts import services as accounts
from guilde.accounts.tests.factories import MemberFactory
from guilde.analytics.models import Snapshot
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks

pytestmark = pytest.mark.django_db

URL = "/api/v1/communities/tasters/analytics/refresh"


def _api(member, scope="write") -> Client:
    token = accounts.token_create(actor=member, member=member, name="t", scope=scope)[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


def _queued() -> int:
    return DBTaskResult.objects.filter(task_path="guilde.analytics.tasks.take_snapshot").count()


@pytest.fixture
def tasters():
    return CommunityFactory.create(slug="tasters", visibility="private", join_policy="approval")


def test_a_coordinator_queues_the_snapshot_for_the_worker(
    tasters, django_capture_on_commit_callbacks
):
    coordinator = member_of(tasters, role="coordinator")
    api = _api(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(URL)
    assert queued.status_code == 202
    assert _queued() == 1
    assert not Snapshot.objects.filter(community=tasters).exists()  # not in the request
    run_queued_tasks()
    assert Snapshot.objects.filter(community=tasters).exclude(periods={}).exists()
    assert api.get("/api/v1/communities/tasters/analytics").json()["computed_at"]
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert _api(admin).post(URL).status_code == 202


def test_only_those_who_see_the_analytics_may_ask(tasters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert _api(member_of(tasters)).post(URL).status_code == 403
        assert _api(member_of(tasters, role="moderator")).post(URL).status_code == 403
        assert _api(MemberFactory.create()).post(URL).status_code == 404  # a private community
        assert Client().post(URL).status_code == 401
        coordinator = member_of(tasters, role="coordinator")
        assert _api(coordinator, scope="read").post(URL).status_code == 403
        unknown = _api(coordinator).post("/api/v1/communities/no-such/analytics/refresh")
        assert unknown.status_code == 404
    assert _queued() == 0
