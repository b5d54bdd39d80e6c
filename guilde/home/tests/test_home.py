from __future__ import annotations

import pytest

from guilde.accounts.tests.factories import MemberFactory
from guilde.communities.models import Community, Tag
from guilde.communities.tests.factories import CommunityFactory, MembershipFactory, member_of
from guilde.core.testing import assert_constant_queries


@pytest.mark.django_db
def test_the_home_page_says_what_guilde_is(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Learn from the people who do the work" in response.content.decode()


@pytest.mark.django_db
def test_the_home_page_in_french(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Apprenez de celles et ceux qui font le travail" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_the_home_page_query_count_does_not_grow_with_communities(client, signed_in):
    viewer = MemberFactory.create()
    if signed_in:
        client.force_login(viewer)

    def setup(count: int) -> None:
        while Community.objects.count() < count:
            community = CommunityFactory.create()
            Tag.objects.create(community=community, name="T", slug="t")
            MembershipFactory.create(community=community, member=viewer)
            member_of(community)

    assert_constant_queries(setup=setup, action=lambda: client.get("/"))


@pytest.mark.django_db
def test_unknown_pages_get_the_site_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_my_communities_show_how_many_threads_have_new_posts(client):
    from guilde.discussions import services

    community = CommunityFactory.create()
    reader = member_of(community)
    writer = member_of(community)
    thread = services.thread_create(
        actor=writer, community=community, kind="discussion", title="T", body="B"
    )
    client.force_login(reader)
    assert "1 thread with new posts" in client.get("/").content.decode()
    thread.refresh_from_db()
    services.thread_mark_read(member=reader, thread=thread, position=1)
    assert "with new posts" not in client.get("/").content.decode()
