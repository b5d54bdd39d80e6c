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


# My affiliations, avatar and account (API completeness, issue 17) ---------------------------


def _writer(member) -> Client:
    return Client(headers=bearer(_token(member, "write")))


@pytest.mark.django_db
def test_affiliations_are_added_listed_and_removed_through_the_api():
    member = MemberFactory.create()
    OrganisationFactory.create(slug="acme", name="Acme")
    api = _writer(member)
    added = api.post(
        "/api/v1/me/affiliations",
        {"organisation": "acme", "role": "Brewer"},
        content_type="application/json",
    )
    assert added.status_code == 201
    body = added.json()
    assert (body["organisation_slug"], body["role"], body["confirmed"]) == ("acme", "Brewer", False)
    listed = api.get("/api/v1/me/affiliations").json()
    assert [(a["id"], a["organisation_name"]) for a in listed] == [(body["id"], "Acme")]
    assert api.get("/api/v1/me").json()["organisations"][0]["organisation_slug"] == "acme"

    removed = api.delete(f"/api/v1/me/affiliations/{body['id']}")
    assert removed.status_code == 204
    assert api.get("/api/v1/me/affiliations").json() == []


@pytest.mark.django_db
def test_affiliations_refuse_unknown_organisations_others_and_visitors():
    member, other = MemberFactory.create(), MemberFactory.create()
    organisation = OrganisationFactory.create(slug="acme")
    theirs = services.affiliation_set(actor=other, member=other, organisation=organisation)
    api = _writer(member)
    unknown = api.post(
        "/api/v1/me/affiliations", {"organisation": "nope"}, content_type="application/json"
    )
    assert unknown.status_code == 422
    assert unknown["Content-Type"] == PROBLEM
    assert (
        api.post("/api/v1/me/affiliations", {}, content_type="application/json").status_code == 422
    )
    # Someone else's affiliation is not there for you; it stays.
    assert api.delete(f"/api/v1/me/affiliations/{theirs.pk}").status_code == 404
    assert other.affiliations.count() == 1
    assert Client().get("/api/v1/me/affiliations").status_code == 401
    read_only = Client(headers=bearer(_token(member, "read")))
    assert (
        read_only.post(
            "/api/v1/me/affiliations", {"organisation": "acme"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert member.affiliations.count() == 0


@pytest.mark.django_db
def test_my_affiliations_cost_the_same_queries_for_1_and_20():
    member = MemberFactory.create()
    api = _writer(member)

    def setup(count: int) -> None:
        while member.affiliations.count() < count:
            services.affiliation_set(
                actor=member, member=member, organisation=OrganisationFactory.create()
            )

    assert_constant_queries(setup=setup, action=lambda: api.get("/api/v1/me/affiliations"))


@pytest.mark.django_db
def test_the_avatar_is_checked_re_encoded_and_removed_through_the_api():
    from guilde.accounts.tests.images import jpeg_with_gps_bytes, png_bytes, upload

    member = MemberFactory.create()
    api = _writer(member)
    set_ = api.post("/api/v1/me/avatar", {"picture": upload("me.jpg", jpeg_with_gps_bytes())})
    assert set_.status_code == 200
    assert set_.json()["avatar_url"]
    member.refresh_from_db()
    stored = member.avatar.open("rb").read()
    assert stored[8:12] == b"WEBP"  # re-encoded
    assert b"secret description" not in stored  # its metadata dropped

    not_a_picture = api.post(
        "/api/v1/me/avatar", {"picture": upload("me.png", b"<svg onload=alert(1)>")}
    )
    assert not_a_picture.status_code == 422
    assert not_a_picture["Content-Type"] == PROBLEM
    assert api.post("/api/v1/me/avatar", {}).status_code == 422  # no file
    member.refresh_from_db()
    assert member.avatar.open("rb").read() == stored  # unchanged by the refusals
    read_only = Client(headers=bearer(_token(member, "read")))
    assert (
        read_only.post("/api/v1/me/avatar", {"picture": upload("x.png", png_bytes())}).status_code
        == 403
    )
    assert Client().delete("/api/v1/me/avatar").status_code == 401

    assert api.delete("/api/v1/me/avatar").status_code == 204
    member.refresh_from_db()
    assert not member.avatar.name
    assert api.get("/api/v1/me").json()["avatar_url"] is None


@pytest.mark.django_db
def test_deleting_my_account_needs_the_session_the_password_and_the_confirmation():
    from guilde.accounts.models import User
    from guilde.accounts.tests.factories import PASSWORD

    member = MemberFactory.create(username="leaving")
    answer = {"contributions": "keep", "password": PASSWORD, "confirm": True}
    # Never with a token, even a write one.
    assert (
        _writer(member)
        .post("/api/v1/me/deletion", answer, content_type="application/json")
        .status_code
        == 401
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    csrf = _csrf(client)
    for wrong in (
        {**answer, "password": "not it"},
        {**answer, "confirm": False},
        {**answer, "contributions": "maybe"},
        {"contributions": "keep"},
    ):
        refused = client.post(
            "/api/v1/me/deletion", wrong, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
        )
        assert refused.status_code == 422, wrong
        assert refused["Content-Type"] == PROBLEM
    member.refresh_from_db()
    assert member.deleted_at is None
    assert member.username == "leaving"
    # Without the CSRF token, a page elsewhere cannot do it for you.
    assert (
        client.post("/api/v1/me/deletion", answer, content_type="application/json").status_code
        == 403
    )

    done = client.post(
        "/api/v1/me/deletion", answer, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert done.status_code == 204
    gone = User.objects.get(pk=member.pk)  # kept, anonymised ("keep")
    assert gone.deleted_at is not None
    assert gone.username != "leaving"
    assert client.get("/api/v1/me").status_code == 401  # the session ended
    assert not User.objects.filter(username="leaving").exists()
