"""Snapshots, the dashboard and the API: who sees what, and what a page costs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from guilde.accounts.tests.factories import PASSWORD, MemberFactory
from guilde.analytics import snapshots
from guilde.analytics.models import Snapshot
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries
from guilde.discussions.models import Post, Thread

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
SHARED_DUMP = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "data"
    / "stackexchange"
    / "beer.stackexchange.com.7z"
)


def _client(member) -> Client:
    client = Client()
    client.login(username=member.username, password=PASSWORD)
    return client


def _question(community, author, at, answered_after=None):
    thread = Thread.objects.create(
        community=community, kind="question", title="A question", author=author, created_at=at
    )
    Post.objects.create(thread=thread, author=author, position=1, body="?", body_html="?",
                        created_at=at)  # fmt: skip
    if answered_after is not None:
        Post.objects.create(thread=thread, author=author, position=2, body="!", body_html="!",
                            created_at=at + answered_after)  # fmt: skip
    return thread


def test_a_snapshot_holds_the_periods_and_the_days(django_capture_on_commit_callbacks):
    community = CommunityFactory.create()
    author = member_of(community)
    _question(community, author, NOW - timedelta(days=3), answered_after=timedelta(hours=4))
    _question(community, author, NOW - timedelta(days=40))
    snapshot = snapshots.take(community, now=NOW)
    assert snapshot.day == NOW.date()
    assert set(snapshot.periods) == {"7", "28", "90", "365", "all", "cohorts"}
    assert len(snapshot.periods["cohorts"]) == 12
    week = snapshot.periods["7"]["current"]["responsiveness"]
    assert (week["questions"], week["unanswered"]) == (1, 0)
    assert week["first_answer_hours"]["median"] == 4.0
    assert snapshot.periods["90"]["current"]["responsiveness"]["questions"] == 2
    # The 28 days before the last 28 held the older, unanswered question.
    assert snapshot.periods["28"]["previous"]["responsiveness"]["unanswered"] == 1
    assert snapshot.periods["all"]["previous"] is None
    # Taking it again the same day replaces it.
    snapshots.take(community, now=NOW + timedelta(hours=1))
    assert Snapshot.objects.filter(community=community, day=NOW.date()).count() == 1


def test_rebuild_writes_every_day_since_the_first_activity():
    community = CommunityFactory.create()
    author = member_of(community)
    _question(community, author, NOW - timedelta(days=10), answered_after=timedelta(days=2))
    written = snapshots.rebuild(now=NOW)
    days = dict(Snapshot.objects.filter(community=community).values_list("day", "counts"))
    assert days[(NOW - timedelta(days=10)).date()] == {"threads": 1, "questions": 1}
    assert days[(NOW - timedelta(days=8)).date()] == {"replies": 1}
    assert Snapshot.objects.filter(community__isnull=True).exists()  # the instance's
    assert written >= 4
    out = StringIO()
    call_command("analytics", "rebuild", "--quiet", stdout=out)
    assert '"action": "rebuild"' in out.getvalue()


def test_only_coordinators_and_administrators_see_a_communitys_health():
    community = CommunityFactory.create(visibility="private")
    coordinator = member_of(community, role="coordinator")
    snapshots.take(community, now=NOW)
    url = reverse("analytics:community", args=[community.slug])
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    assert _client(coordinator).get(url).status_code == 200
    assert _client(admin).get(url).status_code == 200
    assert _client(member_of(community)).get(url).status_code == 403
    assert _client(member_of(community, role="moderator")).get(url).status_code == 403
    assert _client(MemberFactory.create()).get(url).status_code == 404  # private
    api = f"/api/v1/communities/{community.slug}/analytics"
    assert _client(member_of(community)).get(api).status_code == 403
    assert _client(MemberFactory.create()).get(api).status_code == 404
    assert _client(coordinator).get(api).json()["current"]["responsiveness"]["questions"] == 0
    assert _client(coordinator).get(reverse("analytics:instance")).status_code == 403
    assert _client(admin).get(reverse("analytics:instance")).status_code == 200
    assert _client(coordinator).get("/api/v1/analytics").status_code == 403
    assert _client(coordinator).get(url, {"period": "forever"}).status_code == 404


def test_the_dashboard_reads_snapshots_at_a_constant_cost():
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    client = _client(coordinator)
    url = reverse("analytics:community", args=[community.slug])

    def setup(n: int) -> None:
        while Thread.objects.filter(community=community).count() < n:
            _question(community, coordinator, NOW - timedelta(days=n), timedelta(hours=n))
        snapshots.rebuild(now=NOW)

    assert_constant_queries(setup=setup, action=lambda: client.get(url, {"period": "90"}))
    page = client.get(url, {"period": "90"})
    assert b"Questions asked" in page.content
    assert b"20" in page.content


def test_the_dashboard_says_when_there_is_no_snapshot_yet(django_capture_on_commit_callbacks):
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    client = _client(coordinator)
    page = client.get(reverse("analytics:community", args=[community.slug]))
    assert b"No numbers yet" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analytics:refresh", args=[community.slug]))
    from guilde.core.testing import run_queued_tasks

    run_queued_tasks()
    assert Snapshot.objects.filter(community=community).exclude(periods={}).exists()


@pytest.mark.skipif(
    not SHARED_DUMP.exists(), reason=f"the Stack Exchange dump is not at {SHARED_DUMP}"
)
def test_the_beer_dump_as_the_dashboard_shows_it():
    """Issue 16, acceptance 2: the whole history of the imported beer site."""
    call_command("import-stackexchange", str(SHARED_DUMP), "--quiet", stdout=StringIO())
    from guilde.communities.models import Community

    community = Community.objects.get(slug="beer")
    coordinator = member_of(community, role="coordinator")
    snapshots.take(community)
    found = (
        _client(coordinator)
        .get(f"/api/v1/communities/{community.slug}/analytics", {"period": "all"})
        .json()["current"]["responsiveness"]
    )
    assert (found["questions"], found["unanswered"]) == (1029, 42)
    assert found["first_answer_hours"]["median"] == pytest.approx(8.3, abs=0.1)
    assert 210 <= found["first_answer_hours"]["p90"] <= 225  # linear interpolation (type 7)
    page = _client(coordinator).get(
        reverse("analytics:community", args=[community.slug]), {"period": "all"}
    )
    assert b"1029" in page.content or b"1,029" in page.content


def test_figures_draw_and_download_as_csv():
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    coordinator.memberships.update(joined_at=NOW - timedelta(days=30))
    _question(community, coordinator, NOW - timedelta(days=3), answered_after=timedelta(hours=4))
    snapshots.rebuild(now=NOW)
    client = _client(coordinator)
    page = client.get(reverse("analytics:community", args=[community.slug]), {"period": "7"})
    assert page.content.count(b'role="img"') == 4  # activity, levels, flows, retention
    for name in (
        "activity",
        "levels",
        "flows",
        "responsiveness",
        "participation",
        "activity_table",
    ):
        response = client.get(
            reverse("analytics:csv", args=[community.slug, name]), {"period": "7"}
        )
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
    rows = (
        client.get(
            reverse("analytics:csv", args=[community.slug, "responsiveness"]), {"period": "7"}
        )
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert rows[1].startswith("Questions asked,1,")
    assert client.get(reverse("analytics:csv", args=[community.slug, "secrets"])).status_code == 404
    report = client.get(
        reverse("analytics:community", args=[community.slug]), {"period": "7", "report": "1"}
    ).content.decode()
    assert "Back to the dashboard" in report
    assert 'aria-label="Period"' not in report  # a report, not the dashboard's controls
    assert report.count('role="img"') == 4
    assert (
        _client(member_of(community))
        .get(reverse("analytics:csv", args=[community.slug, "levels"]))
        .status_code
        == 403
    )


def test_brokers_are_named_only_with_their_consent_now():
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    hub = member_of(community, display_name="Hana Hub", analytics_consent=True)
    quiet = member_of(community, display_name="Quentin Quiet")
    others = [member_of(community) for _ in range(4)]
    for member in (coordinator, hub, quiet, *others):
        member.memberships.update(joined_at=NOW - timedelta(days=60))
    # Two groups that only hana joins: she answers both sides' questions.
    for n, asker in enumerate(others):
        thread = _question(community, asker, NOW - timedelta(days=5, hours=n))
        Post.objects.create(thread=thread, author=hub, position=2, body="!", body_html="!",
                            created_at=NOW - timedelta(days=4, hours=n))  # fmt: skip
    thread = _question(community, quiet, NOW - timedelta(days=3))
    Post.objects.create(thread=thread, author=others[0], position=2, body="!", body_html="!",
                        created_at=NOW - timedelta(days=2))  # fmt: skip
    snapshots.take(community, now=NOW)
    client = _client(coordinator)
    url = reverse("analytics:community", args=[community.slug])
    page = client.get(url, {"period": "7"}).content.decode()
    assert "Hana Hub" in page
    assert "Quentin Quiet" not in page
    assert "Anonymous member" in page
    hub.analytics_consent = False
    hub.save(update_fields=["analytics_consent"])
    page = client.get(url, {"period": "7"}).content.decode()
    assert "Hana Hub" not in page  # withdrawn since the snapshot
    api = client.get(f"/api/v1/communities/{community.slug}/analytics", {"period": "7"}).json()
    brokers = api["current"]["network"]["brokers"]
    assert quiet.pk not in [b["member"] for b in brokers]
    assert hub.pk not in [b["member"] for b in brokers]


def test_questions_waiting_are_shown_as_they_are_now():
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    kept = _question(community, coordinator, NOW - timedelta(days=2))
    gone = _question(community, coordinator, NOW - timedelta(days=3))
    snapshots.take(community, now=NOW)
    kept.title = "Renamed since"
    kept.save(update_fields=["title"])
    gone.hidden_at = NOW
    gone.save(update_fields=["hidden_at"])
    page = (
        _client(coordinator)
        .get(reverse("analytics:community", args=[community.slug]), {"period": "7"})
        .content.decode()
    )
    assert "Renamed since" in page
    assert f"/t/{gone.pk}/" not in page


def test_many_organisations_show_the_busiest_and_the_others_together():
    """An instance may have hundreds of organisations: the chart and its table keep the
    twelve with the most interactions and sum the rest; the CSV keeps every pair."""
    from guilde.accounts.models import Organisation
    from guilde.analytics import figures
    from guilde.analytics.selectors import Dashboard

    made = [
        Organisation.objects.create(name=f"Org {n:02d}", slug=f"org-{n:02d}") for n in range(15)
    ]
    # Org 00..11 interact with themselves 10 + n; 12, 13, 14 little: 1 each, 12–13 weigh 2,
    # 13–14 weigh 3, and 14 with 00 weighs 5; members without an organisation weigh 0.5.
    cells: list[dict[str, object]] = [
        {"a": o.pk, "b": o.pk, "weight": 10 + n} for n, o in enumerate(made[:12])
    ]
    cells += [{"a": o.pk, "b": o.pk, "weight": 1} for o in made[12:]]
    cells += [
        {"a": made[12].pk, "b": made[13].pk, "weight": 2},
        {"a": made[13].pk, "b": made[14].pk, "weight": 3},
        {"a": made[0].pk, "b": made[14].pk, "weight": 5},
        {"a": "none", "b": "none", "weight": 0.5},
    ]
    dashboard = Dashboard(
        community=None, period="28", snapshot=None, current={"network": {"organisations": cells}}
    )
    figure = figures.organisations(dashboard)
    assert len(figure.rows) == 16  # the CSV: 15 organisations and "none", every pair
    table = figure.table
    assert table is not None
    labels = [row.label for row in table.rows]
    assert labels == [f"Org {n:02d}" for n in range(12)] + ["Other organisations (4)"]
    # The others together — 12, 13, 14 and "none": 1 + 1 + 1 + 2 + 3 + 0.5 inside, 5 with
    # Org 00; Org 00 with itself 10.
    assert table.rows[-1].cells[-1] == "8.5"
    assert table.rows[-1].cells[0] == table.rows[0].cells[-1] == "5"
    assert table.rows[0].cells[0] == "10"
    header = figure.header
    assert header[0] == "Organisation"
    assert len(header) == 17
