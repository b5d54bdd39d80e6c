from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guilde.accounts.models import Organisation
from guilde.communities.models import Community, Membership


def split_topics(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class CommunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    domain = forms.CharField(
        label=_("Domain"),
        max_length=300,
        help_text=_("The shared concern, in one sentence: what this community is about."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    charter = forms.CharField(
        label=_("Charter and code of conduct"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Community.Language.choices)
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Community.Visibility.choices, widget=forms.RadioSelect
    )
    join_policy = forms.ChoiceField(
        label=_("Joining"), choices=Community.JoinPolicy.choices, widget=forms.RadioSelect
    )
    topics = forms.CharField(
        label=_("Topics"),
        required=False,
        help_text=_("The topics of the domain, separated by commas; posts are tagged with them."),
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations involved"),
        required=False,
        queryset=Organisation.objects.order_by("name"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("visibility") == Community.Visibility.HIDDEN
            and data.get("join_policy") != Community.JoinPolicy.INVITATION
        ):
            self.add_error("join_policy", _("A hidden community can only be joined by invitation."))
        return data


class CommunitySettingsForm(CommunityForm):
    newcomer_days = forms.IntegerField(
        label=_("Newcomer period (days)"),
        min_value=0,
        max_value=365,
        help_text=_("Members count as newcomers for this many days after joining."),
    )
    flag_threshold = forms.IntegerField(
        label=_("Flags that hide a post"),
        required=False,
        min_value=0,
        max_value=50,
        help_text=_(
            "When this many members flag a post as off-topic, inappropriate or spam, it is "
            "hidden until a moderator looks. 0: never."
        ),
    )
    review_first_posts = forms.BooleanField(
        label=_("Newcomers' first posts wait for a moderator's approval"), required=False
    )
    verification_days = forms.IntegerField(
        label=_("An article's verification holds (days)"),
        required=False,
        min_value=7,
        max_value=3650,
        help_text=_("After this, a verified article needs review again."),
    )
    review_article_changes = forms.BooleanField(
        label=_("Members' changes to published articles wait for a steward's review"),
        required=False,
    )
    related = forms.ModelMultipleChoiceField(
        label=_("Related communities"),
        required=False,
        queryset=Community.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, related_choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelMultipleChoiceField[Community]", self.fields["related"]
        ).queryset = related_choices


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("A word for the coordinators"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who you are and what brings you here."),
    )


class LeaveForm(forms.Form):
    successor = forms.ChoiceField(label=_("Who coordinates after you?"), required=False)

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["successor"]).choices = [("", "—"), *candidates]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    steward = forms.BooleanField(label=_("Knowledge steward"), required=False)


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All")), *Community.Language.choices]
    )
    tag = forms.CharField(label=_("Topic"), required=False, max_length=60)
    mine = forms.BooleanField(label=_("My communities"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [
            ("", _("All")),
            *Organisation.objects.filter(communities__isnull=False)
            .distinct()
            .order_by("name")
            .values_list("slug", "name"),
        ]
