"""The knowledge API's operations added for completeness (issue 17): content health."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from guilde.accounts import services as account_services
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.knowledge import services
from guilde.knowledge.models import Article

pytestmark = pytest.mark.django_db


def _api(member) -> Client:
    token = account_services.token_create(actor=member, member=member, name="t", scope="read")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def guild():
    community = CommunityFactory.create(
        slug="guild", visibility="private", join_policy="approval", review_article_changes=True
    )
    return {
        "community": community,
        "coordinator": member_of(community, role="coordinator"),
        "member": member_of(community),
    }


def _article(guild, title, body="x"):
    return services.article_create(
        actor=guild["coordinator"],
        community=guild["community"],
        kind="guide",
        title=title,
        body=body,
        publish_now=True,
    )


def test_knowledge_health_lists_what_stewards_should_look_at(guild):
    community, coordinator, member = guild["community"], guild["coordinator"], guild["member"]
    expiring = _article(guild, "Expiring soon")
    services.article_verify(actor=coordinator, article=expiring)
    Article.objects.filter(pk=expiring.pk).update(
        verification_expires_at=timezone.now() + timedelta(days=5)
    )
    reported = _article(guild, "Reported")
    services.article_report_outdated(actor=member, article=reported, text="Old figures")
    services.article_create(
        actor=member, community=community, kind="guide", title="A draft", body="x"
    )
    proposed = _article(guild, "Proposed to")
    services.proposal_create(actor=member, article=proposed, title="Proposed to", body="better")
    stale = _article(guild, "Old but popular")
    Article.objects.filter(pk=stale.pk).update(
        updated_at=timezone.now() - timedelta(days=400), view_count=50
    )
    linked = _article(guild, "Linked one")
    _article(guild, "Linking one", body=f"See [this]({linked.get_absolute_url()})")

    found = _api(coordinator).get("/api/v1/communities/guild/knowledge-health")
    assert found.status_code == 200
    health = found.json()
    assert [a["title"] for a in health["expiring"]] == ["Expiring soon"]
    assert [a["title"] for a in health["needs_review"]] == ["Reported"]
    assert health["needs_review"][0]["review_reason"]
    assert [a["title"] for a in health["drafts"]] == ["A draft"]
    assert [(p["article_title"], p["author"]) for p in health["proposals"]] == [
        ("Proposed to", member.username)
    ]
    assert [a["title"] for a in health["stale"]] == ["Old but popular"]
    orphans = {a["title"] for a in health["orphans"]}
    assert "Linking one" in orphans
    assert "Linked one" not in orphans
    assert health["drafts"][0]["url"].startswith("/communities/guild/articles/")


def test_knowledge_health_is_for_stewards_only(guild):
    assert (
        _api(guild["member"]).get("/api/v1/communities/guild/knowledge-health").status_code == 403
    )
    outsider = _api(MemberFactory.create())
    assert outsider.get("/api/v1/communities/guild/knowledge-health").status_code == 404
    assert Client().get("/api/v1/communities/guild/knowledge-health").status_code == 401
    # A member a coordinator marks as steward may look.
    steward = member_of(guild["community"])
    guild["community"].memberships.filter(member=steward).update(steward=True)
    assert _api(steward).get("/api/v1/communities/guild/knowledge-health").status_code == 200
    unknown = _api(guild["coordinator"]).get("/api/v1/communities/no-such/knowledge-health")
    assert unknown.status_code == 404


def test_knowledge_health_costs_the_same_queries_for_1_and_20_of_each(guild):
    community, coordinator = guild["community"], guild["coordinator"]
    api = _api(coordinator)

    def setup(count: int) -> None:
        while Article.objects.filter(community=community, status="draft").count() < count:
            author = member_of(community)
            services.article_create(
                actor=author, community=community, kind="guide", title="Draft", body="x"
            )
            published = _article(guild, "Published")
            services.proposal_create(
                actor=author, article=published, title="Published", body="better"
            )
            services.article_report_outdated(actor=author, article=published, text="Old")

    assert_constant_queries(
        setup=setup, action=lambda: api.get("/api/v1/communities/guild/knowledge-health")
    )
