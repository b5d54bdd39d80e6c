"""The webhook pages: who gets them, the secret shown once and to its owner alone, the
buttons, and constant queries for the list and the log."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries, run_queued_tasks
from guilde.webhooks.models import Delivery, DeliveryAttempt, Webhook
from guilde.webhooks.tests.factories import webhook_for

pytestmark = pytest.mark.django_db
BASE = "/communities/makers/webhooks"
FORM = {
    "name": "Team chat",
    "url": "https://chat.example.org/hooks/abc",
    "format": "chat",
    "events": ["thread.created", "event.created"],
}


@pytest.fixture
def community() -> Community:
    return CommunityFactory.create(slug="makers", visibility=Community.Visibility.PRIVATE)


@pytest.fixture
def coordinator(community):
    return member_of(community, role="coordinator")


def _secret(response) -> str:
    found = re.search(r'value="(whsec_[^"]+)"', response.content.decode())
    assert found, "no secret on the page"
    return found.group(1)


def test_who_may_see_a_communitys_webhook_pages(client, community, coordinator):
    webhook, _secret_value = webhook_for(community, coordinator, "https://chat.example.org/h")
    pages = [f"{BASE}/", f"{BASE}/new/", f"{BASE}/{webhook.pk}/"]
    assert all(client.get(page).status_code == 302 for page in pages)  # sign in first
    for person, status in (
        (MemberFactory.create(), 404),  # may not see the private community
        (member_of(community), 403),
        (member_of(community, role="moderator"), 403),
        (coordinator, 200),
        (MemberFactory.create(is_staff=True), 200),
    ):
        client.force_login(person)
        assert [client.get(page).status_code for page in pages] == [status] * 3, person


def test_instance_webhook_pages_are_for_administrators(client, community, coordinator):
    admin = MemberFactory.create(is_staff=True)
    webhook, _secret_value = webhook_for(None, admin, "https://chat.example.org/h")
    client.force_login(coordinator)
    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{webhook.pk}/").status_code == 403
    client.force_login(admin)
    assert client.get("/webhooks/").status_code == 200
    assert client.get(f"/webhooks/{webhook.pk}/").status_code == 200
    # A webhook is found only under the address of where it belongs.
    assert client.get(f"{BASE}/{webhook.pk}/").status_code == 404
    own, _secret_value = webhook_for(community, coordinator, "https://chat.example.org/h")
    assert client.get(f"/webhooks/{own.pk}/").status_code == 404


def test_create_shows_the_secret_once_and_then_only_to_its_owner(client, community, coordinator):
    client.force_login(coordinator)
    created = client.post(f"{BASE}/new/", FORM)
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    secret = _secret(created)
    webhook = Webhook.objects.get()
    assert (webhook.secret, webhook.owner, webhook.format) == (secret, coordinator, "chat")
    assert webhook.events == ["thread.created", "event.created"]
    for page in (f"{BASE}/", f"{BASE}/{webhook.pk}/"):
        assert secret not in client.get(page).content.decode()

    assert _secret(client.post(f"{BASE}/{webhook.pk}/secret/")) == secret
    other = member_of(community, role="coordinator")
    client.force_login(other)
    assert client.post(f"{BASE}/{webhook.pk}/secret/").status_code == 403
    assert "Only the webhook's owner" in client.get(f"{BASE}/{webhook.pk}/").content.decode()

    rotated = client.post(f"{BASE}/{webhook.pk}/rotate/")
    new_secret = _secret(rotated)
    assert new_secret != secret
    webhook.refresh_from_db()
    assert webhook.owner == other
    assert webhook.previous_secret == secret
    client.force_login(coordinator)
    assert client.post(f"{BASE}/{webhook.pk}/secret/").status_code == 403


def test_edit_test_turn_off_and_on_delete(client, community, coordinator):
    webhook, _secret_value = webhook_for(community, coordinator, "https://chat.example.org/h")
    client.force_login(coordinator)
    edited = client.post(f"{BASE}/{webhook.pk}/", {**FORM, "name": "Renamed"})
    assert edited.status_code == 302
    webhook.refresh_from_db()
    assert webhook.name == "Renamed"
    assert webhook.format == "chat"

    invalid = client.post(f"{BASE}/{webhook.pk}/", {**FORM, "events": []})
    assert invalid.status_code == 200
    assert 'class="errors"' in invalid.content.decode()

    assert client.post(f"{BASE}/{webhook.pk}/test/").status_code == 302
    assert Delivery.objects.filter(webhook=webhook, is_test=True).count() == 1

    client.post(f"{BASE}/{webhook.pk}/state/", {"enabled": "0"})
    webhook.refresh_from_db()
    assert (webhook.enabled, webhook.disabled_reason) == (False, "manual")
    client.force_login(other := member_of(community, role="coordinator"))
    client.post(f"{BASE}/{webhook.pk}/state/", {"enabled": "1"})
    webhook.refresh_from_db()
    assert webhook.enabled
    assert webhook.owner == other

    assert client.get(f"{BASE}/{webhook.pk}/delete/").status_code == 405
    assert client.post(f"{BASE}/{webhook.pk}/delete/").status_code == 302
    assert not Webhook.objects.exists()


def test_only_administrators_choose_private_communities_for_instance_webhooks(client, community):
    admin = MemberFactory.create(is_staff=True)
    client.force_login(admin)
    assert "include_private" in client.get("/webhooks/new/").content.decode()
    assert "include_private" not in client.get(f"{BASE}/new/").content.decode()
    client.post("/webhooks/new/", {**FORM, "include_private": "on"})
    assert Webhook.objects.get(community=None).include_private
    client.post(f"{BASE}/new/", {**FORM, "include_private": "on"})
    assert not Webhook.objects.get(community=community).include_private


def test_members_cannot_act_on_a_webhook(client, community, coordinator):
    webhook, _secret_value = webhook_for(community, coordinator, "https://chat.example.org/h")
    client.force_login(member_of(community))
    for action in ("test", "state", "secret", "rotate", "delete"):
        assert client.post(f"{BASE}/{webhook.pk}/{action}/").status_code == 403, action
    assert Webhook.objects.filter(pk=webhook.pk, enabled=True).exists()
    assert not Delivery.objects.exists()


def test_the_settings_page_links_to_the_webhooks(client, community, coordinator):
    client.force_login(coordinator)
    page = client.get("/communities/makers/settings/").content.decode()
    assert f'href="{BASE}/"' in page
    assert 'href="/webhooks/"' not in page


def test_the_list_costs_the_same_queries_for_1_and_20_webhooks(client, community, coordinator):
    client.force_login(coordinator)

    def setup(count: int) -> None:
        while community.webhooks.count() < count:
            webhook, _secret_value = webhook_for(community, coordinator, "https://e.example/h")
            Delivery.objects.create(
                webhook=webhook, event="webhook.test", key=str(webhook.pk),
                occurred_at=timezone.now(), status="succeeded",
            )  # fmt: skip

    assert_constant_queries(setup=setup, action=lambda: client.get(f"{BASE}/"))


def test_the_log_costs_the_same_queries_for_1_and_20_deliveries(client, community, coordinator):
    webhook, _secret_value = webhook_for(community, coordinator, "https://e.example/h")
    client.force_login(coordinator)

    def setup(count: int) -> None:
        while webhook.deliveries.count() < count:
            delivery = Delivery.objects.create(
                webhook=webhook,
                event="thread.created",
                key=f"k{webhook.deliveries.count()}",
                occurred_at=timezone.now(),
                status="failed",
                attempts=2,
            )
            for number in (1, 2):
                DeliveryAttempt.objects.create(
                    delivery=delivery, number=number, started_at=timezone.now(),
                    status_code=500, error="HTTP 500",
                )  # fmt: skip

    assert_constant_queries(setup=setup, action=lambda: client.get(f"{BASE}/{webhook.pk}/"))
    page = client.get(f"{BASE}/{webhook.pk}/").content.decode()
    assert "2 attempts" in page
    assert "HTTP 500" in page


def test_a_real_test_delivery_shows_in_the_log(client, receiver, community, coordinator):
    webhook, _secret_value = webhook_for(community, coordinator, receiver.url)
    client.force_login(coordinator)
    client.post(f"{BASE}/{webhook.pk}/test/")
    run_queued_tasks()
    page = client.get(f"{BASE}/{webhook.pk}/").content.decode()
    assert "webhook.test" in page
    assert "HTTP 200" in page
    assert len(receiver.requests) == 1
