from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from guilde.api.api import api
from guilde.api.auth import _token_authenticators, register_token_authenticator
from guilde.api.schema import SCHEMA_FILE, schema_text
from guilde.core.ratelimits import rate
from guilde.core.testing import assert_constant_queries

PROBLEM = "application/problem+json"


def test_the_schema_is_valid_openapi_3():
    schema = api.get_openapi_schema()
    assert schema["openapi"].startswith("3.")
    validate(json.loads(json.dumps(schema)))  # as served: JSON keys are strings


def test_no_two_schemas_share_a_name():
    """The OpenAPI components are keyed by class name: two apps' ``FeedbackIn`` would
    silently document one operation with the other's body."""
    from collections import defaultdict

    from ninja import Schema

    found: dict[str, set[str]] = defaultdict(set)
    pending = list(Schema.__subclasses__())
    while pending:
        schema = pending.pop()
        pending.extend(schema.__subclasses__())
        module = schema.__module__
        if module.startswith("guilde.") and ".tests" not in module:
            found[schema.__name__].add(f"{module}.{schema.__qualname__}")
    shared = {name: sorted(where) for name, where in found.items() if len(where) > 1}
    assert not shared, f"schema names used twice: {shared}"
    assert len(found) > 100  # the walk saw the apps' schemas


def test_every_operation_documents_its_errors_as_problems():
    schema = api.get_openapi_schema()
    assert "Rate limits" in schema["info"]["description"]
    assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert len(operations) > 150
    for operation in operations:
        responses = operation["responses"]
        for status in (404, 422, 429):
            assert status in responses, (operation["operationId"], status)
        assert "Retry-After" in responses[429]["headers"]
    threads = schema["paths"]["/api/v1/communities/{slug}/threads"]["get"]["responses"]
    assert threads[404]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }


def test_the_checked_in_schema_matches_the_code():
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "The API changed: run `make openapi` and commit docs/api/openapi.json."
    )


@pytest.mark.django_db
def test_the_served_schema_is_the_checked_in_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert (
        json.dumps(response.json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        == SCHEMA_FILE.read_text()
    )


@pytest.mark.django_db
def test_the_documentation_page_uses_no_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle" in html
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_an_unknown_path_is_a_problem_details_404(client):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": "/api/v1/no/such/thing",
    }


@pytest.mark.django_db
def test_a_method_not_allowed_is_a_problem_too(client):
    response = client.delete("/api/v1/instance")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["status"] == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.django_db
