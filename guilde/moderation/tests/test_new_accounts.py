"""New accounts: a few posts an hour, a few links per post; older accounts and moderators
are free."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from guilde.accounts.models import User
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions import services as discussions
from guilde.discussions.models import Post

pytestmark = pytest.mark.django_db

LINKS = "See https://a.example, https://b.example and https://c.example"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.GUILDE_NEW_ACCOUNT_DAYS = 2
    settings.GUILDE_NEW_ACCOUNT_POSTS_PER_HOUR = 3
    settings.GUILDE_NEW_ACCOUNT_LINKS = 2


@pytest.fixture
def thread():
    community = CommunityFactory.create(slug="guild")
    veteran = member_of(community)
    User.objects.filter(pk=veteran.pk).update(date_joined=timezone.now() - timedelta(days=30))
    veteran.refresh_from_db()
    return discussions.thread_create(
        actor=veteran, community=community, kind="discussion", title="T", body=LINKS
    )


def test_new_accounts_post_a_few_times_an_hour(thread):
    newcomer = member_of(thread.community)
    for number in range(3):
        discussions.post_create(actor=newcomer, thread=thread, body=f"Post {number}")
    with pytest.raises(ValidationError, match="at most 3 posts an hour"):
        discussions.post_create(actor=newcomer, thread=thread, body="One more")
    client = Client()
    client.force_login(newcomer)
    response = client.post(
        f"/communities/guild/threads/{thread.pk}/reply/", {"body": "From the page"}, follow=True
    )
    page = response.content.decode()
    assert "at most 3 posts an hour" in page
    assert "From the page</textarea>" in page  # kept in the composer
    assert not Post.objects.filter(body="From the page").exists()
    Post.objects.filter(author=newcomer).update(created_at=timezone.now() - timedelta(minutes=61))
    discussions.post_create(actor=newcomer, thread=thread, body="An hour later")


def test_new_accounts_put_few_links_in_a_post(thread):
    newcomer = member_of(thread.community)
    with pytest.raises(ValidationError, match="at most 2 links"):
        discussions.post_create(actor=newcomer, thread=thread, body=LINKS)
    with pytest.raises(ValidationError, match="at most 2 links"):
        discussions.thread_create(
            actor=newcomer, community=thread.community, kind="discussion", title="x", body=LINKS
        )
    post = discussions.post_create(
        actor=newcomer, thread=thread, body="Only https://a.example and @someone"
    )
    with pytest.raises(ValidationError, match="at most 2 links"):
        discussions.post_edit(actor=newcomer, post=post, body=LINKS)
    moderator = member_of(thread.community, role="moderator")  # a new account, but a moderator
    discussions.post_create(actor=moderator, thread=thread, body=LINKS)
