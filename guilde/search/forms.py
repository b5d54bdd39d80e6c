"""The search form: what the page and the API accept, checked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guilde.search.selectors import MODES, SORTS, STATUSES, TYPES, SearchParams

MAX_QUERY = 300


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, strip=True)
    type = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Everything")), *TYPES.items()], required=False
    )
    community = forms.SlugField(label=_("Community"), max_length=60, required=False)
    tag = forms.SlugField(label=_("Tag"), max_length=60, required=False, allow_unicode=True)
    author = forms.CharField(label=_("Author (username)"), max_length=150, required=False)
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *STATUSES.items()], required=False
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=list(SORTS.items()), required=False)
    mode = forms.ChoiceField(
        label=_("Match"),
        choices=list(MODES.items()),
        required=False,
        initial="hybrid",
        widget=forms.RadioSelect,
        help_text=_(
            "By meaning, a question asked in other words or in the other language is found too."
        ),
    )
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def clean_q(self) -> str:
        """Longer queries are cut, not refused: the first words still find something."""
        return str(self.cleaned_data.get("q") or "")[:MAX_QUERY]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date comes before the start date."))
        return data

    def params(self) -> SearchParams:
        """The valid fields as search parameters; a field with an error is left out (the
        page says which), so a bad filter never loses the rest of the search."""
        data = getattr(self, "cleaned_data", {})
        return SearchParams(
            q=data.get("q") or "",
            type=data.get("type") or "",
            community=data.get("community") or "",
            tag=data.get("tag") or "",
            author=data.get("author") or "",
            since=data.get("since"),
            until=data.get("until") if "until" not in self.errors else None,
            status=data.get("status") or "",
            sort=data.get("sort") or "relevance",
            mode=data.get("mode") or "hybrid",
            page=data.get("page") or 1,
        )
