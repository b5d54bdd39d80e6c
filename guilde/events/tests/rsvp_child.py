"""One member answering "going" at an agreed instant, in a process of its own (the waitlist
race test starts several): ``python -m guilde.events.tests.rsvp_child EVENT MEMBER RESPONSE
AT``, with the test's database in DATABASE_URL. Prints the registration's state."""

from __future__ import annotations

import json
import sys
import time

import django


def main() -> None:
    event_pk, member_pk, response, at = sys.argv[1:5]
    django.setup()
    from guilde.accounts.models import User
    from guilde.events import services
    from guilde.events.models import Event

    event = Event.objects.select_related("community").get(pk=int(event_pk))
    member = User.objects.get(pk=int(member_pk))
    time.sleep(max(0.0, float(at) - time.time()))
    registration = services.rsvp(actor=member, event=event, response=response)
    result = {"member": member.pk, "waitlisted": registration.waitlisted}
    print(json.dumps(result))  # noqa: T201 (the test reads it)


if __name__ == "__main__":
    main()
