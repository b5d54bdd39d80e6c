"""What every admin of rendered text shares.

A model that keeps Markdown and its HTML (rendered and sanitised by
:func:`guilde.core.markdown.render` when a service saves it, then shown as trusted HTML)
must never take either from the Django admin: raw HTML typed there would reach every
reader unsanitised, and Markdown changed there would leave the HTML out of date. Such text
is edited in Guilde's own pages, which go through the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest


def rendered_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The model's ``*_html`` fields and the Markdown fields they are rendered from."""
    names = {field.name for field in model._meta.get_fields()}
    found: list[str] = []
    for name in sorted(names):
        if name.endswith("_html"):
            found.append(name)
            source = name.removesuffix("_html")
            if source in names:
                found.append(source)
    return tuple(found)


class RenderedTextAdmin[M: models.Model](admin.ModelAdmin[M]):
    """Shows rendered text and its source, never lets the admin change them."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), *rendered_fields(self.model))
