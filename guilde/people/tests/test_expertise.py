"""Expertise from evidence, as of a date: on-topic answers count most, recent ones more,
and nothing dated after the moment asked about can change a ranking."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from guilde.communities.models import Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions import services as discussions
from guilde.discussions.models import Post, Thread, Vote
from guilde.importers import stackexchange
from guilde.people.expertise import by_activity, experts

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    community = CommunityFactory.create(slug="brewers")
    hops = Tag.objects.create(community=community, slug="hops", name="hops")
    yeast = Tag.objects.create(community=community, slug="yeast", name="yeast")
    asker, ann, bob = (member_of(community, username=name) for name in ("asker", "ann", "bob"))
    now = timezone.now()

    def asked(title: str, tag: str, days_ago: float) -> Thread:
        thread = discussions.thread_create(
            actor=asker, community=community, kind="question", title=title, body="?", tags=[tag]
        )
        Thread.objects.filter(pk=thread.pk).update(created_at=now - timedelta(days=days_ago))
        return thread

    def answered(thread: Thread, member, days_ago: float) -> Post:
        post = discussions.post_create(actor=member, thread=thread, body="An answer.")
        Post.objects.filter(pk=post.pk).update(created_at=now - timedelta(days=days_ago))
        return post

    first = asked("Which hops for a pale ale?", "hops", 9)
    ann_answer = answered(first, ann, 8)
    second = asked("Dry yeast or liquid?", "yeast", 20)
    bob_answer = answered(second, bob, 19)
    third = asked("Yeast starter size?", "yeast", 15)
    answered(third, bob, 14)
    return {
        "community": community,
        "hops": hops,
        "yeast": yeast,
        "asker": asker,
        "ann": ann,
        "bob": bob,
        "now": now,
        "first": first,
        "ann_answer": ann_answer,
        "bob_answer": bob_answer,
        "answered": answered,
    }


def _ranking(world, tag: str, as_of=None) -> list[tuple[Any, ...]]:
    found = experts(
        communities=[world["community"].pk],
        tags=[world[tag].pk],
        as_of=as_of or world["now"],
        exclude=[world["asker"].pk],
    )
    return [
        (e.member_id, e.score, e.answers, e.accepted, e.upvotes, dict(e.on_topic)) for e in found
    ]


def test_on_topic_answers_count_most_and_say_why(world):
    ann, bob, hops = world["ann"], world["bob"], world["hops"]
    on_hops = _ranking(world, "hops")
    # One recent answer on #hops beats two older ones on #yeast.
    assert [row[0] for row in on_hops] == [ann.pk, bob.pk]
    assert on_hops[0][2:] == (1, 0, 0, {hops.pk: 1})
    assert [row[0] for row in _ranking(world, "yeast")] == [bob.pk, ann.pk]
    # The baseline counts answers, whatever their topic.
    baseline = by_activity(
        communities=[world["community"].pk], as_of=world["now"], exclude=[world["asker"].pk]
    )
    assert baseline == [bob.pk, ann.pk]
    # The asker is never ranked; nobody is, before any answer.
    assert world["asker"].pk not in by_activity(
        communities=[world["community"].pk], as_of=world["now"]
    )
    assert (
        experts(communities=[world["community"].pk], as_of=world["now"] - timedelta(days=40)) == []
    )


def test_nothing_dated_after_the_moment_can_change_its_ranking(world):
    """A later answer, a later vote, a later acceptance: the ranking as of before them is
    the same to the last decimal; as of after them, they count."""
    ann, bob, now = world["ann"], world["bob"], world["now"]
    moment = now - timedelta(days=5)
    before = _ranking(world, "yeast", as_of=moment)

    # Later: Ann answers a yeast question, Bob's answer is upvoted, Ann's first answer is
    # accepted — all after the moment.
    later_question = discussions.thread_create(
        actor=world["asker"],
        community=world["community"],
        kind="question",
        title="Lager yeast at ale temperatures?",
        body="?",
        tags=["yeast"],
    )
    Thread.objects.filter(pk=later_question.pk).update(created_at=now - timedelta(days=3))
    world["answered"](later_question, ann, 2)
    Vote.objects.create(post=world["bob_answer"], value=1, created_at=now - timedelta(days=1))
    discussions.answer_accept(actor=world["asker"], thread=world["first"], post=world["ann_answer"])
    Thread.objects.filter(pk=world["first"].pk).update(accepted_at=now - timedelta(days=1))

    assert _ranking(world, "yeast", as_of=moment) == before
    after = _ranking(world, "yeast")
    assert after != before
    by_member = {row[0]: row for row in after}
    assert by_member[ann.pk][2:5] == (2, 1, 0)
    assert by_member[bob.pk][4] == 1


# A dump: Ann answered (and saw accepted) a hops question; Bob answered two yeast questions;
# then a hops question is asked and Ann's answer accepted. A self-answered question, and
# one without an accepted answer, are not ranked.
USERS = """<?xml version="1.0" encoding="utf-8"?>
<users>
  <row Id="1" CreationDate="2015-01-01T00:00:00.000" DisplayName="Asker" />
  <row Id="2" CreationDate="2015-01-01T00:00:00.000" DisplayName="Ann" />
  <row Id="3" CreationDate="2015-01-01T00:00:00.000" DisplayName="Bob" />
