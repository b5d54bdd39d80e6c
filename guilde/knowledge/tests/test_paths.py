"""Learning paths and the content health page."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions import services as discussions
from guilde.knowledge import services
from guilde.knowledge.models import Article, PathStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def guild():
    community = CommunityFactory.create(slug="guild")
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


def test_a_path_of_articles_threads_and_links_with_progress(guild):
    community, coordinator, member = guild["community"], guild["coordinator"], guild["member"]
    with pytest.raises(PermissionDenied):
        services.path_save(actor=member, community=community, title="Mine")
    path = services.path_save(
        actor=coordinator, community=community, title="Getting started", description="Begin here"
    )
    basics = services.section_add(actor=coordinator, path=path, title="Basics")
    article = _article(guild, "First steps")
    thread = discussions.thread_create(
        actor=member, community=community, kind="discussion", title="Say hello", body="Hi"
    )
    draft = services.article_create(
        actor=member, community=community, kind="guide", title="Unfinished", body="x"
    )
    steps = [
        services.step_add(actor=coordinator, section=basics, article=article),
        services.step_add(actor=coordinator, section=basics, thread=thread),
        services.step_add(
            actor=coordinator,
            section=basics,
            url="https://example.org/intro",
            title="An introduction",
        ),
    ]
    with pytest.raises(ValidationError):
        services.step_add(
            actor=coordinator, section=basics, article=article, url="https://x.example"
        )
    other = CommunityFactory.create()
    foreign = services.article_create(
        actor=member_of(other),
        community=other,
        kind="guide",
        title="Elsewhere",
        body="x",
        publish_now=True,
    )
    with pytest.raises(ValidationError):
        services.step_add(actor=coordinator, section=basics, article=foreign)
    services.step_add(
        actor=coordinator, section=basics, article=draft
    )  # a draft: hidden from those who may not see it
    services.step_toggle(actor=member, step=steps[0])
    services.step_toggle(actor=member, step=steps[2])
    client = Client()
    client.force_login(member)
    page = client.get(path.get_absolute_url()).content.decode()
    assert "2 of 4 steps done" in page  # the member sees their own draft
    assert "First steps" in page
    assert "Say hello" in page
    assert "An introduction" in page
    reader = member_of(community)
    client.force_login(reader)
    page = client.get(path.get_absolute_url()).content.decode()
    assert "0 of 3 steps done" in page
    assert "Unfinished" not in page
    listing = client.get("/communities/guild/articles/").content.decode()
    assert "Getting started" in listing
    client.force_login(member)
    client.post(f"/communities/guild/paths/steps/{steps[0].pk}/done/")
    assert "1 of 4 steps done" in client.get(path.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/paths/{path.pk}").json()
    assert (api["done"], api["total"]) == (1, 4)
    assert client.put(f"/api/v1/path-steps/{steps[1].pk}/done").status_code == 204
    assert client.get(f"/api/v1/paths/{path.pk}").json()["done"] == 2
    assert (
        client.delete(f"/api/v1/path-steps/{steps[1].pk}").status_code == 403
    )  # only who arranges
    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    coordinator_client.post(
        f"/communities/guild/paths/{path.pk}/edit/", {"action": "remove_step", "step": steps[1].pk}
    )
    assert not PathStep.objects.filter(pk=steps[1].pk).exists()


def test_the_path_page_costs_the_same_with_1_and_20_steps(guild):
    community, coordinator = guild["community"], guild["coordinator"]
    path = services.path_save(actor=coordinator, community=community, title="Path")
    section = services.section_add(actor=coordinator, path=path, title="One")
    client = Client()
    client.force_login(guild["member"])

    def setup(count: int) -> None:
        while PathStep.objects.filter(section__path=path).count() < count:
            number = PathStep.objects.filter(section__path=path).count()
            step = services.step_add(
                actor=coordinator, section=section, article=_article(guild, f"A{number}")
            )
            thread = discussions.thread_create(
                actor=coordinator,
                community=community,
                kind="discussion",
                title=f"T{number}",
                body="x",
            )
            services.step_add(actor=coordinator, section=section, thread=thread)
            services.step_toggle(actor=guild["member"], step=step)

    for url in (
        path.get_absolute_url(),
        f"/api/v1/paths/{path.pk}",
        "/communities/guild/articles/",
    ):
        assert_constant_queries(setup=setup, small=1, large=20, action=partial(client.get, url))


def test_the_health_page_shows_what_stewards_should_look_at(guild):
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
    stale = _article(guild, "Old but popular")
    Article.objects.filter(pk=stale.pk).update(
        updated_at=timezone.now() - timedelta(days=400), view_count=50
    )
    disliked = _article(guild, "Confusing")
    for _ in range(3):
        services.feedback_set(actor=member_of(community), article=disliked, helpful=False)
    linked = _article(guild, "Linked one")
    _article(guild, "Linking one", body=f"See [this]({linked.get_absolute_url()})")
    client = Client()
    client.force_login(member)
    assert client.get("/communities/guild/knowledge-health/").status_code == 403
    client.force_login(coordinator)
    page = client.get("/communities/guild/knowledge-health/").content.decode()
    for title in ("Expiring soon", "Reported", "A draft", "Old but popular", "Confusing"):
        assert title in page
    orphans = page.split("Orphans")[1]
    assert "Linked one" not in orphans
    assert "Linking one" in orphans


def test_the_community_page_lists_its_paths(guild):
    services.path_save(actor=guild["coordinator"], community=guild["community"], title="Start here")
    assert "Start here" in Client().get("/communities/guild/").content.decode()
    private = CommunityFactory.create(slug="closed", visibility="private", join_policy="approval")
    services.path_save(
        actor=member_of(private, role="coordinator"), community=private, title="Secret path"
    )
    assert "Secret path" not in Client().get("/communities/closed/").content.decode()
