"""Forms of the onboarding pages: the coordinators' settings, the newcomers' filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community
from guilde.discussions.models import Thread
from guilde.knowledge.models import LearningPath
from guilde.onboarding import selectors
from guilde.onboarding.models import Onboarding
from guilde.onboarding.services import MAX_WELCOME


class OnboardingForm(forms.Form):
    welcome = forms.CharField(
        label=_("Welcome message"),
        required=False,
        max_length=MAX_WELCOME,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. Newcomers read it first on their welcome page."),
    )
    starter_path = forms.ModelChoiceField(
        label=_("Starter path"),
        queryset=LearningPath.objects.none(),
        required=False,
        empty_label=_("No starter path"),
        help_text=_("The learning path newcomers follow first: one item of their checklist."),
    )
    introductions = forms.TypedChoiceField(
        label=_("Introductions thread"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Where newcomers introduce themselves. Without one, any first post of theirs here "
            "ticks the item."
        ),
    )
    buddies = forms.BooleanField(
        label=_("Suggest a buddy to each newcomer"),
        required=False,
        help_text=_("An active member who shares their languages or interests, if any."),
    )

    def __init__(
        self, *args: Any, community: Community, onboarding: Onboarding, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "welcome": onboarding.welcome,
                "starter_path": onboarding.starter_path_id,
                "introductions": onboarding.introductions_id,
                "buddies": onboarding.buddies,
            },
        )
        super().__init__(*args, **kwargs)
        path_field = cast(forms.ModelChoiceField[LearningPath], self.fields["starter_path"])
        path_field.queryset = selectors.starter_path_choices(community)
        self.threads = {
            t.pk: t for t in selectors.introductions_choices(community, onboarding.introductions)
        }
        thread_field = cast(forms.TypedChoiceField, self.fields["introductions"])
        thread_field.choices = [("", _("No introductions thread"))] + [
            (pk, thread.title) for pk, thread in self.threads.items()
        ]

    def thread(self) -> Thread | None:
        chosen = self.cleaned_data.get("introductions")
        return self.threads.get(chosen) if chosen is not None else None


class NewcomerFilters(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All newcomers")), ("stuck", _("Stuck at the edge"))],
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("stuck", _("Stuck first")),
            ("newest", _("Newest first")),
            ("progress", _("Least progress first")),
        ],
    )
