"""Members' accounts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A member's account. Profiles, organisations and tokens hang off it."""

    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The interface language; empty means the browser's language."),
    )

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
