"""The data generator: the counts asked for, realistic shapes, the same data for a seed."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from guilde.communities.models import Community
from guilde.discussions.models import Post, Thread
from guilde.knowledge.models import Article

pytestmark = pytest.mark.django_db


def _generate(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("generate", *args, stdout=out)
    counts: dict[str, object] = json.loads(out.getvalue())
    return counts


def _fingerprint() -> str:
    rows = list(
        Post.objects.order_by("pk").values_list(
            "thread__title", "position", "body", "author__username"
        )
    )
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def test_the_generator_makes_realistic_data():
    counts = _generate("--members", "200", "--posts", "3000", "--communities", "4", "--seed", "7")
    assert (counts["members"], counts["posts"], counts["communities"]) == (200, 3000, 4)
    assert Post.objects.count() == 3000
    assert Community.objects.filter(slug__startswith="gen-").count() == 4
    # A few members write most posts (Zipf): the busiest tenth writes over a third.
    authors = Counter(Post.objects.values_list("author_id", flat=True))
    per_author = sorted(authors.values(), reverse=True)
    assert sum(per_author[: max(1, len(per_author) // 10)]) > 3000 / 3
    # Long-tailed threads: most are short, some are long.
    lengths = sorted(Thread.objects.annotate(n=Count("posts")).values_list("n", flat=True))
    assert lengths[len(lengths) // 2] <= 8
    assert lengths[-1] >= 30
    questions = Thread.objects.filter(kind="question", reply_count__gt=0)
    assert questions.filter(accepted_post__isnull=False).count() > questions.count() / 3
    assert Community.objects.filter(slug__startswith="gen-", language="fr").exists()
    assert Article.objects.count() == counts["articles"]
    # Events of every format, some series, answers with a waitlist where seats are few.
    from guilde.events.models import Event, Registration

    assert Event.objects.count() == counts["events"]
    assert Event.objects.count() >= 4
    assert Registration.objects.count() == counts["event_registrations"]
    assert Event.objects.exclude(repeat="").exists()
    assert Event.objects.filter(last_end__isnull=False).count() == Event.objects.count()
    # Mentoring: a running programme per community, matched by the product's matcher, its
    # pairs answered; relationships with goals and check-ins; open programmes too.
    from guilde.mentoring.models import Application, CheckIn, Goal, Match, Programme, Relationship

    running = Programme.objects.filter(status=Programme.Status.RUNNING)
    assert running.count() == 4
    assert Programme.objects.filter(status=Programme.Status.OPEN).count() == 2
    assert Application.objects.count() == counts["mentoring_applications"]
    assert Match.objects.count() == counts["mentoring_matches"]
    assert Match.objects.exists()
    assert Match.objects.filter(status=Match.Status.ACCEPTED).count() == (
        Relationship.objects.count()
    )
    assert Match.objects.filter(status=Match.Status.PUBLISHED).exists()
    assert Goal.objects.exists()
    assert CheckIn.objects.count() == counts["mentoring_check_ins"]
    assert CheckIn.objects.exists()
    assert not Match.objects.filter(status=Match.Status.PROPOSED).exists()
    # Value-creation stories: every cycle, linked to what they came from, some measured.
    from guilde.analytics.models import Story

    assert Story.objects.count() == counts["stories"]
    assert set(Story.objects.values_list("cycle", flat=True)) == set(Story.Cycle.values)
    assert Story.objects.filter(thread__isnull=False).exists()
    assert Story.objects.exclude(effect_kind="").exists()
    # Pages work on generated data.
    from django.test import Client

    thread = Thread.objects.filter(community__visibility="public").order_by("-reply_count").first()
    assert thread is not None
    assert Client().get(thread.get_absolute_url()).status_code == 200


def _wipe() -> None:
    from guilde.accounts.models import User

    Thread.objects.all().delete()
    Article.objects.all().delete()
    Community.objects.filter(slug__startswith="gen-").delete()
    User.objects.filter(username__startswith="gen-").delete()


def test_the_same_seed_gives_the_same_data():
    _generate("--members", "50", "--posts", "500", "--communities", "2", "--seed", "3")
    first = _fingerprint()
    _wipe()
    _generate("--members", "50", "--posts", "500", "--communities", "2", "--seed", "3")
    assert _fingerprint() == first
    _wipe()
    _generate("--members", "50", "--posts", "500", "--communities", "2", "--seed", "4")
    assert _fingerprint() != first


def test_a_mentoring_programme_of_any_size_for_the_matching_benchmark():
    """What bench/matching.py makes (5,000 mentees and 1,000 mentors there), small."""
    from guilde.accounts.models import Affiliation, User
    from guilde.importers.generator import Generator
    from guilde.mentoring import matching, services
    from guilde.mentoring.models import SLOTS, Application, Match, Programme

    generator = Generator(members=0, posts=0, communities=0, seed=5)
    programme = generator.mentoring_programme(
        mentees=120, mentors=30, capacities=(1, 5), topics=40, avoiding=0.2
    )
    assert programme.status == Programme.Status.MATCHING
    assert programme.max_capacity == 5
    community = programme.community
    assert community.tags.count() == 40
    applications = Application.objects.filter(programme=programme)
    mentors = applications.filter(role=Application.Role.MENTOR)
    mentees = applications.filter(role=Application.Role.MENTEE)
    assert (mentors.count(), mentees.count()) == (30, 120)
    assert set(mentors.values_list("capacity", flat=True)) <= {1, 2, 3, 4, 5}
    assert len(set(mentors.values_list("capacity", flat=True))) > 2
    assert set(mentees.values_list("capacity", flat=True)) == {1}
    topics = Application.skills.through.objects.filter(application__programme=programme)
    per_mentee = Counter(
        topics.filter(application__role="mentee").values_list("application_id", flat=True)
    )
    assert len(per_mentee) == 120
    assert 1 <= min(per_mentee.values()) <= max(per_mentee.values()) <= 5
    assert set(topics.values_list("tag__community", flat=True)) == {community.pk}
    avoided = Application.avoid.through.objects.filter(application__programme=programme)
    assert 5 < avoided.count() < 50
    assert set(avoided.values_list("application__role", flat=True)) == {"mentee"}
    assert set(avoided.values_list("user_id", flat=True)) <= set(
        mentors.values_list("member_id", flat=True)
    )
    # A fiftieth of the mentors apply as mentees too (the matcher never pairs them).
    assert mentors.filter(member__in=mentees.values("member")).count() == 30 // 50
    for application in applications:
        assert application.availability
        assert set(application.availability) <= set(SLOTS)
        assert all(len(code) == 2 for code in application.languages)
    assert applications.filter(languages=[]).exists()  # the spoken languages count
    members = User.objects.filter(username__startswith="genm-")
    assert members.count() == 150
    assert members.values("time_zone").distinct().count() > 4
    assert 0.2 < Affiliation.objects.filter(member__in=members).count() / 150 < 0.6
    assert community.memberships.count() == 150
    assert community.memberships.filter(role="coordinator").count() == 1

    outcome = services.matching_run(actor=None, programme=programme)
    assert 0 < outcome.pairs <= sum(mentors.values_list("capacity", flat=True))
    assert outcome.total >= matching.greedy(outcome.problem).score
    assert Match.objects.filter(programme=programme).count() == outcome.pairs

    # Another programme of the same community finds enough members there.
    generator.mentoring_programme(community, mentees=40, mentors=10, status="open")
    assert members.count() == 150
    assert generator.counts["mentoring_applications"] == 200
