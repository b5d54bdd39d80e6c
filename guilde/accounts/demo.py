"""Demo data for accounts: an administrator to explore the instance with."""

from __future__ import annotations

from typing import TextIO

from guilde.accounts.models import User

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "guilde-demo"  # noqa: S105 (documented demo credential, never in production)


def load(out: TextIO) -> None:
    admin, created = User.objects.get_or_create(
        username=DEMO_ADMIN,
        defaults={
            "email": "admin@example.org",
            "first_name": "Ada",
            "last_name": "Admin",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
        out.write(f"Created the administrator {DEMO_ADMIN!r} (password {DEMO_PASSWORD!r}).\n")
