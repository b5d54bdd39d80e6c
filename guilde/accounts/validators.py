"""Usernames: short, ASCII, usable in @mentions and addresses."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

USERNAME_VALIDATORS = [
    RegexValidator(
        r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,29}$",
        _(
            "Use 2 to 30 letters, digits, dots, hyphens or underscores, "
            "starting with a letter or a digit."
        ),
    ),
]
