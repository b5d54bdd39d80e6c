"""Form widgets (and the time-zone field) that Django's own render too slowly for long
lists."""

from __future__ import annotations

from functools import cache
from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from guilde.core.zones import known_zones, sorted_zones


class PlainSelect(forms.Select):
    """A single choice among flat options, rendered in Python: Django renders each option
    through a template, which costs milliseconds per hundred options (a time zone list has
    six hundred)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(str(key), quote=True)}"'
            f"{' selected' if str(key) == chosen else ''}>{escape(str(label))}</option>"
            for key, label in self.choices
        )
        # safe: flatatt escapes the attributes, html.escape every option's value and label.
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - escaped


@cache
def _zone_options() -> str:
    return "".join(
        f'<option value="{escape(zone, quote=True)}">{escape(zone)}</option>'
        for zone in sorted_zones()
    )


class ZoneSelect(forms.Select):
    """The six hundred IANA zones, their options rendered once per process; an empty
    choice first when ``empty_label`` is given."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, empty_label: Any = None) -> None:
        super().__init__(attrs)
        self.empty_label = empty_label

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = "" if value is None else str(value)
        options = _zone_options()
        if chosen in known_zones():
            marker = f'<option value="{escape(chosen, quote=True)}">'
            options = options.replace(marker, marker[:-1] + " selected>", 1)
        if self.empty_label is not None:
            selected = "" if chosen else " selected"
            options = (
                f'<option value=""{selected}>{escape(str(self.empty_label))}</option>{options}'
            )
        # The chosen zone is marked only when it is a known one (so: escaped in the options).
        # safe: flatatt escapes the attributes, html.escape the zones and the empty label.
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - escaped


class ZoneField(forms.CharField):
    """An IANA time zone, chosen in a :class:`ZoneSelect` (validated against the zones
    this machine knows, without building six hundred choices per form)."""

    default_error_messages = {"unknown": _("Choose a time zone from the list.")}

    def __init__(self, *, empty_label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", ZoneSelect(empty_label=empty_label))
        super().__init__(max_length=64, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {}  # no maxlength on a select

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value not in known_zones():
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
