from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guilde.core.models import WorkerHeartbeat


def _heartbeat(age: timedelta) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w", hostname="h", pid=1, started_at=now - age, last_seen=now - age
    )


@pytest.mark.django_db
def test_healthz_answers_without_looking_further(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_with_a_live_worker(client):
    _heartbeat(timedelta(seconds=5))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": True, "cache": True, "task_queue": True, "worker": True},
    }


@pytest.mark.django_db
def test_readyz_is_not_ready_without_a_worker(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] is False


@pytest.mark.django_db
def test_readyz_is_not_ready_when_the_worker_went_silent(client, settings):
    settings.GUILDE_WORKER_STALE_AFTER_SECONDS = 60
    _heartbeat(timedelta(seconds=90))
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_cache(client, settings):
    _heartbeat(timedelta(seconds=1))
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] is False
