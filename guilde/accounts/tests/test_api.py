from __future__ import annotations

import pytest
from django.test import Client

from guilde.accounts import services
from guilde.accounts.models import DataExport, PersonalAccessToken
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory
from guilde.core.testing import assert_constant_queries

PROBLEM = "application/problem+json"


def bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def _token(member, scope="read") -> str:
    return services.token_create(actor=member, member=member, name=scope, scope=scope)[1]


@pytest.mark.django_db
def test_me_needs_a_member(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_me_with_a_token_shows_every_field_and_its_visibility(client):
    member = MemberFactory.create(username="tok", email="tok@example.org")
    response = client.get("/api/v1/me", headers=bearer(_token(member)))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "tok"
    assert body["email"] == "tok@example.org"
    assert body["field_visibility"]["location"] == "communities"


@pytest.mark.django_db
def test_a_read_token_cannot_write_and_a_write_token_can(client):
    member = MemberFactory.create()
    refused = client.patch(
        "/api/v1/me",
        {"bio": "x"},
        content_type="application/json",
        headers=bearer(_token(member, "read")),
    )
    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM
    done = client.patch(
        "/api/v1/me",
        {
            "bio": "From the API",
            "skills": ["Python", "SQL"],
            "field_visibility": {"bio": "private"},
        },
        content_type="application/json",
        headers=bearer(_token(member, "write")),
    )
    assert done.status_code == 200
    body = done.json()
    assert body["bio"] == "From the API"
    assert body["skills"] == ["Python", "SQL"]
    assert body["field_visibility"]["bio"] == "private"
    assert body["display_name" if "display_name" in body else "name"]  # unchanged fields survive


@pytest.mark.django_db
def test_bad_profile_values_are_clear_errors_and_change_nothing(client):
    member = MemberFactory.create(display_name="Before")
    client.force_login(member)
    for payload in (
        {"time_zone": "Mars/Base"},
        {"languages": ["xx-klingon"]},
        {"field_visibility": {"bio": "galaxy"}},
        {"bio": 12},
    ):
        response = client.patch(
            "/api/v1/me", payload, content_type="application/json", HTTP_X_CSRFTOKEN=_csrf(client)
        )
        assert response.status_code == 422, payload
        assert response["Content-Type"] == PROBLEM
    member.refresh_from_db()
    assert member.display_name == "Before"
    assert member.time_zone == ""


def _csrf(client: Client) -> str:
    client.get("/")
    return client.cookies["csrftoken"].value


@pytest.mark.django_db
def test_tokens_are_managed_from_the_session_only():
    member = MemberFactory.create()
    plain = _token(member, "write")
    with_token = Client().post(
        "/api/v1/me/tokens", {"name": "x"}, content_type="application/json", headers=bearer(plain)
    )
    assert with_token.status_code == 401

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    csrf = _csrf(client)
    created = client.post(
        "/api/v1/me/tokens",
        {"name": "deploy", "scope": "write", "expires_in_days": 30},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert created.status_code == 201
    new_plain = created.json()["token"]
    assert Client().get("/api/v1/me", headers=bearer(new_plain)).status_code == 200
    listed = client.get("/api/v1/me/tokens").json()
    assert {t["name"] for t in listed} == {"write", "deploy"}
    assert all("token" not in t and "digest" not in t for t in listed)

    token_id = created.json()["id"]
    assert client.delete(f"/api/v1/me/tokens/{token_id}", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert Client().get("/api/v1/me", headers=bearer(new_plain)).status_code == 401
    other = MemberFactory.create()
    theirs = PersonalAccessToken.objects.create(
        member=other, name="t", prefix="gld_x", digest="d" * 64
    )
    assert client.delete(f"/api/v1/me/tokens/{theirs.pk}", HTTP_X_CSRFTOKEN=csrf).status_code == 404


@pytest.mark.django_db
def test_members_list_filters_and_paginates(client):
    organisation = OrganisationFactory.create(slug="acme")
    for number in range(25):
        member = MemberFactory.create(username=f"m{number:02d}")
        services.skills_set(
            actor=member, member=member, kind="skill", names=["Python" if number % 2 else "Go"]
        )
        if number < 5:
            services.affiliation_set(actor=member, member=member, organisation=organisation)
    first = client.get("/api/v1/members?page_size=10").json()
    assert len(first["results"]) == 10
    second = client.get(first["next"].split("testserver", 1)[1]).json()
    assert second["results"][0]["username"] == "m10"
    python = client.get("/api/v1/members?skill=python&page_size=100").json()["results"]
    assert len(python) == 12
    at_acme = client.get("/api/v1/organisations/acme/members").json()["results"]
    assert [m["username"] for m in at_acme] == ["m00", "m01", "m02", "m03", "m04"]


@pytest.mark.django_db
def test_member_lists_cost_the_same_queries_for_1_and_20_members(client):
    organisation = OrganisationFactory.create(slug="acme")

    def setup(count: int) -> None:
        while (existing := organisation.affiliations.count()) < count:
            member = MemberFactory.create(username=f"q{existing}")
            services.affiliation_set(actor=member, member=member, organisation=organisation)
            services.skills_set(
                actor=member, member=member, kind="skill", names=[f"S{existing}", "Shared"]
            )
            services.skills_set(actor=member, member=member, kind="interest", names=["I"])

    viewer = MemberFactory.create(username="viewer")
    client.force_login(viewer)
    assert_constant_queries(setup=setup, action=lambda: client.get("/api/v1/members"))
    assert_constant_queries(
        setup=setup, action=lambda: client.get("/api/v1/organisations/acme/members")
    )


@pytest.mark.django_db
def test_organisation_lists_cost_the_same_queries_for_1_and_20(client):
    def setup(count: int) -> None:
        from guilde.accounts.models import Organisation

        while Organisation.objects.count() < count:
            organisation = OrganisationFactory.create()
            member = MemberFactory.create()
            services.affiliation_set(actor=member, member=member, organisation=organisation)

    assert_constant_queries(setup=setup, action=lambda: client.get("/api/v1/organisations"))


@pytest.mark.django_db
def test_organisations_can_be_added_and_read(client):
    member = MemberFactory.create()
    client.force_login(member)
    created = client.post(
        "/api/v1/organisations",
        {"name": "Brewers Guild"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=_csrf(client),
    )
    assert created.status_code == 201
    assert created.json()["slug"] == "brewers-guild"
    assert client.get("/api/v1/organisations/brewers-guild").json()["name"] == "Brewers Guild"
    assert client.get("/api/v1/organisations/nope").status_code == 404


@pytest.mark.django_db
def test_the_skill_vocabulary_completes_prefixes(client):
    member = MemberFactory.create()
    services.skills_set(actor=member, member=member, kind="skill", names=["Python", "Pytest", "Go"])
    assert [s["name"] for s in client.get("/api/v1/skills?prefix=py").json()] == [
        "Pytest",
        "Python",
    ]


@pytest.mark.django_db
def test_a_data_export_can_be_requested_through_the_api(client):
    member = MemberFactory.create()
    response = client.post("/api/v1/me/data-exports", headers=bearer(_token(member, "write")))
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert DataExport.objects.filter(member=member).count() == 1
    assert (
        client.get("/api/v1/me/data-exports", headers=bearer(_token(member))).json()[0]["status"]
        == "pending"
    )


@pytest.mark.django_db
def test_claiming_through_the_api(client):
    placeholder = services.placeholder_create(
        source="se", key="1", display_name="Old", email="me@example.org"
    )
    member = MemberFactory.create(email="me@example.org")
    response = client.post(
        f"/api/v1/members/{placeholder.username}/claim",
        {"message": ""},
        content_type="application/json",
        headers=bearer(_token(member, "write")),
    )
    assert response.json() == {"status": "approved"}
    assert (
        client.post(
            f"/api/v1/members/{member.username}/claim",
            {},
            content_type="application/json",
            headers=bearer(_token(member, "write")),
        ).status_code
        == 404
    )
