"""The world the crash test writes into, made in the instance under test by a process of its
own: ``python -m guilde.core.tests.crash_world CLIENTS``. Prints JSON: for each client, a
write token and the objects it writes to (its thread, posts of others to vote on, events to
answer, its own article); and the write token of a member of no community ("outsider")."""

from __future__ import annotations

import json
import sys

import django


def main() -> None:
    clients = int(sys.argv[1])
    django.setup()
    from django.utils import timezone

    from guilde.accounts import services as accounts
    from guilde.accounts.tests.factories import MemberFactory
    from guilde.communities.tests.factories import CommunityFactory, member_of
    from guilde.discussions import services as discussions
    from guilde.events.tests.factories import EventFactory
    from guilde.knowledge import services as knowledge

    MemberFactory.create(username="admin", is_staff=True, is_superuser=True)
    community = CommunityFactory.create(slug="crash", name="Crash test")
    members = [member_of(community, username=f"writer{n}") for n in range(clients)]
    events = [
        EventFactory.create(
            community=community,
            format="hybrid",
            join_url="https://meet.example.org/crash",
            start=timezone.now().replace(microsecond=0),
        )
        for _ in range(3)
    ]
    threads, articles = [], []
    for member in members:
        threads.append(
            discussions.thread_create(
                actor=member,
                community=community,
                kind="question",
                title=f"How does {member.username} keep notes?",
                body="Asking for the crash test.",
            )
        )
        articles.append(
            knowledge.article_create(
                actor=member,
                community=community,
                kind="guide",
                title=f"{member.username}'s guide",
                body="First version.",
                publish_now=True,
            )
        )
    world = []
    for n, member in enumerate(members):
        _token, plain = accounts.token_create(
            actor=member, member=member, name="crash test", scope="write"
        )
        others = [t for m, t in enumerate(threads) if m != n]
        world.append(
            {
                "member": member.pk,
                "token": plain,
                "thread": threads[n].pk,
                "answer_in": [t.pk for t in others],
                "vote_on": [t.posts.get(position=1).pk for t in others],
                "events": [e.pk for e in events],
                "article": articles[n].pk,
            }
        )
    outsider = MemberFactory.create(username="outsider")
    _token, outsider_token = accounts.token_create(
        actor=outsider, member=outsider, name="crash test", scope="write"
    )
    document = {"community": community.slug, "clients": world, "outsider": outsider_token}
    print(json.dumps(document))  # noqa: T201


if __name__ == "__main__":
    main()
