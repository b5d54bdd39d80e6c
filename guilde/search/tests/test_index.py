"""Freshness: the index changes in the same transaction as the content, whatever changes."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from guilde.accounts import services as account_services
from guilde.communities import services as community_services
from guilde.communities.models import Community, Membership
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services
from guilde.knowledge import services as knowledge_services
from guilde.search import analysis, index, tasks
from guilde.search.backends import backend
from guilde.search.models import IndexState, SearchDocument
from guilde.search.selectors import SearchParams, search
from guilde.uploads.services import upload_create

pytestmark = pytest.mark.django_db


def found(q: str, viewer=None, **params) -> list[tuple[str, str]]:
    page = search(viewer=viewer or AnonymousUser(), params=SearchParams(q=q, **params))
    return [(r.kind, r.key) for r in page.results]


def _thread(community, author=None, **fields):
    return services.thread_create(
        actor=author or member_of(community),
        community=community,
        kind=fields.pop("kind", "question"),
        title=fields.pop("title", "A question"),
        body=fields.pop("body", "An opening post"),
        **fields,
    )


@pytest.fixture
def community():
    return CommunityFactory.create()


def test_a_new_thread_and_reply_are_found_at_once_and_edits_replace_their_words(community):
    thread = _thread(community, title="Wort chilling", body="zqimmersion coil")
    assert found("wort") == [("thread", str(thread.pk))]
    assert found("zqimmersion") == [("thread", str(thread.pk))]
    replier = member_of(community)
    reply = services.post_create(actor=replier, thread=thread, body="zqplate chiller")
    assert found("zqplate") == [("post", str(reply.pk))]

    services.post_edit(actor=replier, post=reply, body="zqcounterflow instead")
    assert found("zqplate") == []
    assert found("zqcounterflow") == [("post", str(reply.pk))]
    opening = thread.posts.get(position=1)
    services.post_edit(actor=opening.author, post=opening, body="zqnew body", title="Cooling")
    assert found("wort") == []
    assert found("cooling zqnew") == [("thread", str(thread.pk))]
    backend().check()


def test_a_rolled_back_write_leaves_nothing_in_the_index(community):
    seen_inside = []

    def write_then_fail() -> None:
        with transaction.atomic():
            _thread(community, title="zqrolledback")
            seen_inside.extend(found("zqrolledback"))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert seen_inside  # searchable inside the transaction
    assert found("zqrolledback") == []
    assert not SearchDocument.objects.filter(title__contains="zqrolledback").exists()
    backend().check()


def test_deletion_rules_remove_documents(community):
    moderator = member_of(community, role="moderator")
    thread = _thread(community, title="zqthread")
    hidden = services.post_create(actor=member_of(community), thread=thread, body="zqhidden")
    deleter = member_of(community)
    deleted = services.post_create(actor=deleter, thread=thread, body="zqdeleted")
    services.post_hide(actor=moderator, post=hidden)
    services.post_delete(actor=deleter, post=deleted)
    assert found("zqhidden") == []
    assert found("zqdeleted") == []

    services.post_restore(actor=moderator, post=hidden)
    assert found("zqhidden") == [("post", str(hidden.pk))]

    # Hiding the opening post hides the whole thread: every document of it goes.
    services.post_hide(actor=moderator, post=thread.posts.get(position=1))
    assert found("zqthread") == []
    assert found("zqhidden") == []
    services.post_restore(actor=moderator, post=thread.posts.get(position=1))
    assert found("zqthread") == [("thread", str(thread.pk))]
    assert found("zqhidden") == [("post", str(hidden.pk))]

    admin = member_of(community)
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    services.post_purge(actor=admin, post=hidden)
    assert found("zqhidden") == []
    services.post_purge(actor=admin, post=thread.posts.get(position=1))
    assert not SearchDocument.objects.filter(thread_id=thread.pk).exists()
    backend().check()


def test_accepting_an_answer_changes_status_and_boost(community):
    thread = _thread(community, title="zqaccept question")
    answer = services.post_create(actor=member_of(community), thread=thread, body="zqaccept")
    assert found("zqaccept", status="unanswered") == []
    assert found("zqaccept", type="question", status="answered") == [("thread", str(thread.pk))]
    services.answer_accept(actor=thread.author, thread=thread, post=answer)
    assert sorted(found("zqaccept", status="solved")) == sorted(
        [("thread", str(thread.pk)), ("post", str(answer.pk))]
    )
    document = SearchDocument.objects.get(kind="post", object_key=str(answer.pk))
    assert document.boost > SearchDocument.objects.get(kind="thread").boost
    services.answer_accept(actor=thread.author, thread=thread, post=None)
    assert found("zqaccept", status="solved") == []


def test_moves_merges_and_splits_follow_the_threads(community):
    moderator = member_of(community, role="moderator")
    other = CommunityFactory.create(visibility=Community.Visibility.PRIVATE)
    other_member = member_of(other)
    Membership.objects.create(
        community=other,
        member=moderator,
        role="moderator",
        status="active",
        joined_at=timezone.now(),
    )
    thread = _thread(community, title="zqmoving")
    reply = services.post_create(actor=member_of(community), thread=thread, body="zqmovingreply")
    services.thread_move(actor=moderator, thread=thread, to=other)
    assert found("zqmoving") == []  # now private: anonymous no longer finds it
    assert found("zqmovingreply", viewer=other_member) == [("post", str(reply.pk))]
    assert set(
        SearchDocument.objects.filter(thread_id=thread.pk).values_list("community", flat=True)
    ) == {other.pk}

    first = _thread(community, title="zqfirst")
    second = _thread(community, title="zqsecond", body="zqsecondbody")
    services.thread_merge(actor=moderator, source=second, into=first)
    merged = first.posts.get(position=2)  # second's opening post, now a reply of first
    assert found("zqsecondbody") == [("post", str(merged.pk))]
    assert found("zqsecond") == []  # the merged-away thread is gone from the index

    parent = _thread(community, title="zqparent")
    moved = services.post_create(actor=member_of(community), thread=parent, body="zqsplitoff")
    new = services.thread_split(
        actor=moderator, thread=parent, positions=[moved.position], title="zqchild"
    )
    assert found("zqchild zqsplitoff") == [("thread", str(new.pk))]
    backend().check()


def test_articles_follow_their_lifecycle(community):
    author = member_of(community, role="coordinator")
    article = knowledge_services.article_create(
        actor=author, community=community, kind="guide", title="zqguide", body="Steps"
    )
    assert found("zqguide") == []  # a draft
    assert found("zqguide", viewer=author) == [("article", str(article.pk))]
    knowledge_services.article_publish(actor=author, article=article)
    assert found("zqguide") == [("article", str(article.pk))]
    knowledge_services.article_verify(actor=author, article=article)
    assert found("zqguide", status="verified") == [("article", str(article.pk))]
    knowledge_services.article_update(
        actor=author, article=article, title="zqrenamed", body="Other steps"
    )
    assert found("zqguide") == []
    assert found("zqrenamed") == [("article", str(article.pk))]
    knowledge_services.article_archive(actor=author, article=article)
    assert found("zqrenamed", status="archived") == [("article", str(article.pk))]


def test_communities_and_profiles_are_found_and_follow_changes(community):
    member = member_of(community)
    account_services.profile_update(
        actor=member,
        member=member,
        display_name="Zqdisplay Person",
        bio="I brew zqsaison",
        location="",
        time_zone="",
        languages=[],
        open_to_questions=False,
        open_to_mentor=False,
        field_visibility={},
        analytics_consent=False,
    )
    account_services.skills_set(actor=member, member=member, kind="skill", names=["Zqsour"])
    assert found("zqsaison") == [("member", str(member.pk))]
    assert found("zqsour") == [("member", str(member.pk))]
    assert found("zqdisplay") == [("member", str(member.pk))]
    thread = _thread(community, title="Zqhoublons")  # analysed in English for now
    assert SearchDocument.objects.get(kind="thread").language == "en"
    community_services.community_update(
        actor=member_of(community, role="coordinator"),
        community=community,
        name="Zqcommunity",
        domain="Brewing",
        description="All about zqlambics",
        charter="",
        language="fr",
        visibility=community.visibility,
        join_policy=community.join_policy,
        newcomer_days=community.newcomer_days,
        tags=[],
        organisations=[],
    )
    assert found("zqcommunity") == [("community", str(community.pk))]
    assert found("zqlambics") == [("community", str(community.pk))]
    # The language changed: the worker analyses the content again, in French.
    assert SearchDocument.objects.get(kind="thread").language == "en"
    assert found("zqhoublons") == [("thread", str(thread.pk))]
    run_queued_tasks()
    assert set(
        SearchDocument.objects.filter(community=community).values_list("language", flat=True)
    ) == {"fr"}


def test_an_attachment_is_searchable_once_the_worker_read_it(community):
    author = member_of(community)
    upload = upload_create(
        actor=author,
        community=community,
        file=io.BytesIO(b"Recette de zqcervoise maison"),
        name="recette.txt",
    )
    thread = _thread(community, author, body=f"See [the recipe]({upload.url})")
    assert found("zqcervoise") == []  # not read yet
    run_queued_tasks()
    assert found("zqcervoise") == [("attachment", str(upload.pk))]
    services.post_hide(actor=member_of(community, role="moderator"), post=thread.posts.get())
    assert found("zqcervoise") == []


def test_reindex_rebuilds_and_records_the_analyser_version(community):
    thread = _thread(community, title="zqrebuilt")
    SearchDocument.objects.all().delete()
    IndexState.objects.all().delete()
    assert found("zqrebuilt") == []
    out = io.StringIO()
    call_command("reindex", "--quiet", stdout=out)
    report = json.loads(out.getvalue())
    assert report["documents"] >= 2
    assert found("zqrebuilt") == [("thread", str(thread.pk))]
    assert index.stored_analyser_version() == analysis.ANALYSER_VERSION
    backend().check()


def test_a_new_analyser_version_makes_the_scheduler_rebuild(community):
    _thread(community, title="zqversion")
    IndexState.objects.update_or_create(key=index.ANALYSER_KEY, defaults={"value": "0"})
    stale = SearchDocument.objects.get(kind="thread")
    assert tasks.rebuild_if_analyser_changed.call() > 0
    assert not SearchDocument.objects.filter(pk=stale.pk).exists()  # replaced
    assert found("zqversion")
    assert tasks.rebuild_if_analyser_changed.call() == 0  # up to date now


def test_a_reply_moved_to_a_new_thread_is_indexed_once_whatever_the_order(community):
    moderator = member_of(community, role="moderator")
    parent = _thread(community, title="zqorigin")
    first = services.post_create(actor=member_of(community), thread=parent, body="zqfirstmoved")
    second = services.post_create(actor=member_of(community), thread=parent, body="zqmovedreply")
    new = services.thread_split(
        actor=moderator,
        thread=parent,
        positions=[first.position, second.position],
        title="zqnewthread",
    )
    # As if the moved reply's document still named its old thread, which is not in the batch.
    SearchDocument.objects.filter(kind="post", object_key=str(second.pk)).update(
        thread_id=parent.pk
    )
    index.index_threads([new.pk], with_posts=True)
    index.index_threads([new.pk, parent.pk], with_posts=True)
    index.index_threads([parent.pk, new.pk], with_posts=True)
    assert found("zqmovedreply") == [("post", str(second.pk))]
    document = SearchDocument.objects.get(kind="post", object_key=str(second.pk))
    assert document.thread_id == new.pk
    backend().check()


# The recent part of the SQLite index --------------------------------------------------------

sqlite_only = pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "sqlite", reason="SQLite's FTS5 tables"
)


def _recent_floor() -> int:
    state = IndexState.objects.filter(key="recent_floor").values_list("value", flat=True)
    return int(state[0]) if state else 0


def _ranked_against(q: str) -> str:
    from guilde.search.backends.sqlite import RECENT_TABLE

    query = analysis.query_terms(q)
    matched = backend().match(SearchDocument.objects.all(), query, require_all=True)
    return "recent" if RECENT_TABLE in str(matched.query) else "all"


@sqlite_only
def test_the_recent_table_follows_its_floor_and_broad_searches_rank_there(community, monkeypatch):
    """``search_fts_recent`` holds the documents at or above its floor; the worker's trim
    moves the floor (in batches, or by rebuilding the table when more goes than
    stays) and FTS5's integrity check compares it with exactly those documents. A search
    whose rank window lies above the floor ranks there and finds what the whole index
    would rank in that window; one whose window reaches below the floor ranks against
    every document."""
    from guilde.search import ranking
    from guilde.search.backends import sqlite

    monkeypatch.setattr(ranking, "RANK_WINDOW", 3)
    monkeypatch.setattr(ranking, "RECENT_DOCUMENTS", 8)  # fewer go than stay: batches
    monkeypatch.setattr(sqlite, "TRIM_MIN", 1)
    monkeypatch.setattr(sqlite, "TRIM_BATCH", 2)
    threads = [
        _thread(community, title=f"Zqrecent number {i}", body="zqbroad" if i else "zqold")
        for i in range(12)
    ]
    before = found("zqbroad")
    assert _recent_floor() == 0
    assert backend().trim() > 0
    top = SearchDocument.objects.order_by("-pk").values_list("pk", flat=True)[0]
    assert _recent_floor() == top - ranking.RECENT_DOCUMENTS + 1
    backend().check()

    # Broad: the three most recent matches, all above the floor.
    assert _ranked_against("zqbroad") == "recent"
    assert sorted(found("zqbroad")) == sorted(before)
    assert len(before) == 3
    # Narrow: the one match lies below the floor, so the whole index ranks it.
    assert _ranked_against("zqold") == "all"
    assert found("zqold") == [("thread", str(threads[0].pk))]

    # Writes on both sides of the floor keep the table exact.
    newest = threads[-1]
    services.post_edit(actor=newest.author, post=newest.posts.get(position=1), body="zqedited")
    services.post_edit(
        actor=threads[1].author, post=threads[1].posts.get(position=1), body="zqedited"
    )
    backend().check()
    assert sorted(found("zqedited")) == sorted(
        [("thread", str(newest.pk)), ("thread", str(threads[1].pk))]
    )

    # More to take out than to keep: rebuilt above the new floor.
    monkeypatch.setattr(ranking, "RECENT_DOCUMENTS", 1)
    moved = backend().trim()
    assert moved > 1
    backend().check()
    assert _ranked_against("zqedited") == "all"  # its window reaches below the floor
