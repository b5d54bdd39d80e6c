"""What the load test's users need, taken from the instance under test (run in its
environment: ``python -m bench.load_world MEMBERS``). Prints JSON: for each member a session
cookie and a write token, with the threads, posts and events of their communities; public
pages for visitors; search words.

The members are real members of the canonical data set (of public communities, so that
what visitors read is what members write to). The current period of every periodic job is
marked done, and the tasks the generator queued (embedding every thread) are left out, as if
a worker had been running all along.
"""

from __future__ import annotations

import json
import random
import sys
from importlib import import_module

import django


def main() -> None:
    count = int(sys.argv[1])
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from guilde.accounts import services as accounts
    from guilde.accounts.models import User
    from guilde.communities.models import Community, Membership
    from guilde.core.models import ScheduledRun
    from guilde.core.scheduling import discover_periodic_jobs
    from guilde.discussions.models import Post, Thread
    from guilde.discussions.selectors import POSTS_PER_PAGE
    from guilde.events.models import Event
    from guilde.knowledge.models import Article

    now = timezone.now()
    # As if a worker had been running all along: the current period of every periodic job
    # is done, so the worker started for the test runs what falls due during it (e-mails,
    # the vector index), not the night's jobs (the analytics snapshot takes minutes).
    for job in discover_periodic_jobs():
        ScheduledRun.objects.get_or_create(
            job=job.name,
            period_start=job.schedule.period_start(now),
            defaults={"worker_id": "load-test"},
        )
    # The generator queues the embedding of every generated thread (hours of CPU on the
    # canonical set); a running instance would long have done it. Left out of the test.
    from django_tasks_db.models import DBTaskResult

    backlog, _ = DBTaskResult.objects.filter(status="READY").delete()
    rng = random.Random(1)
    public = list(Community.objects.filter(visibility="public", status="active").order_by("pk"))
    threads = list(
        Thread.objects.filter(community__in=public, last_position__gte=POSTS_PER_PAGE)
        .select_related("community")
        .order_by("pk")[:400]
    )
    articles = list(
        Article.objects.filter(community__in=public, status__in=["published", "verified"])
        .select_related("community")
        .order_by("pk")[:200]
    )
    memberships = list(
        Membership.objects.filter(
            community__in=public, status="active", member__is_active=True, role="member"
        )
        .select_related("member", "community")
        .order_by("pk")[: count * 20]
    )
    rng.shuffle(memberships)
    chosen: dict[int, Membership] = {}
    for membership in memberships:
        chosen.setdefault(membership.member_id, membership)
        if len(chosen) == count:
            break
    engine = import_module(settings.SESSION_ENGINE)
    members = []
    for membership in chosen.values():
        member: User = membership.member
        community = membership.community
        session = engine.SessionStore()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.save()
        _token, plain = accounts.token_create(
            actor=member, member=member, name="load test", scope="write"
        )
        own = list(
            Thread.objects.filter(community=community, last_position__gte=2)
            .exclude(author=member)
            .order_by("-pk")
            .values_list("pk", flat=True)[:20]
        )
        posts = list(
            Post.objects.filter(thread__in=own)
            .exclude(author=member)
            .order_by("-pk")
            .values_list("pk", flat=True)[:40]
        )
        events = list(
            Event.objects.filter(community=community, status="scheduled", start__gt=now)
            .order_by("-pk")
            .values_list("pk", flat=True)[:10]
        )
        members.append(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                "token": plain,
                "community": community.slug,
                "threads": own,
                "posts": posts,
                "events": events,
            }
        )
    world = {
        "backlog_left_out": backlog,
        "members": members,
        "thread_pages": [t.get_absolute_url() for t in threads],
        "community_pages": [f"/communities/{c.slug}/" for c in public],
        "community_slugs": [c.slug for c in public],
        "article_pages": [a.get_absolute_url() for a in articles],
        "thread_ids": [t.pk for t in threads],
        "words": [
            "review",
            "workshop",
            "feedback",
            "prototype",
            "mentor",
            "risk",
            "pattern",
            "research",
            "quality",
            "service design",
            "user research",
            "data quality",
        ],
    }
    print(json.dumps(world))


if __name__ == "__main__":
    main()
