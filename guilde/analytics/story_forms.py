"""The story form: what the member writes; the link comes from the address (?thread=...)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guilde.analytics.models import Story
from guilde.analytics.story_services import LINKS, StoryInput


class StoryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("What happened, and what changed?"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. A few sentences are enough."),
    )
    cycle = forms.ChoiceField(
        label=_("Which kind of value?"),
        choices=Story.Cycle.choices,
        widget=forms.RadioSelect,
        help_text=Story._meta.get_field("cycle").help_text,
    )
    effect_kind = forms.ChoiceField(
        label=_("Measured effect (optional)"), choices=Story.Effect.choices, required=False
    )
    effect_value = forms.DecimalField(
        label=_("How much"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    effect_unit = forms.CharField(
        label=_("Unit"), max_length=20, required=False, help_text=_("For example: hours, EUR, %.")
    )
    thread = forms.IntegerField(required=False, widget=forms.HiddenInput)
    article = forms.IntegerField(required=False, widget=forms.HiddenInput)
    event = forms.IntegerField(required=False, widget=forms.HiddenInput)
    relationship = forms.IntegerField(required=False, widget=forms.HiddenInput)
    prompt = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_from(cls, story: Story) -> dict[str, object]:
        initial: dict[str, object] = {
            "title": story.title,
            "text": story.text,
            "cycle": story.cycle,
            "effect_kind": story.effect_kind,
            "effect_value": story.effect_value,
            "effect_unit": story.effect_unit,
        }
        for name in LINKS:
            initial[name] = getattr(story, f"{name}_id")
        return initial

    def to_input(self) -> StoryInput:
        data = self.cleaned_data
        return StoryInput(
            title=data["title"],
            text=data["text"],
            cycle=data["cycle"],
            effect_kind=data.get("effect_kind") or "",
            effect_value=data.get("effect_value"),
            effect_unit=data.get("effect_unit") or "",
            thread_id=data.get("thread"),
            article_id=data.get("article"),
            event_id=data.get("event"),
            relationship_id=data.get("relationship"),
        )
