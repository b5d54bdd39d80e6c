"""Demo data: in each active community, past and upcoming events of every format — a past
meetup with notes, attendance and feedback; a hybrid workshop whose in-person seats are
full (a waitlist); a weekly online series with one occurrence cancelled and one moved; a
webinar organised from Montreal."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from django.utils import timezone

from guilde.accounts.models import User
from guilde.communities.models import Community, Membership
from guilde.events import services
from guilde.events.models import Event, Registration
from guilde.events.recurrence import occurrences_between
from guilde.events.services import EventInput


def _at(day: datetime, hour: int, zone: str) -> datetime:
    return datetime.combine(day.date(), time(hour, 0), tzinfo=ZoneInfo(zone))


def load(out: TextIO) -> None:
    if Event.objects.exists():
        return
    now = timezone.now()
    made = 0
    for community in Community.objects.filter(status=Community.Status.ACTIVE).order_by("pk"):
        members = list(
            User.objects.real()
            .filter(
                memberships__community=community,
                memberships__status=Membership.Status.ACTIVE,
                is_staff=False,
            )
            .order_by("pk")
        )
        organisers = [
            m.member
            for m in Membership.objects.filter(
                community=community,
                status=Membership.Status.ACTIVE,
                role__in=[Membership.Role.COORDINATOR, Membership.Role.MODERATOR],
            ).select_related("member")
        ]
        if not members or not organisers:
            continue
        host = organisers[0]
        tags = [tag.slug for tag in community.tags.all()[:2]]

        past_day = now - timedelta(days=20)
        past = services.event_create(
            actor=host,
            community=community,
            data=EventInput(
                title=f"{community.name}: spring meetup",
                kind=Event.Kind.MEETUP,
                format=Event.Format.IN_PERSON,
                start=_at(past_day, 18, "Europe/Paris"),
                end=_at(past_day, 20, "Europe/Paris"),
                time_zone="Europe/Paris",
                venue="Maison des associations",
                address="12 rue de la Paix, 75002 Paris",
                description="Short talks from members, then time to meet.\n\n"
                "- What we learned this season\n- Open questions for the next one",
                tags=tags,
            ),
        )
        for member in members[:6]:
            services.attendance_mark(
                actor=host,
                event=past,
                member=member,
                attendance=Registration.Attendance.IN_PERSON,
            )
        for member in members[:3]:
            services.feedback_give(
                actor=member, event=past, rating=5 - members.index(member) % 2, comment=""
            )
        services.followup_save(
            actor=host,
            event=past,
            notes="## What we discussed\n\n"
            "Three members shared how they run their reviews; we agreed to write down "
            "the checklist everyone uses.\n\n## Next steps\n\n- Draft the checklist\n"
            "- Try it for a month",
            recording_url="",
            outcomes="A shared checklist, drafted by two volunteers.",
        )

        workshop_day = now + timedelta(days=5)
        workshop = services.event_create(
            actor=host,
            community=community,
            data=EventInput(
                title=f"Hands-on workshop: {community.domain[:80]}",
                kind=Event.Kind.WORKSHOP,
                format=Event.Format.HYBRID,
                start=_at(workshop_day, 14, "Europe/Paris"),
                end=_at(workshop_day, 17, "Europe/Paris"),
                time_zone="Europe/Paris",
                venue="Room 3, Tiers-lieu Quartier Libre",
                address="4 place du Marché, 69001 Lyon",
                join_url="https://meet.example.org/guilde-workshop",
                capacity_in_person=3,
                capacity_online=40,
                registration_deadline=_at(workshop_day, 12, "Europe/Paris"),
                description="Bring a real case from your work: we go through it together.",
                tags=tags,
                hosts=[host.username],
                speakers=[m.username for m in members[1:2]],
            ),
        )
        for member in members[:5]:
            if member.pk != host.pk:
                services.rsvp(actor=member, event=workshop, response="in_person")
        for member in members[5:8]:
            services.rsvp(actor=member, event=workshop, response="online")

        first = now - timedelta(days=7)
        series = services.event_create(
            actor=host,
            community=community,
            data=EventInput(
                title="Office hours",
                kind=Event.Kind.OFFICE_HOURS,
                format=Event.Format.ONLINE,
                start=_at(first, 12, "Europe/Paris"),
                end=_at(first, 13, "Europe/Paris"),
                time_zone="Europe/Paris",
                join_url="https://meet.example.org/guilde-office-hours",
                repeat=Event.Repeat.WEEKLY,
                repeat_count=10,
                description="Drop in with a question; someone who knows will be there.",
            ),
        )
        upcoming = occurrences_between(series, now, now + timedelta(days=40))
        if len(upcoming) >= 3:
            services.occurrence_cancel(
                actor=host, event=series, key=upcoming[1].key or now, reason="Public holiday"
            )
            moved = upcoming[2].start + timedelta(days=1)
            services.occurrence_move(
                actor=host,
                event=series,
                key=upcoming[2].key or now,
                start=moved,
                end=moved + timedelta(hours=1),
            )
            for member in members[:4]:
                if member.pk != host.pk:
                    services.rsvp(
                        actor=member, event=series, response="online", occurrence=upcoming[0].key
                    )

        webinar_day = now + timedelta(days=30)
        services.event_create(
            actor=host,
            community=community,
            data=EventInput(
                title="Webinar: practices from across the Atlantic",
                kind=Event.Kind.WEBINAR,
                format=Event.Format.ONLINE,
                start=_at(webinar_day, 11, "America/Montreal"),
                end=_at(webinar_day, 12, "America/Montreal"),
                time_zone="America/Montreal",
                join_url="https://meet.example.org/guilde-webinar",
                description="Colleagues from Québec present their approach; questions welcome.",
                tags=tags[:1],
            ),
        )
        made += 4
    out.write(f"Created {made} events; now {now.astimezone(UTC):%Y-%m-%d}.\n")
