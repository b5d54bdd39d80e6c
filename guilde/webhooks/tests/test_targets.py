"""Only http and https; no loopback or private network unless the instance allows it —
checked when a webhook is saved and again, on the resolved address, when a request leaves."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.webhooks.models import Delivery, DeliveryAttempt
from guilde.webhooks.targets import validate_url
from guilde.webhooks.tests.factories import webhook_for

NOT_HTTP = [
    "ftp://example.org/hook",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "gopher://example.org/",
    "ws://example.org/socket",
    "mailto:someone@example.org",
    "//example.org/hook",
    "example.org/hook",
    "http://",
    "https:///path-only",
    "http://[::1",
    "http://example.org:99999/",
    "http://example.org:0/",
    "http://exa mple.org/",
    "http://user:password@example.org/hook",
    "",
]
PRIVATE = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://LOCALHOST./hook",
    "http://api.localhost/hook",
    "http://printer.local/hook",
    "http://intranet/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://224.0.0.1/hook",
]
PUBLIC = [
    "https://hooks.slack.com/services/T000/B000/XXXX",
    "https://chat.example.org/hooks/abc",
    "http://93.184.216.34:8080/hook?x=1",
    "https://[2606:4700::1111]/hook",
]


@pytest.mark.parametrize("url", NOT_HTTP)
def test_only_http_and_https_addresses(url):
    with pytest.raises(ValidationError):
        validate_url(url)


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_are_refused_by_default(settings, url):
    settings.GUILDE_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError, match="local or private network"):
        validate_url(url)


@pytest.mark.parametrize("url", PRIVATE[:3])
def test_private_addresses_are_accepted_when_the_instance_allows_them(settings, url):
    settings.GUILDE_WEBHOOKS_ALLOW_PRIVATE = True
    assert validate_url(url) == url


@pytest.mark.parametrize("url", PUBLIC)
def test_public_addresses_are_accepted(settings, url):
    settings.GUILDE_WEBHOOKS_ALLOW_PRIVATE = False
    assert validate_url(f"  {url} ") == url


def test_the_production_default_refuses_private_addresses():
    from config import settings as production

    assert production.GUILDE_WEBHOOKS_ALLOW_PRIVATE is False


@pytest.mark.django_db
def test_a_name_that_resolves_to_a_private_address_is_refused_when_sending(settings, receiver):
    """Saved while allowed (or a name that resolves elsewhere at first): when the request
    leaves, the resolved address is checked and nothing reaches the receiver."""
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    port = receiver.server.server_address[1]
    webhook, _secret = webhook_for(community, coordinator, f"http://localhost:{port}/hook")
    settings.GUILDE_WEBHOOKS_ALLOW_PRIVATE = False
    settings.GUILDE_WEBHOOKS_ATTEMPTS = 1
    discussions.thread_create(
        actor=coordinator, community=community, kind="question", title="Q", body="B"
    )
    run_queued_tasks()
    assert receiver.requests == []
    delivery = Delivery.objects.get(webhook=webhook)
    assert delivery.status == Delivery.Status.FAILED
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None
    assert "a local or private address: refused" in attempt.error


@pytest.mark.django_db
def test_pages_and_the_api_refuse_other_schemes(client):
    community = CommunityFactory.create(slug="makers")
    client.force_login(member_of(community, role="coordinator"))
    page = client.post(
        "/communities/makers/webhooks/new/",
        {
            "name": "FTP",
            "url": "ftp://example.org/",
            "format": "guilde",
            "events": ["member.joined"],
        },
    )
    assert page.status_code == 200
    assert "Only http:// and https:// addresses can receive webhooks." in page.content.decode()
    api = client.post(
        "/api/v1/communities/makers/webhooks",
        {"name": "File", "url": "file:///etc/passwd", "events": ["member.joined"]},
        content_type="application/json",
    )
    assert api.status_code == 422
    assert "http://" in api.json()["detail"]
    assert not community.webhooks.exists()