</users>
"""


def _question(id: int, day: str, owner: int, tag: str, accepted: int | None = None) -> str:
    extra = f' AcceptedAnswerId="{accepted}"' if accepted else ""
    return (
        f'  <row Id="{id}" PostTypeId="1" CreationDate="2015-{day}T10:00:00.000" '
        f'OwnerUserId="{owner}" Title="Question {id}" Body="&lt;p&gt;Body {id}&lt;/p&gt;" '
        f'Tags="&lt;{tag}&gt;"{extra} />\n'
    )


def _answer(id: int, parent: int, day: str, owner: int) -> str:
    return (
        f'  <row Id="{id}" PostTypeId="2" ParentId="{parent}" '
        f'CreationDate="2015-{day}T12:00:00.000" OwnerUserId="{owner}" '
        f'Body="&lt;p&gt;Answer {id}&lt;/p&gt;" />\n'
    )


POSTS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
    + _question(10, "01-01", 1, "hops", accepted=11)
    + _answer(11, 10, "01-02", 2)
    + _question(20, "01-03", 1, "yeast")
    + _answer(21, 20, "01-04", 3)
    + _question(30, "01-05", 1, "yeast")
    + _answer(31, 30, "01-06", 3)
    + _question(40, "01-10", 1, "hops", accepted=41)
    + _answer(41, 40, "01-11", 2)
    + _answer(42, 40, "01-11", 3)
    + _question(50, "01-12", 2, "hops", accepted=51)
    + _answer(51, 50, "01-12", 2)
    + "</posts>\n"
)
VOTES = """<?xml version="1.0" encoding="utf-8"?>
<votes>
  <row Id="1" PostId="11" VoteTypeId="1" CreationDate="2015-01-02T00:00:00.000" />
  <row Id="2" PostId="41" VoteTypeId="1" CreationDate="2015-01-11T00:00:00.000" />
  <row Id="3" PostId="51" VoteTypeId="1" CreationDate="2015-01-12T00:00:00.000" />
</votes>
"""


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    folder = tmp_path / "homebrew.stackexchange.com"
    folder.mkdir()
    for name, text in {"Users": USERS, "Posts": POSTS, "Votes": VOTES}.items():
        (folder / f"{name}.xml").write_text(text, encoding="utf-8")
    return folder


def _run(*arguments: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("eval-experts", *arguments, stdout=out)
    found: dict[str, Any] = json.loads(out.getvalue())
    return found


def test_eval_experts_ranks_from_what_was_known_when_each_question_was_asked(dump):
    stackexchange.import_dump(dump, slug="homebrew", private=False, progress=False)
    # Ranked: question 10 (nobody answered before it: a miss) and question 40 (Ann, whose
    # accepted hops answer puts her first; Bob has more answers, on yeast).
    assert _run(str(dump)) == {"questions": 2, "p_at_1": 0.5, "mrr": 0.5, "method": "expertise"}
    assert _run(str(dump), "--baseline") == {
        "questions": 2,
        "p_at_1": 0.0,
        "mrr": 0.25,
        "method": "baseline",
    }
