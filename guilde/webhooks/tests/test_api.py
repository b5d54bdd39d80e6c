"""The webhooks API: the same permissions as the pages, the secret in the creation's answer
and the owner's operation only, deliveries, tests, and constant queries for its lists."""

from __future__ import annotations

import pytest
from django.utils import timezone

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries, run_queued_tasks
from guilde.webhooks.models import Delivery, DeliveryAttempt, Webhook
from guilde.webhooks.tests.factories import webhook_for

pytestmark = pytest.mark.django_db
API = "/api/v1"
NEW = {
    "name": "Integration",
    "url": "https://hooks.example.org/guilde",
    "format": "guilde",
    "events": ["thread.created", "answer.accepted"],
}


@pytest.fixture
def community() -> Community:
    return CommunityFactory.create(slug="makers", visibility=Community.Visibility.PRIVATE)


@pytest.fixture
def coordinator(community):
    return member_of(community, role="coordinator")


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _put(client, url, data):
    return client.put(url, data, content_type="application/json")


def test_create_read_update_delete(client, community, coordinator):
    client.force_login(coordinator)
    created = _post(client, f"{API}/communities/makers/webhooks", NEW)
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["community"] == "makers"
    assert body["owner"]["username"] == coordinator.username
    assert body["is_owner"] is True
    assert body["events"] == ["thread.created", "answer.accepted"]
    webhook_id = body["id"]

    read = client.get(f"{API}/webhooks/{webhook_id}").json()
    assert "secret" not in read
    listed = client.get(f"{API}/communities/makers/webhooks").json()
    assert [w["id"] for w in listed["results"]] == [webhook_id]
    assert "secret" not in listed["results"][0]

    changed = _put(
        client,
        f"{API}/webhooks/{webhook_id}",
        {**NEW, "format": "chat", "events": ["member.joined"], "enabled": False},
    )
    assert changed.status_code == 200
    assert changed.json()["format"] == "chat"
    assert changed.json()["enabled"] is False
    assert changed.json()["disabled_reason"] == "manual"

    assert client.delete(f"{API}/webhooks/{webhook_id}").status_code == 204
    assert client.get(f"{API}/webhooks/{webhook_id}").status_code == 404


def test_permissions(client, community, coordinator):
    webhook, _secret = webhook_for(community, coordinator, "https://hooks.example.org/g")
    one = f"{API}/webhooks/{webhook.pk}"
    assert client.get(one).status_code == 401
    for person, listing, single in (
        (MemberFactory.create(), 404, 404),
        (member_of(community), 403, 404),
        (member_of(community, role="moderator"), 403, 404),
        (MemberFactory.create(is_staff=True), 200, 200),
    ):
        client.force_login(person)
        assert client.get(f"{API}/communities/makers/webhooks").status_code == listing
        assert client.get(one).status_code == single
        if single == 404:
            assert _post(client, f"{one}/test").status_code == 404
            assert client.get(f"{one}/deliveries").status_code == 404
            assert client.delete(one).status_code == 404
    client.force_login(member_of(community))
    assert _post(client, f"{API}/communities/makers/webhooks", NEW).status_code == 403
    assert client.get(f"{API}/webhooks").status_code == 403
    assert _post(client, f"{API}/webhooks", NEW).status_code == 403


def test_instance_webhooks_are_for_administrators(client, coordinator):
    admin = MemberFactory.create(is_staff=True)
    client.force_login(admin)
    created = _post(client, f"{API}/webhooks", {**NEW, "include_private": True})
    assert created.status_code == 201
    assert created.json()["community"] is None
    assert created.json()["include_private"] is True
    client.force_login(coordinator)
    assert client.get(f"{API}/webhooks/{created.json()['id']}").status_code == 404


def test_the_secret_is_its_owners_alone_and_rotation_moves_ownership(
    client, community, coordinator
):
    webhook, secret = webhook_for(community, coordinator, "https://hooks.example.org/g")
    client.force_login(coordinator)
    assert client.get(f"{API}/webhooks/{webhook.pk}/secret").json() == {"secret": secret}
    other = member_of(community, role="coordinator")
    client.force_login(other)
    assert client.get(f"{API}/webhooks/{webhook.pk}/secret").status_code == 403
    assert client.get(f"{API}/webhooks/{webhook.pk}").json()["is_owner"] is False
    rotated = _post(client, f"{API}/webhooks/{webhook.pk}/secret/rotate")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != secret
    assert client.get(f"{API}/webhooks/{webhook.pk}/secret").json() == {"secret": new}
    client.force_login(coordinator)
    assert client.get(f"{API}/webhooks/{webhook.pk}/secret").status_code == 403


def test_send_test_and_read_the_log(client, receiver, community, coordinator):
    webhook, _secret = webhook_for(community, coordinator, receiver.url)
    client.force_login(coordinator)
    queued = _post(client, f"{API}/webhooks/{webhook.pk}/test")
    assert queued.status_code == 202
    assert queued.json()["status"] == "pending"
    assert _post(client, f"{API}/webhooks/{webhook.pk}/test").status_code == 422  # one at a time
    run_queued_tasks()
    log = client.get(f"{API}/webhooks/{webhook.pk}/deliveries").json()["results"]
    assert len(log) == 1
    assert log[0]["id"] == queued.json()["id"] == receiver.requests[0].headers["guilde-delivery"]
    assert log[0]["status"] == "succeeded"
    assert log[0]["test"] is True
    assert [a["status_code"] for a in log[0]["attempts"]] == [200]


def test_invalid_input_is_a_422(client, community, coordinator):
    client.force_login(coordinator)
    for bad in (
        {**NEW, "url": "ftp://example.org/"},
        {**NEW, "events": []},
        {**NEW, "events": ["post.created"]},
        {**NEW, "format": "xml"},
        {**NEW, "name": " "},
    ):
        assert _post(client, f"{API}/communities/makers/webhooks", bad).status_code == 422, bad
    assert client.get(f"{API}/webhooks/99999999999999999999").status_code == 422
    assert not Webhook.objects.exists()


def test_re_enabling_through_the_api_makes_you_the_owner(client, community, coordinator):
    webhook, _secret = webhook_for(community, coordinator, "https://hooks.example.org/g")
    webhook.enabled, webhook.disabled_reason = False, "failures"
    webhook.save()
    other = member_of(community, role="coordinator")
    client.force_login(other)
    body = _put(client, f"{API}/webhooks/{webhook.pk}", {**NEW, "enabled": True}).json()
    assert body["enabled"] is True
    assert body["owner"]["username"] == other.username


def test_the_lists_cost_the_same_queries_for_1_and_20_items(client, community, coordinator):
    client.force_login(coordinator)
    first, _secret = webhook_for(community, coordinator, "https://hooks.example.org/g")

    def more_webhooks(count: int) -> None:
        while community.webhooks.count() < count:
            webhook_for(community, coordinator, "https://hooks.example.org/g")

    assert_constant_queries(
        setup=more_webhooks, action=lambda: client.get(f"{API}/communities/makers/webhooks")
    )

    def more_deliveries(count: int) -> None:
        while first.deliveries.count() < count:
            delivery = Delivery.objects.create(
                webhook=first, event="thread.created", key=f"k{first.deliveries.count()}",
                occurred_at=timezone.now(), status="failed", attempts=1,
            )  # fmt: skip
            DeliveryAttempt.objects.create(
                delivery=delivery, number=1, started_at=timezone.now(), status_code=500
            )

    assert_constant_queries(
        setup=more_deliveries,
        action=lambda: client.get(f"{API}/webhooks/{first.pk}/deliveries"),
    )
