from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from guilde.accounts import services
from guilde.accounts.models import Organisation, PersonalAccessToken, User
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory, set_profile
from guilde.accounts.tests.images import png_bytes, upload
from guilde.core.testing import assert_constant_queries


def _rich_member(number: int, organisation: Organisation) -> User:
    member = MemberFactory.create(username=f"rich{number}")
    services.affiliation_set(actor=member, member=member, organisation=organisation, role="Role")
    services.affiliation_set(actor=member, member=member, organisation=OrganisationFactory.create())
    services.skills_set(
        actor=member, member=member, kind="skill", names=[f"Skill {number}", "Shared"]
    )
    services.skills_set(actor=member, member=member, kind="learning", names=["Goal"])
    set_profile(
        member,
        display_name=f"Rich {number}",
        time_zone="Europe/Paris",
        languages=["fr", "en"],
        open_to_questions=True,
    )
    return member


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_member_directory_and_organisation_page_query_counts(signed_in):
    organisation = OrganisationFactory.create(slug="big")
    client = Client()
    if signed_in:
        client.force_login(MemberFactory.create(username="viewer"))

    def setup(count: int) -> None:
        while organisation.affiliations.count() < count:
            _rich_member(organisation.affiliations.count(), organisation)

    assert_constant_queries(setup=setup, action=lambda: client.get("/members/"))
    assert_constant_queries(setup=setup, action=lambda: client.get("/organisations/big/"))
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/members/?skill=shared&language=fr")
    )


@pytest.mark.django_db
def test_the_organisation_list_query_count():
    client = Client()

    def setup(count: int) -> None:
        while Organisation.objects.count() < count:
            _rich_member(Organisation.objects.count(), OrganisationFactory.create())

    assert_constant_queries(setup=setup, action=lambda: client.get("/organisations/"))


@pytest.mark.django_db
def test_a_profile_page_costs_the_same_with_1_and_20_skills_and_organisations():
    member = MemberFactory.create(username="busy")
    client = Client()

    def setup(count: int) -> None:
        services.skills_set(
            actor=member, member=member, kind="skill", names=[f"S{n}" for n in range(count)]
        )
        while member.affiliations.count() < count:
            services.affiliation_set(
                actor=member, member=member, organisation=OrganisationFactory.create()
            )

    assert_constant_queries(setup=setup, action=lambda: client.get("/members/busy/"))


@pytest.mark.django_db
def test_htmx_filtering_returns_only_the_results(client):
    MemberFactory.create(username="ada", display_name="Ada Lovelace")
    MemberFactory.create(username="bob", display_name="Bob")
    partial = client.get("/members/?q=ada", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="member-results"')
    assert "Ada Lovelace" in partial
    assert "Bob" not in partial
    assert "<html" not in partial


@pytest.mark.django_db
def test_settings_pages_need_a_member_and_render(client):
    for path in (
        "/settings/profile/",
        "/settings/tokens/",
        "/settings/data/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/sessions/",
    ):
        assert client.get(path).status_code == 302, path
    client.force_login(MemberFactory.create())
    for path in (
        "/settings/profile/",
        "/settings/tokens/",
        "/settings/data/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/sessions/",
    ):
        assert client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_saving_the_profile_form(client):
    member = MemberFactory.create()
    client.force_login(member)
    form = {
        "display_name": "New Name",
        "bio": "Hello",
        "location": "Lyon",
        "time_zone": "Europe/Paris",
        "languages": ["fr", "de"],
        "skills": "Python, Django ,",
        "interests": "Bread",
        "learning_goals": "",
        "open_to_questions": "on",
        "language": "fr",
        **{
            f"visibility_{name}": "everyone"
            for name in (
                "avatar",
                "bio",
                "organisations",
                "location",
                "time_zone",
                "languages",
                "skills",
                "interests",
                "learning_goals",
                "availability",
            )
        },
    }
    assert client.post("/settings/profile/", form).status_code == 302
    member.refresh_from_db()
    assert member.display_name == "New Name"
    assert member.language == "fr"
    assert sorted(member.member_skills.values_list("skill__name", flat=True)) == [
        "Bread",
        "Django",
        "Python",
    ]
    bad = client.post("/settings/profile/", {**form, "time_zone": "Nowhere/Town"})
    assert bad.status_code == 200
    member.refresh_from_db()
    assert member.time_zone == "Europe/Paris"


@pytest.mark.django_db
def test_uploading_and_removing_a_picture(client):
    member = MemberFactory.create(username="pic")
    client.force_login(member)
    refused = client.post(
        "/settings/avatar/",
        {"picture": upload("evil.png", b"<html>not a picture</html>")},
        follow=True,
    )
    assert "This file is not a picture we can read." in refused.content.decode()
    client.post("/settings/avatar/", {"picture": upload("me.png", png_bytes())})
    member.refresh_from_db()
    assert member.avatar
    served = Client().get("/members/pic/avatar/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert served["X-Content-Type-Options"] == "nosniff"
    client.post("/settings/avatar/", {"remove": "1"})
    member.refresh_from_db()
    assert not member.avatar
    assert Client().get("/members/pic/avatar/").status_code == 404


@pytest.mark.django_db
def test_a_new_token_is_shown_once(client):
    member = MemberFactory.create()
    client.force_login(member)
    created = client.post(
        "/settings/tokens/", {"name": "script", "scope": "write", "lifetime": "never"}
    )
    page = created.content.decode()
    token = PersonalAccessToken.objects.get(member=member)
    assert token.expires_at is None
    assert 'data-testid="new-token"' in page
    assert created["Cache-Control"] == "no-store"
    assert 'data-testid="new-token"' not in client.get("/settings/tokens/").content.decode()
    client.post(f"/settings/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_adding_an_organisation_and_an_affiliation(client):
    member = MemberFactory.create()
    client.force_login(member)
    response = client.post(
        "/organisations/new/", {"name": "Coopérative du Pain", "website": "bread.example"}
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Coopérative du Pain")
    assert organisation.website == "https://bread.example"
    client.post("/settings/organisations/", {"organisation": organisation.pk, "role": "Baker"})
    assert member.affiliations.get().role == "Baker"
    page = client.get(f"/organisations/{organisation.slug}/").content.decode()
    assert member.display_name in page
    other = MemberFactory.create()
    theirs = services.affiliation_set(actor=other, member=other, organisation=organisation)
    assert client.post(f"/settings/organisations/{theirs.pk}/remove/").status_code == 404


@pytest.mark.django_db
def test_unknown_and_deleted_members_are_404(client):
    assert client.get("/members/nobody/").status_code == 404
    assert client.get("/api/v1/members/nobody").status_code == 404


@pytest.mark.django_db
def test_administrators_upload_organisation_logos(client):
    organisation = OrganisationFactory.create(slug="logo-org")
    with pytest.raises(PermissionDenied):
        services.organisation_set_logo(
            actor=MemberFactory.create(),
            organisation=organisation,
            upload=upload("l.png", png_bytes()),
        )
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/organisation/{organisation.pk}/change/",
        {
            "name": organisation.name,
            "slug": "logo-org",
            "description": "",
            "website": "",
            "email_domains": "[]",
            "new_logo": upload("logo.png", png_bytes()),
            "affiliations-TOTAL_FORMS": "0",
            "affiliations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation.refresh_from_db()
    assert str(organisation.logo.name).endswith(".webp")
    logo = Client().get("/organisations/logo-org/logo/")
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/webp"
    assert (
        "/organisations/logo-org/logo/" in Client().get("/organisations/logo-org/").content.decode()
    )
