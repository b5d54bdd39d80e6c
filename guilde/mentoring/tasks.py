"""Background and periodic jobs of mentoring."""

from __future__ import annotations

from django.tasks import task

from guilde.core.scheduling import every, periodic
from guilde.mentoring import services
from guilde.mentoring.models import Programme


@task()
def run_matching(programme_id: int) -> dict[str, float] | None:
    """The matching coordinators asked for (an optimal assignment; seconds for thousands)."""
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None or programme.status not in (
        Programme.Status.MATCHING,
        Programme.Status.RUNNING,
    ):
        return None
    outcome = services.matching_run(actor=None, programme=programme)
    return {"pairs": outcome.pairs, "unmatched": outcome.unmatched, "total": outcome.total}


@task()
def rematch(programme_id: int) -> dict[str, float] | None:
    """New proposals after a decline, for the coordinators to review and publish."""
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        return None
    outcome = services.rematch(programme)
    return None if outcome is None else {"pairs": outcome.pairs, "unmatched": outcome.unmatched}


@periodic(every(hours=24))
@task()
def nudge_quiet_relationships() -> int:
    """Pairs without a check-in for the programme's number of weeks get a gentle word."""
    return services.nudge_quiet_relationships()
