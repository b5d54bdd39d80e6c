"""The daily analytics snapshot."""

from __future__ import annotations

from django.tasks import task

from guilde.analytics import snapshots
from guilde.core.scheduling import cron, periodic


@periodic(cron("20 2 * * *"))  # at night, after the day's activity
@task()
def take_snapshots() -> int:
    """Every community's and the instance's snapshot for today."""
    return snapshots.take_all()


@task()
def take_snapshot(community_id: int) -> int:
    """One community's snapshot now (asked for from its dashboard)."""
    from guilde.communities.models import Community

    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        return 0
    snapshots.take(community)
    return 1


@periodic(cron("40 5 * * *"))  # once a day, before members wake up
@task()
def create_story_prompts() -> int:
    """Ask, 30 days on, what an accepted answer, an attended event or a finished mentoring
    relationship changed (guilde.analytics.story_services.prompts_create)."""
    from guilde.analytics.story_services import prompts_create

    return prompts_create()
