"""Value-creation stories and their prompts: who sees and writes them, who is named, the
prompts 30 days on, and what pages cost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guilde.accounts.tests.factories import PASSWORD, MemberFactory
from guilde.analytics import story_selectors, story_services
from guilde.analytics.models import Story, StoryPrompt
from guilde.analytics.story_services import StoryInput
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions.models import Post, Thread
from guilde.events.models import Registration
from guilde.events.tests.factories import EventFactory
from guilde.mentoring.models import Relationship
from guilde.mentoring.tests.factories import ProgrammeFactory, pair, relationship_for

pytestmark = pytest.mark.django_db


def _client(member) -> Client:
    client = Client()
    client.login(username=member.username, password=PASSWORD)
    return client


@pytest.fixture
def private():
    community = CommunityFactory.create(visibility="private", join_policy="approval")
    return {
        "community": community,
        "coordinator": member_of(community, "coordinator"),
        "author": member_of(community, display_name="Ada Author"),
        "other": member_of(community),
        "admin": MemberFactory.create(is_staff=True),
        "outsider": MemberFactory.create(),
    }


def _story(community, author, **fields) -> Story:
    data = StoryInput(
        title=fields.pop("title", "It helped"),
        text=fields.pop("text", "The answer saved me a **day**."),
        cycle=fields.pop("cycle", "applied"),
        **fields,
    )
    return story_services.story_create(actor=author, community=community, data=data)


def _question(community, asker, answerer, accepted_at) -> Thread:
    thread = Thread.objects.create(
        community=community, kind="question", title="How to brew?", author=asker
    )
    Post.objects.create(thread=thread, author=asker, position=1, body="?", body_html="?")
    answer = Post.objects.create(
        thread=thread, author=answerer, position=2, body="!", body_html="!"
    )
    Thread.objects.filter(pk=thread.pk).update(accepted_post=answer, accepted_at=accepted_at)
    thread.refresh_from_db()
    return thread


# Writing ------------------------------------------------------------------------------------


def test_a_member_writes_a_story_linked_to_a_thread(private):
    community, author = private["community"], private["author"]
    thread = _question(community, author, private["other"], timezone.now())
    story = _story(
        community,
        author,
        thread_id=thread.pk,
        effect_kind="time_saved",
        effect_value=Decimal("6"),
        effect_unit="hours",
    )
    assert story.thread == thread
    assert "<strong>day</strong>" in story.text_html
    assert story.linked == thread


def test_a_story_links_one_thing_of_its_community_at_most(private):
    community, author = private["community"], private["author"]
    thread = _question(community, author, private["other"], timezone.now())
    elsewhere = EventFactory.create()
    with pytest.raises(ValidationError):
        _story(
            community,
            author,
            thread_id=thread.pk,
            event_id=EventFactory.create(community=community).pk,
        )
    with pytest.raises(ValidationError):
        _story(community, author, event_id=elsewhere.pk)
    with pytest.raises(ValidationError):
        _story(community, author, effect_kind="cost_saved", effect_value=Decimal("-1"))


def test_a_relationship_is_linked_by_one_of_its_pair_only(private):
    community, author = private["community"], private["author"]
    programme = ProgrammeFactory.create(community=community, status="running")
    relationship = relationship_for(pair(programme))
    with pytest.raises(ValidationError):
        _story(community, author, relationship_id=relationship.pk)
    story = _story(community, relationship.mentee, relationship_id=relationship.pk)
    assert story.relationship == relationship


def test_outsiders_and_administrators_write_no_story(private):
    for person in (private["outsider"], private["admin"]):
        with pytest.raises((Http404, PermissionDenied)):  # outsider: 404, admin: 403
            _story(private["community"], person)


# Who sees them --------------------------------------------------------------------------------


def test_coordinators_and_administrators_see_all_members_their_own(private):
    community, author = private["community"], private["author"]
    story = _story(community, author, title="Mine")
    _story(community, private["other"], title="Theirs")
    url = reverse("analytics:stories", args=[community.slug])
    for person in ("coordinator", "admin"):
        body = _client(private[person]).get(url).content.decode()
        assert "Mine" in body
        assert "Theirs" in body
    body = _client(author).get(url).content.decode()
    assert "Mine" in body
    assert "Theirs" not in body
    assert _client(private["outsider"]).get(url).status_code == 404
    detail = reverse("analytics:story", args=[community.slug, story.pk])
    assert _client(private["coordinator"]).get(detail).status_code == 200
    assert _client(private["admin"]).get(detail).status_code == 200
    assert _client(author).get(detail).status_code == 200
    assert _client(private["other"]).get(detail).status_code == 404
    assert _client(private["outsider"]).get(detail).status_code == 404


def test_the_api_follows_the_same_rules(private):
    community, author = private["community"], private["author"]
    story = _story(community, author, title="Mine")
    _story(community, private["other"], title="Theirs")
    url = f"/api/v1/communities/{community.slug}/stories"
    titles = {s["title"] for s in _client(private["coordinator"]).get(url).json()["results"]}
    assert titles == {"Mine", "Theirs"}
    titles = {s["title"] for s in _client(author).get(url).json()["results"]}
    assert titles == {"Mine"}
    assert _client(private["outsider"]).get(url).status_code == 404
    one = f"/api/v1/stories/{story.pk}"
    assert _client(private["admin"]).get(one).status_code == 200
    assert _client(private["other"]).get(one).status_code == 404
    assert _client(private["outsider"]).get(one).status_code == 404
    assert _client(private["coordinator"]).delete(one).status_code == 403
    changed = _client(author).put(
        one,
        {"title": "Changed", "text": "More.", "cycle": "realised"},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["cycle"] == "realised"
    assert _client(author).delete(one).status_code == 204
    assert not Story.objects.filter(pk=story.pk).exists()


def test_the_api_creates_a_story(private):
    community = private["community"]
    response = _client(private["author"]).post(
        f"/api/v1/communities/{community.slug}/stories",
        {"title": "New", "text": "It helped.", "cycle": "potential"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["mine"] is True
    refused = _client(private["admin"]).post(
        f"/api/v1/communities/{community.slug}/stories",
        {"title": "New", "text": "It helped.", "cycle": "potential"},
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_the_api_says_what_a_story_links(private):
    community, author = private["community"], private["author"]
    thread = _question(community, author, private["other"], timezone.now())
    event = EventFactory.create(community=community)
    programme = ProgrammeFactory.create(community=community, status="running")
    relationship = relationship_for(pair(programme))
    stories = [
        _story(community, author, title="T", thread_id=thread.pk),
        _story(community, author, title="E", event_id=event.pk),
        _story(community, relationship.mentee, title="R", relationship_id=relationship.pk),
        _story(community, author, title="N"),
    ]
    client = _client(private["coordinator"])
    links = [client.get(f"/api/v1/stories/{story.pk}").json()["link"] for story in stories]
    assert links == [
        {"kind": "thread", "id": thread.pk, "title": thread.title,
         "url": thread.get_absolute_url()},
        {"kind": "event", "id": event.pk, "title": event.title, "url": event.get_absolute_url()},
        {"kind": "relationship", "id": relationship.pk, "title": programme.name, "url": None},
        None,
    ]  # fmt: skip


def test_authors_are_named_only_if_they_consented(private):
    community, author = private["community"], private["author"]
    story = _story(community, author)
    coordinator = private["coordinator"]
    detail = reverse("analytics:story", args=[community.slug, story.pk])
    api = f"/api/v1/stories/{story.pk}"
    assert "Ada Author" not in _client(coordinator).get(detail).content.decode()
    assert _client(coordinator).get(api).json()["author"] is None
    assert _client(coordinator).get(api).json()["author_label"] == "a member"
    assert "Ada Author" in _client(author).get(detail).content.decode()  # always to themself
    author.analytics_consent = True
    author.save(update_fields=["analytics_consent"])
    assert "Ada Author" in _client(coordinator).get(detail).content.decode()
    assert _client(coordinator).get(api).json()["author"] == author.username


def test_stories_by_cycle_count_and_keep_the_latest(private):
    community, author = private["community"], private["author"]
    for n in range(5):
        _story(community, author, title=f"Applied {n}", cycle="applied")
    _story(community, author, title="Reframed", cycle="reframing")
    rows = {
        row.cycle: row
        for row in story_selectors.stories_by_cycle(private["coordinator"], community)
    }
    assert rows["applied"].count == 5
    assert [s.title for s in rows["applied"].latest] == ["Applied 4", "Applied 3", "Applied 2"]
    assert rows["reframing"].count == 1
    assert rows["immediate"].count == 0
    with pytest.raises(PermissionDenied):  # a member may not see the community's
        story_selectors.stories_by_cycle(author, community)
    instance = story_selectors.stories_by_cycle(private["admin"], None)
    assert sum(row.count for row in instance) == 6


def test_stories_sit_beside_the_indicators_they_speak_to(private):
    from guilde.analytics.snapshots import take
    from guilde.knowledge.models import Article

    community, author, coordinator = private["community"], private["author"], private["coordinator"]
    thread = _question(community, author, private["other"], timezone.now())
    article = Article.objects.create(community=community, title="Brewing", status="published")
    event = EventFactory.create(community=community)
    programme = ProgrammeFactory.create(community=community, status="running")
    relationship = relationship_for(pair(programme))
    for n in range(3):
        _story(community, author, title=f"Answer {n}", thread_id=thread.pk, cycle="applied")
    _story(community, author, title="Answer reframed", thread_id=thread.pk, cycle="reframing")
    _story(community, author, title="Read it", article_id=article.pk, cycle="immediate")
    _story(community, author, title="Met people", event_id=event.pk, cycle="potential")
    _story(community, relationship.mentee, title="Grew", relationship_id=relationship.pk,
           cycle="realised")  # fmt: skip
    _story(community, author, title="Unlinked", cycle="applied")
    shown = story_selectors.stories_by_section(coordinator, community)
    assert shown["responsiveness"].cycles == [("Applied value", 3), ("Reframing value", 1)]
    assert [s.title for s in shown["responsiveness"].latest] == ["Answer reframed", "Answer 2"]
    assert [s.title for s in shown["knowledge"].latest] == ["Read it"]
    assert [s.title for s in shown["activity"].latest] == ["Met people"]
    assert [s.title for s in shown["mentoring"].latest] == ["Grew"]
    with pytest.raises(PermissionDenied):
        story_selectors.stories_by_section(author, community)
    # On the dashboard, each sits in its section, after its indicators and before the next.
    take(community)
    html = _client(coordinator).get(reverse("analytics:community", args=[community.slug]))
    page = html.content.decode()
    order = [page.index(text) for text in ('id="responsiveness-title"', "Answer reframed",
             'id="activity-title"', "Met people", 'id="participation-title"',
             'id="knowledge-title"', "Read it", 'id="mentoring-title"', "Grew")]  # fmt: skip
    assert order == sorted(order)


# Prompts ----------------------------------------------------------------------------------------


def test_a_prompt_follows_an_accepted_answer_30_days_on_once(private):
    community, asker = private["community"], private["author"]
    now = timezone.now()
    thread = _question(community, asker, private["other"], now - timedelta(days=31))
    _question(community, asker, private["other"], now - timedelta(days=10))  # too recent
    assert story_services.prompts_create(now=now) == 1
    assert story_services.prompts_create(now=now + timedelta(days=1)) == 0  # not twice
    prompt = StoryPrompt.objects.get()
    assert (prompt.member, prompt.thread, prompt.kind) == (asker, thread, "accepted_answer")
    assert thread.accepted_at is not None
    assert prompt.due_at == thread.accepted_at + timedelta(days=30)


def test_a_prompt_follows_an_attended_event(private):
    community = private["community"]
    now = timezone.now()
    event = EventFactory.create(
        community=community, start=now - timedelta(days=32), end=now - timedelta(days=32, hours=-2)
    )
    attended, absent = private["author"], private["other"]
    Registration.objects.create(event=event, member=attended, response="in_person",
                                attendance="in_person")  # fmt: skip
    Registration.objects.create(event=event, member=absent, response="in_person",
                                attendance="absent")  # fmt: skip
    assert story_services.prompts_create(now=now) == 1
    assert story_services.prompts_create(now=now) == 0
    prompt = StoryPrompt.objects.get()
    assert (prompt.member, prompt.event, prompt.kind) == (attended, event, "attended_event")


def test_a_prompt_follows_a_finished_mentoring_relationship_for_both(private):
    community = private["community"]
    now = timezone.now()
    programme = ProgrammeFactory.create(community=community, status="running")
    relationship = relationship_for(pair(programme))
    Relationship.objects.filter(pk=relationship.pk).update(
        status="finished", finished_at=now - timedelta(days=30, hours=2)
    )
    assert story_services.prompts_create(now=now) == 2
    assert story_services.prompts_create(now=now) == 0
    assert set(StoryPrompt.objects.values_list("member_id", flat=True)) == {
        relationship.mentor_id,
        relationship.mentee_id,
    }


def _prompt(community, member, thread) -> StoryPrompt:
    return StoryPrompt.objects.create(
        member=member,
        community=community,
        kind="accepted_answer",
        object_key=str(thread.pk),
        thread=thread,
        due_at=timezone.now() - timedelta(minutes=5),
    )


def test_no_prompt_about_a_private_community_one_has_left(private):
    from guilde.communities.models import Membership

    community, member = private["community"], private["author"]
    thread = _question(community, member, private["other"], timezone.now())
    prompt = _prompt(community, member, thread)
    assert story_selectors.prompt_due(viewer=member) == prompt
    Membership.objects.filter(community=community, member=member).delete()
    assert story_selectors.prompt_due(viewer=member) is None
    assert list(story_selectors.prompt_list(viewer=member)) == []
    page = _client(member).get(reverse("home:home")).content.decode()
    assert thread.title not in page


def test_the_prompt_looked_for_on_every_page_costs_one_plain_query_when_none_is_due(private):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    community, member = private["community"], private["author"]
    thread = _question(community, member, private["other"], timezone.now())
    prompt = _prompt(community, member, thread)
    StoryPrompt.objects.filter(pk=prompt.pk).update(due_at=timezone.now() + timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        assert story_selectors.prompt_due(viewer=member) is None
    assert len(queries) == 1
    assert "JOIN" not in queries[0]["sql"]
    StoryPrompt.objects.filter(pk=prompt.pk).update(due_at=timezone.now() - timedelta(days=1))
    assert story_selectors.prompt_due(viewer=member) == prompt


def test_the_banner_asks_and_one_click_dismisses(private):
    community, member = private["community"], private["author"]
    thread = _question(community, member, private["other"], timezone.now())
    prompt = _prompt(community, member, thread)
    client = _client(member)
    page = reverse("analytics:stories", args=[community.slug])
    body = client.get(page).content.decode()
    assert "Tell the story" in body
    assert "How to brew?" in body
    prompt.refresh_from_db()
    assert prompt.shown_at is not None
    dismissed = client.post(reverse("analytics:prompt_dismiss", args=[prompt.pk]), {"next": page})
    assert dismissed.status_code == 302
    assert dismissed["Location"] == page
    assert "Tell the story" not in client.get(page).content.decode()
    # Someone else's prompt does not exist for them.
    other = _prompt(community, member, _question(community, member, private["other"], None))
    response = _client(private["other"]).post(reverse("analytics:prompt_dismiss", args=[other.pk]))
    assert response.status_code == 404
    htmx = client.post(reverse("analytics:prompt_dismiss", args=[other.pk]), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert htmx.content == b""


def test_answering_a_prompt_with_a_story_closes_it(private):
    community, member = private["community"], private["author"]
    thread = _question(community, member, private["other"], timezone.now())
    prompt = _prompt(community, member, thread)
    client = _client(member)
    url = reverse("analytics:story_create", args=[community.slug])
    form = client.get(url, {"prompt": prompt.pk})
    assert form.status_code == 200
    assert f'value="{thread.pk}"' in form.content.decode()  # pre-linked
    response = client.post(
        url,
        {
            "title": "It worked",
            "text": "We use it every week.",
            "cycle": "applied",
            "thread": thread.pk,
            "prompt": prompt.pk,
        },
    )
    assert response.status_code == 302
    prompt.refresh_from_db()
    story = Story.objects.get()
    assert prompt.answered_story == story
    assert prompt.answered_at is not None
    assert story.thread == thread
    assert _client(member).get("/api/v1/me/story-prompts").json() == []


def test_the_api_lists_and_dismisses_prompts(private):
    community, member = private["community"], private["author"]
    prompt = _prompt(community, member, _question(community, member, private["other"], None))
    client = _client(member)
    listed = client.get("/api/v1/me/story-prompts").json()
    assert [p["id"] for p in listed] == [prompt.pk]
    assert f"prompt={prompt.pk}" in listed[0]["story_url"]
    assert (
        _client(private["other"]).post(f"/api/v1/me/story-prompts/{prompt.pk}/dismiss").status_code
        == 404
    )
    assert client.post(f"/api/v1/me/story-prompts/{prompt.pk}/dismiss").status_code == 200
    assert client.get("/api/v1/me/story-prompts").json() == []


# What pages cost ----------------------------------------------------------------------------------


def _grow(community, authors):
    def setup(n: int) -> None:
        while Story.objects.filter(community=community).count() < n:
            index = Story.objects.count()
            author = authors[index % len(authors)]
            thread = _question(community, author, authors[0], timezone.now())
            _story(community, author, title=f"Story {index}", thread_id=thread.pk)

    return setup


def test_the_story_list_costs_the_same_for_1_and_20(private):
    community = private["community"]
    authors = [private["author"], private["other"], member_of(community, analytics_consent=True)]
    client = _client(private["coordinator"])
    url = reverse("analytics:stories", args=[community.slug])
    assert_constant_queries(setup=_grow(community, authors), action=lambda: client.get(url))


def test_the_story_api_list_costs_the_same_for_1_and_20(private):
    community = private["community"]
    authors = [private["author"], private["other"]]
    client = _client(private["admin"])
    url = f"/api/v1/communities/{community.slug}/stories"
    assert_constant_queries(setup=_grow(community, authors), action=lambda: client.get(url))


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_prompt_banner_costs_two_queries_once_shown(private):
    community, member = private["community"], private["author"]
    client = _client(member)
    url = reverse("mentoring:mine")
    client.get(url)
    without = _count(client, url)
    prompt = _prompt(community, member, _question(community, member, private["other"], None))
    first = _count(client, url)
    again = _count(client, url)
    # Without a prompt due, one plain query finds none; with one, the prompt itself is read
    # (one more), and the first time it is noted as shown (one more again).
    assert first <= without + 2
    assert again == without + 1
    assert StoryPrompt.objects.get(pk=prompt.pk).shown_at is not None


def test_the_dashboard_include_shows_stories_by_cycle(private, rf):
    from django.template.loader import render_to_string

    community = private["community"]
    thread = _question(community, private["author"], private["other"], timezone.now())
    _story(community, private["author"], title="Saved a week", thread_id=thread.pk)
    request = rf.get("/")
    request.user = private["coordinator"]
    html = render_to_string(
        "analytics/_stories.html",
        {
            "community": community,
            "story_cycles": story_selectors.stories_by_cycle(request.user, community),
        },
        request=request,
    )
    assert "Saved a week" in html
    assert thread.get_absolute_url() in html
    assert "Ada Author" not in html  # no consent: "a member"
