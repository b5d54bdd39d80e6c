from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community
from guilde.discussions.models import Category, Thread

BODY_WIDGET = forms.Textarea(attrs={"rows": 10, "class": "composer-body"})


class ThreadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Thread.Kind.choices, initial=Thread.Kind.DISCUSSION
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=100_000,
        widget=BODY_WIDGET,
        help_text=_(
            "Markdown: **bold**, _italic_, `code`, lists, tables, @mentions, #thread links."
        ),
    )
    tags = forms.MultipleChoiceField(
        label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.none()
    )

    def __init__(self, *args: Any, community: Community, may_announce: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["tags"]).choices = [
            (t.slug, t.name) for t in community.tags.all()
        ]
        categories = Category.objects.filter(community=community)
        cast("forms.ModelChoiceField[Category]", self.fields["category"]).queryset = categories
        if not categories.exists():
            del self.fields["category"]
        if not may_announce:
            cast(forms.ChoiceField, self.fields["kind"]).choices = [
                choice for choice in Thread.Kind.choices if choice[0] != Thread.Kind.ANNOUNCEMENT
            ]


class ThreadEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=100_000, widget=BODY_WIDGET)
    tags = forms.MultipleChoiceField(
        label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["tags"]).choices = [
            (t.slug, t.name) for t in community.tags.all()
        ]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=100_000, widget=BODY_WIDGET)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PostEditForm(forms.Form):
    body = forms.CharField(label=_("Text"), max_length=100_000, widget=BODY_WIDGET)


class ThreadFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Thread.Kind.choices]
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["tag"]).choices = [
            ("", _("All tags")),
            *((t.slug, t.name) for t in community.tags.all()),
        ]
