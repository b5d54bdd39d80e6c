"""Form widgets that Django's own render too slowly for long lists."""

from __future__ import annotations

from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe


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
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - escaped
