"""Forms of moderation pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guilde.discussions.services import SLOW_MODE_CHOICES
from guilde.moderation.models import Flag

REASON = forms.CharField(
    label=_("Reason (the member reads it)"),
    max_length=2000,
    widget=forms.Textarea(attrs={"rows": 2}),
)
DURATIONS = [
    ("1", _("1 day")),
    ("3", _("3 days")),
    ("7", _("A week")),
    ("30", _("30 days")),
    ("", _("Until lifted")),
]


def until(days: str) -> datetime | None:
    """The end of a suspension or silence chosen among :data:`DURATIONS`."""
    return timezone.now() + timedelta(days=int(days)) if days else None


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=Flag.Reason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Details for the moderators"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for “needs a moderator's attention” and “something else”."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("agree", "agree"),
            ("disagree", "disagree"),
            ("approve", "approve"),
            ("reject", "reject"),
        ]
    )
    reason = forms.CharField(required=False, max_length=2000)


class SuspendForm(forms.Form):
    days = forms.ChoiceField(label=_("For how long"), choices=DURATIONS, required=False)
    reason = REASON


class WarnForm(forms.Form):
    message = forms.CharField(
        label=_("Warning (only the member, coordinators and administrators read it)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AppealForm(forms.Form):
    message = forms.CharField(
        label=_("Why should this decision change?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("uphold", _("Uphold")), ("overturn", _("Overturn"))])
    outcome = forms.CharField(
        label=_("Explanation (the member reads it)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LockForm(forms.Form):
    reason = forms.CharField(label=_("Why (shown to readers)"), max_length=300, required=False)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Why it is off-topic (shown to readers)"), max_length=300)


def _slow_mode_choices() -> list[tuple[int, str]]:
    return [
        (minutes, gettext("Off") if minutes == 0 else gettext("%(n)s minutes") % {"n": minutes})
        for minutes in SLOW_MODE_CHOICES
    ]


class SlowModeForm(forms.Form):
    minutes = forms.TypedChoiceField(
        label=_("One post per member every"), coerce=int, choices=_slow_mode_choices
    )


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices  # type: ignore[attr-defined]


class DuplicateForm(forms.Form):
    original = forms.IntegerField(
        label=_("Duplicate of question number"),
        min_value=1,
        help_text=_("The number in the original question's address, or one of the suggestions."),
    )
    reason = forms.CharField(label=_("Note for readers (optional)"), max_length=300, required=False)


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Merge into thread number"),
        min_value=1,
        help_text=_("The number in the other thread's address."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class SplitForm(forms.Form):
    positions = forms.TypedMultipleChoiceField(
        label=_("Replies to move"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Title of the new thread"), max_length=200)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["positions"].choices = choices  # type: ignore[attr-defined]
