"""Each metric on a small community built by hand, its expected values worked out here.

The community, between T0 and T0 + 7 days (members: ana, bo, cy, dee, eve, all joined
before T0):

- Q1 by ana at T0: bo answers 2 h later, cy 5 h later; cy's answer is accepted.
- Q2 by bo at T0 + 1 d: ana answers 10 h later.
- Q3 by cy at T0 + 2 d: dee's answer 1 h later is hidden by a moderator — unanswered.
- Q4 by dee at T0 + 3 d: no answer.
- Q5 by dee at T0 + 4 d: hidden with its thread — it does not count at all.
- a discussion by ana at T0 + 1 d, bo replies.
- eve only reads (a read marker at T0 + 1 d).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guilde.analytics import metrics
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions.models import Post, ReadState, Thread

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
END = T0 + timedelta(days=7)
HOUR = timedelta(hours=1)


def _thread(community, author, kind, at, **extra):
    thread = Thread.objects.create(
        community=community, kind=kind, title=f"{kind} by {author.username}", author=author,
        created_at=at, **extra,
    )  # fmt: skip
    _post(thread, author, at, 1)
    return thread


def _post(thread, author, at, position, **extra):
    extra.setdefault("body", "text")
    return Post.objects.create(
        thread=thread, author=author, position=position, body_html="<p>text</p>",
        created_at=at, **extra,
    )  # fmt: skip


@pytest.fixture
def world():
    community = CommunityFactory.create()
    people = {}
    for name in ("ana", "bo", "cy", "dee", "eve"):
        people[name] = member_of(community, username=name)
        people[name].memberships.update(joined_at=T0 - timedelta(days=30))
    ana, bo, cy, dee, eve = (people[n] for n in ("ana", "bo", "cy", "dee", "eve"))
    q1 = _thread(community, ana, "question", T0)
    _post(q1, bo, T0 + 2 * HOUR, 2)
    accepted = _post(q1, cy, T0 + 5 * HOUR, 3)
    q1.accepted_post, q1.accepted_at = accepted, T0 + 6 * HOUR
    q1.save()
    q2 = _thread(community, bo, "question", T0 + timedelta(days=1))
    _post(q2, ana, T0 + timedelta(days=1) + 10 * HOUR, 2)
    q3 = _thread(community, cy, "question", T0 + timedelta(days=2))
    _post(q3, dee, T0 + timedelta(days=2) + HOUR, 2, hidden_at=T0 + timedelta(days=3))
    _thread(community, dee, "question", T0 + timedelta(days=3))
    _thread(community, dee, "question", T0 + timedelta(days=4), hidden_at=T0 + timedelta(days=5))
    talk = _thread(community, ana, "discussion", T0 + timedelta(days=1))
    _post(talk, bo, T0 + timedelta(days=1, hours=1), 2)
    ReadState.objects.create(member=eve, thread=talk, updated_at=T0 + timedelta(days=1))
    return community, people


def test_percentiles_interpolate_between_closest_ranks():
    assert metrics.percentile([], 0.5) is None
    assert metrics.percentile([7.0], 0.9) == 7.0
    assert metrics.percentile([4, 1, 3, 2], 0.5) == 2.5
    assert metrics.percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)  # rank 2.7


def test_gini_and_top_shares():
    assert metrics.gini([1, 1, 1, 1]) == 0
    assert metrics.gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (3 × 10) / (4 × 10)
    assert metrics.gini([0, 0]) is None
    assert metrics.top_share([5, 3, 2], 0.10) == pytest.approx(0.5)  # 1 of 3: 5 / 10
    assert metrics.top_share([], 0.01) is None


def test_responsiveness(world):
    community, _people = world
    found = metrics.responsiveness([community.pk], T0, END)
    assert found["questions"] == 4  # Q5 is hidden
    assert (found["answered"], found["unanswered"]) == (2, 2)
    assert found["unanswered_rate"] == 0.5
    assert found["first_answer_hours"] == {"median": 6.0, "p90": 9.2}  # of 2 h and 10 h
    assert found["accepted"] == 1
    assert found["accepted_hours"] == {"median": 5.0, "p90": 5.0}
    by_title = dict(Thread.objects.values_list("pk", "title"))
    assert [by_title[q["thread"]] for q in found["waiting"]] == [
        "question by cy",
        "question by dee",
    ]
    assert "title" not in found["waiting"][0]  # read when shown, never stored
    # As of one hour after Q1, only Q1 was asked, and answered by then.
    early = metrics.responsiveness([community.pk], T0, T0 + 3 * HOUR)
    assert (early["questions"], early["answered"], early["accepted"]) == (1, 1, 0)


def test_activity(world):
    community, _people = world
    found = metrics.activity([community.pk], T0, END)
    assert found["threads"] == 5  # Q1–Q4 and the discussion
    assert found["questions"] == 4
    assert found["replies"] == 4  # two on Q1, one on Q2, one on the discussion
    assert (found["comments"], found["articles"], found["events"]) == (0, 0, 0)
    assert metrics.activity([community.pk], END, END + timedelta(days=1))["threads"] == 0


def test_participation(world):
    community, _people = world
    found = metrics.participation([community.pk], T0, END)
    # Contributions: ana 3 (Q1, her answer to Q2, the discussion), bo 3, cy 2, dee 1.
    assert found["members"] == 5
    assert found["contributions"] == 9
    assert (found["contributors"], found["readers"]) == (4, 1)  # eve reads
    assert found["active"] == {"7": 5, "28": 5, "90": 5}
    assert found["top_1_share"] == found["top_10_share"] == round(3 / 9, 4)  # one person
    # Gini over the members' counts 0, 1, 2, 3, 3: Σ (2i − n − 1) x = 16; 16 / (5 × 9).
    assert found["gini"] == round(16 / 45, 4)
    assert found["levels"] == {
        "core": 0, "active": 0, "occasional": 4, "peripheral": 1, "inactive": 0,
    }  # fmt: skip
    # Nothing in the 90 days before T0: everyone was inactive, and moved.
    assert found["flows"] == {"inactive": {"occasional": 4, "peripheral": 1}}


def test_levels_thresholds(world):
    community, people = world
    ana = people["ana"]
    talk = Thread.objects.get(kind="discussion")
    for n in range(17):  # ana: 3 + 17 = 20 contributions → core
        _post(talk, ana, T0 + timedelta(days=2, minutes=n), 3 + n)
    for n in range(2):  # bo: 3 + 2 = 5 → active
        _post(talk, people["bo"], T0 + timedelta(days=2, hours=1, minutes=n), 30 + n)
    members = metrics.members_at([community.pk], END)
    levels = metrics.levels_at([community.pk], END, members)
    assert levels[ana.pk] == "core"
    assert levels[people["bo"].pk] == "active"
    assert metrics.levels_at([community.pk], END + timedelta(days=91), members)[ana.pk] == (
        "inactive"
    )


def test_other_communities_never_count(world):
    community, _people = world
    other = CommunityFactory.create()
    stranger = member_of(other)
    _thread(other, stranger, "question", T0 + HOUR)
    assert metrics.responsiveness([community.pk], T0, END)["questions"] == 4
    assert metrics.responsiveness([community.pk, other.pk], T0, END)["questions"] == 5


def test_retention_of_monthly_cohorts(world):
    community, people = world
    # Joined in March 2026: ana and bo; ana reads in April (month 1), bo in June (month 3).
    march = datetime(2026, 3, 10, tzinfo=UTC)
    for name in ("ana", "bo"):
        people[name].memberships.update(joined_at=march)
    talk = Thread.objects.get(kind="discussion")
    ReadState.objects.filter(member=people["eve"]).delete()
    ReadState.objects.create(member=people["ana"], thread=talk,
                             updated_at=datetime(2026, 4, 2, tzinfo=UTC))  # fmt: skip
    _post(talk, people["bo"], datetime(2026, 6, 20, tzinfo=UTC), 9)
    end = datetime(2026, 8, 15, tzinfo=UTC)
    cohorts = {c["month"]: c for c in metrics.retention([community.pk], end)}
    assert len(cohorts) == 12
    assert cohorts["2026-03-01"] == {
        "month": "2026-03-01",
        "members": 2,
        "1": 0.5,
        "3": 0.5,
        "6": None,
    }  # fmt: skip  (September is not over)
    assert cohorts["2026-07-01"]["members"] == 0


def test_knowledge(world):
    from guilde.knowledge.models import Article, Feedback

    community, people = world
    made = {}
    for title, status, verified in (("a", "published", None), ("b", "verified", T0 + HOUR),
                                    ("c", "needs_review", None), ("d", "archived", None),
                                    ("e", "draft", None)):  # fmt: skip
        made[title] = Article.objects.create(
            community=community, title=title, status=status, verified_at=verified,
            created_at=T0 + HOUR,
        )  # fmt: skip
    Feedback.objects.create(article=made["a"], member=people["bo"], helpful=True,
                            created_at=T0 + HOUR)  # fmt: skip
    Feedback.objects.create(article=made["a"], member=people["cy"], helpful=True,
                            created_at=T0 + HOUR)  # fmt: skip
    Feedback.objects.create(article=made["b"], member=people["cy"], helpful=False,
                            created_at=T0 + HOUR)  # fmt: skip
    # Two replies link to article a (one twice, one also to b and to an article of
    # another community), one to an article that does not exist.
    talk = Thread.objects.get(kind="discussion")
    a, b = made["a"].pk, made["b"].pk
    link = f"/communities/{community.slug}/articles"
    _post(talk, people["cy"], T0 + 2 * HOUR, 3, body=f"See {link}/{a}/ and {link}/{a}/ again")
    _post(
        talk,
        people["dee"],
        T0 + 3 * HOUR,
        4,
        body=f"[b]({link}/{b}/), [a](https://x.org{link}/{a}/), /communities/other/articles/{b}/",
    )
    _post(talk, people["eve"], T0 + 4 * HOUR, 5, body=f"{link}/999999/")  # fmt: skip
    found = metrics.knowledge([community.pk], T0, END)
    assert found == {"published": 4, "verified": 1, "needs_review": 1, "archived": 1,
                     "feedback": 3, "helpful_rate": round(2 / 3, 4),
                     "replies_linking_articles": 2, "articles_linked": 2,
                     "article_views": 0, "article_views_from_search": 0}  # fmt: skip


def test_article_views_and_openings_from_search(world):
    from guilde.communities.tests.factories import CommunityFactory
    from guilde.knowledge.models import Article, ArticleView
    from guilde.search.models import SearchClick, SearchQuery

    community, _people = world
    elsewhere = CommunityFactory.create()
    mine = Article.objects.create(community=community, title="a", status="published")
    other = Article.objects.create(community=community, title="b", status="published")
    theirs = Article.objects.create(community=elsewhere, title="c", status="published")
    first, last = T0.date(), (END - timedelta(days=1)).date()
    # Views: the window's first and last days count, the day before and the end's day not;
    # another community's article never.
    for article, day in ((mine, first), (mine, last), (other, first), (other, last),
                         (mine, first - timedelta(days=1)), (mine, END.date()),
                         (theirs, first)):  # fmt: skip
        ArticleView.objects.create(article=article, viewer=f"v{article.pk}{day}", day=day)
    query = SearchQuery.objects.create(text="hops", created_at=T0)
    # Openings from a search: two of this community's article in the window (a reader may
    # open it twice), one before it, one of another community, one of a thread with the
    # same key.
    for kind, key, when in (("article", mine.pk, T0 + HOUR), ("article", mine.pk, END - HOUR),
                            ("article", other.pk, T0 - HOUR), ("article", theirs.pk, T0 + HOUR),
                            ("thread", mine.pk, T0 + HOUR)):  # fmt: skip
        SearchClick.objects.create(
            query=query, kind=kind, object_key=str(key), rank=1, created_at=when
        )
    assert metrics.article_views([community.pk], T0, END) == {
        "article_views": 4,
        "article_views_from_search": 2,
    }
    assert metrics.article_views([community.pk], None, END) == {
        "article_views": 5,
        "article_views_from_search": 3,
    }


def test_mentoring(world):
    from guilde.mentoring.models import Feedback
    from guilde.mentoring.tests.factories import ProgrammeFactory, pair, relationship_for

    community, _people = world
    programme = ProgrammeFactory.create(community=community, status="running")
    ongoing = relationship_for(pair(programme, status="published"))
    done = relationship_for(pair(programme, status="published"))
    declined = pair(programme, status="declined", answered_at=T0 + HOUR)
    for relationship in (ongoing, done):
        relationship.started_at = T0 + HOUR
        relationship.save()
    done.status, done.finished_at = "finished", T0 + 2 * HOUR
    done.save()
    for match in (ongoing.match, done.match):
        match.refresh_from_db()  # accepted by relationship_for
        match.published_at = match.answered_at = T0 + HOUR
        match.save()
    declined.published_at = T0 + HOUR
    declined.save()
    Feedback.objects.create(relationship=done, member=done.mentee, rating=5, created_at=T0 + HOUR)
    Feedback.objects.create(relationship=done, member=done.mentor, rating=4, created_at=T0 + HOUR)
    found = metrics.mentoring([community.pk], T0, END)
    assert found == {"published": 3, "accepted": 2, "declined": 1, "started": 2, "active": 1,
                     "finished": 1, "feedback": 2, "mean_rating": 4.5}  # fmt: skip
