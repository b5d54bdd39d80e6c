"""Real deliveries to a receiver on 127.0.0.1, checked with the verification function exactly
as docs/webhooks.md gives it; the payload's versioned schema."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import pytest

from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import ROOT, run_queued_tasks
from guilde.discussions import services as discussions
from guilde.webhooks import services
from guilde.webhooks.tests.factories import webhook_for

pytestmark = pytest.mark.django_db

DOCS = ROOT / "docs" / "webhooks.md"


def documented_verifier() -> Callable[..., bool]:
    """The ```python block that follows the "verification recipe" marker in the docs."""
    text = DOCS.read_text()
    found = re.search(r"<!-- verification recipe.*?-->\s*```python\n(.*?)```", text, re.DOTALL)
    assert found, "docs/webhooks.md lost its verification recipe"
    namespace: dict[str, object] = {}
    exec(compile(found.group(1), str(DOCS), "exec"), namespace)  # noqa: S102  (our own docs)
    verify = namespace["verify_guilde_signature"]
    assert callable(verify)
    return verify


def _question(community, author, title="Why do stouts taste of coffee?"):
    Tag.objects.get_or_create(community=community, slug="stout", defaults={"name": "Stout"})
    return discussions.thread_create(
        actor=author,
        community=community,
        kind="question",
        title=title,
        body="Roasted barley, **I suppose**.",
        tags=["stout"],
    )


def test_the_documented_recipe_verifies_a_real_delivery(receiver):
    verify = documented_verifier()
    community = CommunityFactory.create(slug="beer", name="Beer")
    coordinator = member_of(community, role="coordinator")
    _webhook, secret = webhook_for(community, coordinator, receiver.url)
    thread = _question(community, member_of(community, username="ada"))
    run_queued_tasks()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hook?from=guilde"
    header = request.headers["guilde-signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert verify(secret, header, request.body)
    assert not verify(secret, header, request.body + b" ")  # a body changed on the way
    assert not verify("whsec_not-the-secret", header, request.body)
    assert not verify(secret, "v1=" + header.split("v1=")[1], request.body)  # no time
    assert not verify(secret, header, request.body, tolerance=-1)  # too old: a replay

    payload = request.json()
    assert payload["schema"] == "guilde.webhook/1"
    assert payload["event"] == "thread.created" == request.headers["guilde-event"]
    assert payload["id"] == request.headers["guilde-delivery"]
    uuid.UUID(payload["id"])
    assert payload["occurred_at"].endswith("+00:00")
    community_block = dict(payload["community"])
    assert community_block.pop("url").endswith("/communities/beer/")
    assert community_block == {"slug": "beer", "name": "Beer", "visibility": "public"}
    data = payload["data"]["thread"]
    assert data["id"] == thread.pk
    assert data["title"] == "Why do stouts taste of coffee?"
    assert data["kind"] == "question"
    assert data["tags"] == ["Stout"]
    assert data["author"]["username"] == "ada"
    assert data["excerpt"] == "Roasted barley, I suppose."
    assert data["url"].endswith(f"/communities/beer/threads/{thread.pk}/")
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["user-agent"].startswith("Guilde-Webhooks/")


def test_after_a_rotation_both_secrets_sign_for_a_day(receiver):
    verify = documented_verifier()
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    webhook, old = webhook_for(community, coordinator, receiver.url)
    new = services.webhook_rotate_secret(actor=coordinator, webhook=webhook)
    assert new != old
    assert new.startswith("whsec_")
    _question(community, coordinator)
    run_queued_tasks()

    request = receiver.requests[0]
    header = request.headers["guilde-signature"]
    assert header.count("v1=") == 2
    assert verify(new, header, request.body)
    assert verify(old, header, request.body)

    webhook.refresh_from_db()
    webhook.previous_secret_until = webhook.updated_at  # the day is over
    webhook.save(update_fields=["previous_secret_until"])
    _question(community, coordinator, title="Another one")
    run_queued_tasks()
    later = receiver.requests[1]
    assert later.headers["guilde-signature"].count("v1=") == 1
    assert verify(new, later.headers["guilde-signature"], later.body)
    assert not verify(old, later.headers["guilde-signature"], later.body)


def test_the_signature_time_is_the_sending_time(receiver):
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    webhook_for(community, coordinator, receiver.url)
    _question(community, coordinator)
    before = int(time.time())
    run_queued_tasks()
    stamp = int(receiver.requests[0].headers["guilde-signature"].split(",")[0][2:])
    assert before - 1 <= stamp <= int(time.time()) + 1
