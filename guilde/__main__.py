"""The ``guilde`` console command: Django's management commands for this project.

``guilde serve``, ``guilde worker``, ``guilde demo`` and every Django command
(``guilde migrate``, ``guilde createsuperuser``...) run through it.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["guilde", *sys.argv[1:]])


if __name__ == "__main__":
    main()
