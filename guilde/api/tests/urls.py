"""A test API built like the real one, to exercise pagination and validation errors."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from ninja import Schema
from ninja.pagination import paginate

from config.urls import urlpatterns as project_urlpatterns
from guilde.api.api import Pagination, build_api
from guilde.api.auth import member_auth, public_auth

test_api = build_api(title="Test API", urls_namespace="test-api")


class MemberOut(Schema):
    id: int
    username: str


@test_api.get("/members", response=list[MemberOut], auth=public_auth)
@paginate(Pagination, ordering=("username", "id"))
def members(request: HttpRequest) -> QuerySet[AbstractBaseUser]:
    return get_user_model().objects.all()


@test_api.get("/square", auth=public_auth)
def square(request: HttpRequest, number: int) -> dict[str, int]:
    return {"square": number * number}


@test_api.post("/echo", auth=member_auth)
def echo(request: HttpRequest, text: str) -> dict[str, str]:
    return {"text": text, "member": request.user.get_username()}


@test_api.get("/boom", auth=public_auth)
def boom(request: HttpRequest) -> None:
    raise RuntimeError("unexpected")


urlpatterns = [path("test-api/", test_api.urls), *project_urlpatterns]
