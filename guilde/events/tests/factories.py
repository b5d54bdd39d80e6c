from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from factory.declarations import LazyAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory

from guilde.communities.tests.factories import CommunityFactory
from guilde.events import recurrence
from guilde.events.models import Event


class EventFactory(DjangoModelFactory[Event]):
    class Meta:
        model = Event

    community = SubFactory(CommunityFactory)
    title = Sequence(lambda n: f"Event {n}")
    start = LazyAttribute(
        lambda _e: (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    )
    end = LazyAttribute(lambda event: event.start + timedelta(hours=2))
    time_zone = "Europe/Paris"
    venue = "Maison des associations"
    repeat = ""
    last_end = LazyAttribute(lambda event: event.end if not event.repeat else None)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Event:
        event: Event = super()._create(model_class, *args, **kwargs)
        if event.repeat:
            event.last_end = recurrence.series_last_end(event)
            event.save(update_fields=["last_end"])
        return event
