"""Forms of the people pages: the directory's filters and a member's expertise settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from guilde.accounts.forms import language_choices
from guilde.accounts.models import MemberSkill, Organisation
from guilde.accounts.visibility import Viewer
from guilde.communities.models import Community
from guilde.core.widgets import PlainSelect, ZoneField
from guilde.people.directory import MAX_HOURS_APART, DirectoryFilters
from guilde.search.selectors import community_rights


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    skill = forms.CharField(label=_("Skill"), required=False, max_length=90)
    interest = forms.CharField(label=_("Interest"), required=False, max_length=90)
    organisation = forms.ChoiceField(widget=PlainSelect, label=_("Organisation"), required=False)
    community = forms.ChoiceField(widget=PlainSelect, label=_("Community"), required=False)
    language = forms.ChoiceField(widget=PlainSelect, label=_("Language"), required=False)
    time_zone = ZoneField(label=_("Time zone"), required=False, empty_label=_("Any"))
    hours_apart = forms.IntegerField(
        label=_("Hours apart at most"), required=False, min_value=0, max_value=MAX_HOURS_APART
    )
    availability = forms.ChoiceField(
        label=_("Open to"),
        required=False,
        choices=[
            ("", _("Anything")),
            ("questions", _("Questions")),
            ("mentoring", _("Mentoring")),
        ],
    )

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [
            ("", _("All")),
            *Organisation.objects.order_by("name").values_list("slug", "name"),
        ]
        cast(forms.ChoiceField, self.fields["community"]).choices = [
            ("", _("All")),
            *Community.objects.filter(pk__in=community_rights(viewer).readable)
            .order_by("name")
            .values_list("slug", "name"),
        ]
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("All")),
            *language_choices(),
        ]

    def filters(self) -> DirectoryFilters:
        data = self.cleaned_data
        return DirectoryFilters(
            q=data["q"],
            skill=slugify(data["skill"], allow_unicode=True),
            interest=slugify(data["interest"], allow_unicode=True),
            organisation=data["organisation"],
            community=data["community"],
            language=data["language"],
            time_zone=data["time_zone"],
            hours_apart=data["hours_apart"] or 0,
            open_to_questions=True if data["availability"] == "questions" else None,
            open_to_mentor=True if data["availability"] == "mentoring" else None,
        )


class PreferencesForm(forms.Form):
    suggest = forms.BooleanField(
        label=_("Suggest me to others"),
        required=False,
        help_text=_("In “who knows about…”, “people who could answer” and “people to meet”."),
    )
    answer_requests = forms.BooleanField(
        label=_("Members may ask me to answer questions"), required=False
    )


class LevelsForm(forms.Form):
    """One choice of level per declared skill (field name: the skill's short name)."""

    def __init__(self, *args: Any, skills: list[MemberSkill], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for member_skill in skills:
            self.fields[f"level-{member_skill.skill.slug}"] = forms.ChoiceField(
                label=member_skill.skill.name,
                required=False,
                choices=[("", _("Not said")), *MemberSkill.Level.choices],
                initial=member_skill.level,
            )

    def levels(self) -> dict[str, str]:
        return {name.removeprefix("level-"): value for name, value in self.cleaned_data.items()}
