from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from guilde.accounts.models import VISIBLE_FIELDS, Organisation, PersonalAccessToken, Visibility
from guilde.core.zones import sorted_zones

VISIBILITY_LABELS = {
    "avatar": _("Picture"),
    "bio": _("About me"),
    "organisations": _("Organisations"),
    "location": _("Location"),
    "time_zone": _("Time zone"),
    "languages": _("Languages"),
    "skills": _("Skills"),
    "interests": _("Interests"),
    "learning_goals": _("Learning goals"),
    "availability": _("Availability"),
}


@cache
def time_zone_choices() -> list[tuple[str, StrOrPromise]]:
    return [("", _("Not shown"))] + [(name, name) for name in sorted_zones()]


@cache
def language_choices() -> list[tuple[str, str]]:
    names = {code: info["name_local"] for code, info in LANG_INFO.items() if "name_local" in info}
    return sorted(names.items(), key=lambda item: item[1].casefold())


def split_terms(text: str) -> list[str]:
    return [term.strip() for term in text.replace(";", ",").split(",") if term.strip()]


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    bio = forms.CharField(
        label=_("About me"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    location = forms.CharField(label=_("Location"), max_length=150, required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False, choices=time_zone_choices)
    languages = forms.MultipleChoiceField(
        label=_("Languages I speak"),
        required=False,
        choices=language_choices,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        help_text=_("What you know well, separated by commas."),
    )
    interests = forms.CharField(
        label=_("Interests"), required=False, help_text=_("Separated by commas.")
    )
    learning_goals = forms.CharField(
        label=_("Learning goals"),
        required=False,
        help_text=_("What you want to learn, separated by commas."),
    )
    open_to_questions = forms.BooleanField(label=_("I am open to questions"), required=False)
    open_to_mentor = forms.BooleanField(label=_("I am open to mentoring someone"), required=False)
    analytics_consent = forms.BooleanField(
        label=_("My name may appear in community analytics"),
        required=False,
        help_text=_("Without this, analytics count your activity without naming you."),
    )
    language = forms.ChoiceField(
        label=_("Interface language"),
        required=False,
        choices=[("", _("My browser's language")), *settings.LANGUAGES],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field_name, default in VISIBLE_FIELDS.items():
            self.fields[f"visibility_{field_name}"] = forms.ChoiceField(
                label=_("Who sees: %(field)s") % {"field": VISIBILITY_LABELS[field_name]},
                choices=Visibility.choices,
                initial=default.value,
            )

    def visibility(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"visibility_{name}"] for name in VISIBLE_FIELDS}

    def visibility_field(self, name: str) -> forms.BoundField:
        return self[f"visibility_{name}"]


class AvatarForm(forms.Form):
    picture = forms.FileField(
        label=_("Picture"),
        help_text=_("PNG, JPEG, WebP or GIF, up to 5 MB. It is cropped to a square."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
    )


class AffiliationForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name")
    )
    role = forms.CharField(label=_("Your role there"), max_length=150, required=False)


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


TOKEN_LIFETIMES = {
    "30": timedelta(days=30),
    "90": timedelta(days=90),
    "365": timedelta(days=365),
    "never": None,
}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("To recognise it later, e.g. “my script”.")
    )
    scope = forms.ChoiceField(
        label=_("Access"), choices=PersonalAccessToken.Scope.choices, initial="read"
    )
    lifetime = forms.ChoiceField(
        label=_("Expires"),
        initial="90",
        choices=[
            ("30", _("In 30 days")),
            ("90", _("In 90 days")),
            ("365", _("In a year")),
            ("never", _("Never")),
        ],
    )

    def expires_in(self) -> timedelta | None:
        return TOKEN_LIFETIMES[self.cleaned_data["lifetime"]]


class DeleteAccountForm(forms.Form):
    contributions = forms.ChoiceField(
        label=_("What you contributed"),
        widget=forms.RadioSelect,
        choices=[
            ("keep", _("Keep it for the communities, signed “deleted member”")),
            ("erase", _("Erase it with my account")),
        ],
    )
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone"))

    def __init__(self, *args: Any, member: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


class ClaimForm(forms.Form):
    message = forms.CharField(
        label=_("How can we tell this was you?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
