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