def test_the_instance_endpoint(client):
    response = client.get("/api/v1/instance", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    body = response.json()
    assert body["languages"] == ["en", "fr"]
    assert body["language"] == "fr"


@pytest.mark.django_db
def test_api_reads_are_rate_limited_with_retry_after(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_read": (rate("2/m/user"), rate("2/m/ip"))}
    assert client.get("/api/v1/instance").status_code == 200
    assert client.get("/api/v1/instance").status_code == 200
    limited = client.get("/api/v1/instance")
    assert limited.status_code == 429
    assert limited.headers["Content-Type"] == PROBLEM
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["status"] == 429


@pytest.mark.django_db
@pytest.mark.urls("guilde.api.tests.urls")
def test_validation_errors_are_problems_listing_each_error(client):
    response = client.get("/test-api/square", {"number": "three"})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["loc"] == ["query", "number"]
    assert client.get("/test-api/square", {"number": "3"}).json() == {"square": 9}


@pytest.mark.django_db
@pytest.mark.urls("guilde.api.tests.urls")
def test_unexpected_errors_are_problems_without_internals(client):
    client.raise_request_exception = False
    response = client.get("/test-api/boom")
    assert response.status_code == 500
    assert response.headers["Content-Type"] == PROBLEM
    assert "RuntimeError" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("guilde.api.tests.urls")
def test_writes_need_a_member_and_the_csrf_token(django_user_model):
    from django.test import Client

    member = django_user_model.objects.create_user("writer", "w@example.org", "pw")
    client = Client(enforce_csrf_checks=True)
    anonymous = client.post("/test-api/echo?text=hi")
    assert anonymous.status_code in (401, 403)
    assert anonymous.headers["Content-Type"] == PROBLEM

    client.force_login(member)
    without_token = client.post("/test-api/echo?text=hi")
    assert without_token.status_code == 403
    assert without_token.headers["Content-Type"] == PROBLEM

    client.get("/")  # receives the CSRF cookie
    token = client.cookies["csrftoken"].value
    with_token = client.post("/test-api/echo?text=hi", HTTP_X_CSRFTOKEN=token)
    assert with_token.status_code == 200
    assert with_token.json() == {"text": "hi", "member": "writer"}


@pytest.mark.django_db
@pytest.mark.urls("guilde.api.tests.urls")
def test_bearer_tokens_go_through_the_registered_hook(client, django_user_model):
    member = django_user_model.objects.create_user("bearer", "b@example.org", "pw")

    def authenticate(request, token):
        if token == "good-token":
            request.user = member
            return member
        return None

    register_token_authenticator(authenticate)
    try:
        good = client.post("/test-api/echo?text=hi", HTTP_AUTHORIZATION="Bearer good-token")
        assert good.status_code == 200
        assert good.json()["member"] == "bearer"
        bad = client.get("/test-api/square?number=2", HTTP_AUTHORIZATION="Bearer forged")
        assert bad.status_code == 401  # a wrong token is refused, never taken as anonymous
        assert bad.headers["Content-Type"] == PROBLEM
        assert bad.headers["WWW-Authenticate"].startswith("Bearer")
    finally:
        _token_authenticators.remove(authenticate)


@pytest.mark.django_db
@pytest.mark.urls("guilde.api.tests.urls")
def test_cursor_pagination_walks_every_item_once(client, django_user_model):
    for number in range(45):
        django_user_model.objects.create_user(f"member{number:02d}", f"m{number}@example.org", "pw")
    seen: list[str] = []
    url: str | None = "/test-api/members?page_size=20"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [item["username"] for item in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 3
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 45


@pytest.mark.django_db
@pytest.mark.urls("guilde.api.tests.urls")
def test_a_forged_cursor_is_a_clear_error(client):
    response = client.get("/test-api/members?cursor=%%%not-base64")
    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM


@pytest.mark.django_db
@pytest.mark.urls("guilde.api.tests.urls")
def test_a_paginated_list_costs_the_same_queries_for_1_and_20_items(client, django_user_model):
    def setup(count: int) -> None:
        while django_user_model.objects.count() < count:
            number = django_user_model.objects.count()
            django_user_model.objects.create_user(f"q{number}", f"q{number}@example.org", "pw")

    assert_constant_queries(setup=setup, action=lambda: client.get("/test-api/members"))


@pytest.mark.django_db
def test_the_instance_endpoint_query_count(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        client.get("/api/v1/instance")


@pytest.mark.django_db
def test_a_services_refusal_is_a_422_wherever_it_comes_from(client):
    """Found by Schemathesis: a service's ValidationError that an operation did not catch
    (an event's recording address that is not a web address) was a 500."""
    from guilde.communities.tests.factories import CommunityFactory, member_of
    from guilde.events.tests.factories import EventFactory

    community = CommunityFactory.create()
    coordinator = member_of(community, "coordinator")
    event = EventFactory.create(community=community)
    client.force_login(coordinator)
    response = client.put(
        f"/api/v1/events/{event.pk}/notes",
        {"notes": "", "recording_url": "0" * 400, "outcomes": ""},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM
    assert "web address" in response.json()["detail"]


@pytest.mark.django_db
def test_a_multipart_body_without_its_boundary_is_a_400(client):
    """Found by Schemathesis: ``Content-Type: multipart/form-data`` without a boundary."""
    from guilde.communities.tests.factories import CommunityFactory, member_of

    community = CommunityFactory.create()
    client.force_login(member_of(community))
    response = client.generic(
        "POST",
        f"/api/v1/communities/{community.slug}/uploads",
        b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n--x--\r\n",
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
