"""Forms of the knowledge pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community
from guilde.knowledge.models import Article

BODY_WIDGET = forms.Textarea(attrs={"rows": 18, "class": "composer-body"})


def _tag_choices(community: Community) -> list[tuple[str, str]]:
    return [(t.slug, t.name) for t in community.tags.all()]


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Article.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(
        label=_("Address"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("For a resource: the page, video or document it points to."),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=200_000,
        widget=BODY_WIDGET,
        help_text=_("Markdown. Case studies and lessons learned start from their sections."),
    )
    tags = forms.MultipleChoiceField(
        label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(
        label=_("What changed (for the history)"), required=False, max_length=300
    )

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["tags"]).choices = _tag_choices(community)


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What is out of date?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Was this helpful?"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("A comment for the authors (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ArchiveForm(forms.Form):
    replaced_by = forms.TypedChoiceField(
        label=_("Replaced by"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, choices: Sequence[tuple[int | str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["replaced_by"]).choices = [
            ("", _("Nothing")),
            *choices,
        ]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("comment", "comment"), ("accept", "accept"), ("decline", "decline")]
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PathForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SectionForm(forms.Form):
    title = forms.CharField(label=_("New section"), max_length=200)


class StepForm(forms.Form):
    section = forms.TypedChoiceField(label=_("Section"), coerce=int)
    article = forms.TypedChoiceField(
        label=_("Article"), required=False, coerce=int, empty_value=None
    )
    thread = forms.IntegerField(label=_("Or a thread (its number)"), required=False, min_value=1)
    url = forms.URLField(
        label=_("Or a link"), required=False, max_length=500, assume_scheme="https"
    )
    title = forms.CharField(label=_("Title (for a link)"), required=False, max_length=200)

    def __init__(
        self,
        *args: Any,
        sections: list[tuple[int, str]],
        articles: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["section"]).choices = sections
        cast(forms.TypedChoiceField, self.fields["article"]).choices = [("", "—"), *articles]
