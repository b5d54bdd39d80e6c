"""Forms of mentoring pages: the programme, an application, and the pair's own space."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guilde.communities.models import Community
from guilde.mentoring import services
from guilde.mentoring.models import DAYS, PERIODS, Application, Goal, Programme

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _weight(label: Any, initial: int) -> forms.IntegerField:
    return forms.IntegerField(label=label, initial=initial, min_value=0, max_value=10)


DAY_NAMES = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
PERIOD_NAMES = {
    "morning": _("9:00–12:00"),
    "midday": _("12:00–15:00"),
    "afternoon": _("15:00–18:00"),
    "evening": _("18:00–21:00"),
}


def slot_choices() -> list[tuple[str, Any]]:
    return [
        (f"{day}-{period}", f"{DAY_NAMES[day]} {PERIOD_NAMES[period]}")
        for day in DAYS
        for period, _start, _hours in PERIODS
    ]


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20_000, widget=forms.Textarea
    )
    goals = forms.CharField(
        label=_("Goals of the programme"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE_WIDGET)
    applications_close = forms.DateField(
        label=_("Applications close"), required=False, widget=DATE_WIDGET
    )
    weight_skills = _weight(_("Topics wanted and offered"), 3)
    weight_time_zone = _weight(_("Close time zones"), 1)
    weight_availability = _weight(_("Shared free time"), 1)
    weight_organisation = _weight(_("Same organisation (with the rule “prefer”)"), 1)
    organisation_rule = forms.ChoiceField(
        label=_("Organisation rule"),
        required=False,
        choices=Programme.OrganisationRule.choices,
    )
    max_capacity = forms.IntegerField(
        label=_("Most mentees per mentor"), min_value=1, max_value=20, initial=3
    )
    threshold = forms.FloatField(
        label=_("Lowest score for a pair (0–1)"),
        min_value=0.0,
        max_value=1.0,
        initial=0.0,
        help_text=_("A mentee rather stays unmatched than gets a pair scoring less."),
    )
    coverage = forms.BooleanField(
        label=_("Favour coverage: as many mentees with a mentor as possible, then the best scores"),
        required=False,
    )
    check_in_weeks = forms.IntegerField(
        label=_("Nudge pairs after this many weeks without a check-in"),
        min_value=1,
        max_value=26,
        initial=3,
    )

    @classmethod
    def initial_from(cls, programme: Programme) -> dict[str, Any]:
        return {name: getattr(programme, name) for name in cls.base_fields}

    def to_input(self) -> services.ProgrammeInput:
        data = dict(self.cleaned_data)
        data["organisation_rule"] = data.get("organisation_rule") or ""
        return services.ProgrammeInput(**data)


class ApplicationForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("Topics"), required=True, widget=forms.CheckboxSelectMultiple
    )
    capacity = forms.IntegerField(label=_("How many mentees you can take"), min_value=1)
    languages = forms.MultipleChoiceField(
        label=_("Languages you can mentor or be mentored in"),
        required=False,
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: the languages of your profile."),
    )
    availability = forms.MultipleChoiceField(
        label=_("When you are usually free (your time zone)"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "slot-grid"}),
    )
    goals = forms.CharField(
        label=_("Your goals"), required=False, max_length=5_000, widget=forms.Textarea
    )
    learning = forms.CharField(
        label=_("What you want to learn yourself"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferences = forms.CharField(
        label=_("Preferences"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    avoid = forms.CharField(
        label=_("People you would rather not be paired with"),
        required=False,
        max_length=1_000,
        help_text=_("Usernames, separated by commas. Nobody is told."),
    )

    def __init__(
        self, *args: Any, community: Community, programme: Programme, role: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.role = role
        skills = cast(forms.MultipleChoiceField, self.fields["skills"])
        skills.choices = [(t.name, t.name) for t in community.tags.all()]
        skills.label = (
            _("Topics you can mentor in")
            if role == Application.Role.MENTOR
            else _("Topics you want to learn")
        )
        cast(forms.MultipleChoiceField, self.fields["availability"]).choices = slot_choices()
        capacity = cast(forms.IntegerField, self.fields["capacity"])
        capacity.max_value = programme.max_capacity
        capacity.widget.attrs["max"] = str(programme.max_capacity)
        if role == Application.Role.MENTOR:
            del self.fields["goals"], self.fields["preferences"], self.fields["avoid"]
        else:
            del self.fields["capacity"], self.fields["learning"]

    @classmethod
    def initial_from(cls, application: Application) -> dict[str, Any]:
        return {
            "skills": [tag.name for tag in application.skills.all()],
            "capacity": application.capacity,
            "languages": application.languages,
            "availability": application.availability,
            "goals": application.goals,
            "learning": application.learning,
            "preferences": application.preferences,
            "avoid": ", ".join(person.username for person in application.avoid.all()),
        }

    def to_input(self) -> services.ApplicationInput:
        data = self.cleaned_data
        return services.ApplicationInput(
            skills=list(data["skills"]),
            capacity=data.get("capacity") or 1,
            languages=list(data.get("languages") or []),
            availability=list(data.get("availability") or []),
            goals=data.get("goals", ""),
            learning=data.get("learning", ""),
            preferences=data.get("preferences", ""),
            avoid=[name.strip() for name in data.get("avoid", "").split(",") if name.strip()],
        )


class GoalForm(forms.Form):
    title = forms.CharField(label=_("A goal"), max_length=300)


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices)


class CheckInForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET, initial=timezone.localdate)
    notes = forms.CharField(
        label=_("Notes (only the two of you see them)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResourceForm(forms.Form):
    url = forms.CharField(
        label=_("Address"),
        max_length=500,
        help_text=_("An article, learning path or event of the community, or any web page."),
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    note = forms.CharField(label=_("Why it helps"), required=False, max_length=500)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was it?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("What did it change for you?"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
