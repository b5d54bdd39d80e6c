"""The load test's users, for Locust (bench/load.py starts it; not run on its own).

Half the users are visitors, half signed-in members, all with no think time. Threads and
articles are chosen as views fall on a forum: a few draw most of them (Zipf). The world
(members' sessions and tokens, pages, threads) comes from bench/load_world.py through the
file named by GUILDE_LOAD_WORLD; GUILDE_LOAD_HOSTS lists the web processes (users are spread
over them, as a load balancer would).

Every request is named by what it is (the stats group by name). A 429 is marked failed with
the message "rate limited", so that bench/load.py counts it apart from errors.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any

from locust import FastHttpUser, constant, task

WORLD: dict[str, Any] = json.loads(open(os.environ["GUILDE_LOAD_WORLD"]).read())  # noqa: SIM115
HOSTS = os.environ["GUILDE_LOAD_HOSTS"].split(",")
_numbers = itertools.count()
ZIPF = {
    key: [1 / rank for rank in range(1, len(WORLD[key]) + 1)]
    for key in ("thread_pages", "article_pages", "thread_ids")
}


class Guilde(FastHttpUser):
    abstract = True
    wait_time = constant(0)  # no think time
    host = HOSTS[0]

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.base = HOSTS[self.number % len(HOSTS)]
        self.rng = random.Random(self.number)
        self.headers: dict[str, str] = {}

    def _check(self, response: Any) -> None:
        if response.status_code == 429:
            response.failure("rate limited")
        elif response.status_code >= 400 or response.status_code == 0:
            response.failure(f"status {response.status_code}")
        else:
            response.success()

    def get(self, path: str, name: str, **params: Any) -> None:
        with self.client.get(
            self.base + path,
            name=name,
            params=params or None,
            headers=self.headers,
            catch_response=True,
        ) as response:
            self._check(response)

    def send(self, method: str, path: str, name: str, body: dict[str, Any]) -> None:
        with self.client.request(
            method,
            self.base + path,
            name=name,
            json=body,
            headers=self.headers,
            catch_response=True,
        ) as response:
            self._check(response)

    def pick(self, key: str) -> Any:
        return self.rng.choice(WORLD[key])

    def popular(self, key: str) -> Any:
        """One of WORLD[key], the first ones far more often (Zipf, s = 1): a few threads and
        articles draw most views, as on any forum."""
        return self.rng.choices(WORLD[key], weights=ZIPF[key])[0]


class Visitor(Guilde):
    """Reads public pages, searches, uses the public API."""

    @task(40)
    def thread_page(self) -> None:
        self.get(self.popular("thread_pages"), "page: thread (visitor)")

    @task(10)
    def community_page(self) -> None:
        self.get(self.pick("community_pages"), "page: community (visitor)")

    @task(10)
    def article_page(self) -> None:
        self.get(self.popular("article_pages"), "page: article (visitor)")

    @task(5)
    def home(self) -> None:
        self.get("/", "page: home (visitor)")

    @task(10)
    def search_page(self) -> None:
        self.get("/search/", "page: search (visitor)", q=self.pick("words"))

    @task(15)
    def api_threads(self) -> None:
        slug = self.pick("community_slugs")
        self.get(f"/api/v1/communities/{slug}/threads", "api: thread list (visitor)")

    @task(10)
    def api_thread(self) -> None:
        self.get(f"/api/v1/threads/{self.popular('thread_ids')}", "api: thread (visitor)")


class Member(Guilde):
    """Signed in: reads, searches, polls the bell, answers, votes, RSVPs."""

    def on_start(self) -> None:
        super().on_start()
        self.me = WORLD["members"][self.number % len(WORLD["members"])]
        self.page_headers = {"Cookie": self.me["cookie"]}
        self.api_headers = {"Authorization": f"Bearer {self.me['token']}"}

    def page(self, path: str, name: str, **params: Any) -> None:
        self.headers = self.page_headers
        self.get(path, name, **params)

    def api(self, path: str, name: str, **params: Any) -> None:
        self.headers = self.api_headers
        self.get(path, name, **params)

    @task(25)
    def thread_page(self) -> None:
        self.page(self.popular("thread_pages"), "page: thread (member)")

    @task(8)
    def home(self) -> None:
        self.page("/", "page: home (member)")

    @task(8)
    def community_page(self) -> None:
        self.page(f"/communities/{self.me['community']}/", "page: community (member)")

    @task(8)
    def search(self) -> None:
        self.page("/search/", "page: search (member)", q=self.pick("words"))

    @task(15)
    def bell(self) -> None:
        self.api("/api/v1/me/notifications/count", "api: notification count (member)")

    @task(10)
    def api_threads(self) -> None:
        self.api(f"/api/v1/communities/{self.me['community']}/threads", "api: thread list (member)")

    @task(4)
    def answer(self) -> None:
        if not self.me["threads"]:
            return
        thread = self.rng.choice(self.me["threads"])
        self.headers = self.api_headers
        body = {"body": f"From the load test: {self.pick('words')} — {self.rng.random():.6f}"}
        self.send("POST", f"/api/v1/threads/{thread}/posts", "api: answer (member)", body)

    @task(4)
    def vote(self) -> None:
        if not self.me["posts"]:
            return
        post = self.rng.choice(self.me["posts"])
        self.headers = self.api_headers
        body = {"value": self.rng.choice([-1, 0, 1])}
        self.send("PUT", f"/api/v1/posts/{post}/vote", "api: vote (member)", body)

    @task(2)
    def rsvp(self) -> None:
        if not self.me["events"]:
            return
        event = self.rng.choice(self.me["events"])
        self.headers = self.api_headers
        body = {"response": self.rng.choice(["interested", "not_going"])}
        self.send("PUT", f"/api/v1/events/{event}/rsvp", "api: RSVP (member)", body)
