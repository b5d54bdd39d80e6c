"""Each profile field at "everyone" and "only me", seen by anonymous, another member, the owner.

Checked on the profile page, in the API, and for the avatar file itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from guilde.accounts import services
from guilde.accounts.models import VISIBLE_FIELDS
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory, set_profile
from guilde.accounts.tests.images import png_bytes, upload

# For each field: what its value looks like on the profile page, and in the API.
PAGE_MARKERS: dict[str, str] = {
    "bio": "Zq-bio-marker",
    "location": "Zqville",
    "time_zone": "Pacific/Chatham",
    "languages": "euskara",
    "organisations": "Zq Organisation",
    "skills": "Zq skill",
    "interests": "Zq interest",
    "learning_goals": "Zq learning",
    "availability": "Open to mentoring",
    "avatar": "/members/owner/avatar/",
}
API_VALUES: dict[str, Callable[[Any], bool]] = {
    "bio": lambda body: body["bio"] == "Zq-bio-marker",
    "location": lambda body: body["location"] == "Zqville",
    "time_zone": lambda body: body["time_zone"] == "Pacific/Chatham",
    "languages": lambda body: body["languages"] == ["eu"],
    "organisations": lambda body: (
        body["organisations"][0]["organisation_name"] == "Zq Organisation"
    ),
    "skills": lambda body: body["skills"] == ["Zq skill"],
    "interests": lambda body: body["interests"] == ["Zq interest"],
    "learning_goals": lambda body: body["learning_goals"] == ["Zq learning"],
    "availability": lambda body: body["open_to_mentor"] is True,
    "avatar": lambda body: "/members/owner/avatar/" in (body["avatar_url"] or ""),
}
API_KEYS = {
    "bio": ["bio"],
    "location": ["location"],
    "time_zone": ["time_zone"],
    "languages": ["languages"],
    "organisations": ["organisations"],
    "skills": ["skills"],
    "interests": ["interests"],
    "learning_goals": ["learning_goals"],
    "availability": ["open_to_mentor", "open_to_questions"],
    "avatar": ["avatar_url"],
}


def _owner(visibility: dict[str, str]):
    owner = MemberFactory.create(username="owner", display_name="Owen Owner")
    set_profile(
        owner,
        display_name="Owen Owner",
        bio="Zq-bio-marker",
        location="Zqville",
        time_zone="Pacific/Chatham",
        languages=["eu"],
        open_to_mentor=True,
        field_visibility=visibility,
    )
    services.skills_set(actor=owner, member=owner, kind="skill", names=["Zq skill"])
    services.skills_set(actor=owner, member=owner, kind="interest", names=["Zq interest"])
    services.skills_set(actor=owner, member=owner, kind="learning", names=["Zq learning"])
    services.affiliation_set(
        actor=owner, member=owner, organisation=OrganisationFactory.create(name="Zq Organisation")
    )
    services.avatar_set(actor=owner, member=owner, upload=upload("me.png", png_bytes()))
    return owner


def _client(viewer: str, owner) -> Client:
    client = Client()
    if viewer == "member":
        client.force_login(MemberFactory.create(username="someone"))
    elif viewer == "owner":
        client.force_login(owner)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member", "owner"])
@pytest.mark.parametrize("level", ["everyone", "private"])
@pytest.mark.parametrize("field", list(VISIBLE_FIELDS))
def test_each_field_is_shown_only_to_those_its_level_allows(field, level, viewer):
    # Every other field is private, so that only this one can show its marker.
    visibility = dict.fromkeys(VISIBLE_FIELDS, "private") | {field: level}
    owner = _owner(visibility)
    client = _client(viewer, owner)
    expected = level == "everyone" or viewer == "owner"

    page = client.get("/members/owner/").content.decode()
    assert (PAGE_MARKERS[field] in page) is expected, f"{field} on the page"
    for other, marker in PAGE_MARKERS.items():
        if other != field and viewer != "owner":
            assert marker not in page, f"{other} leaked on the page"

    body = client.get("/api/v1/members/owner").json()
    assert (
        API_VALUES[field](body) is expected
        if expected
        else all(body[k] is None for k in API_KEYS[field])
    )
    if viewer != "owner":
        for other, keys in API_KEYS.items():
            if other != field:
                assert all(body[k] is None for k in keys), f"{other} leaked in the API"

    avatar = client.get("/members/owner/avatar/")
    avatar_visible = visibility["avatar"] == "everyone" or viewer == "owner"
    assert avatar.status_code == (200 if avatar_visible else 404)


@pytest.mark.django_db
def test_directory_filters_never_reveal_hidden_fields():
    owner = _owner(
        {
            "skills": "private",
            "interests": "private",
            "languages": "private",
            "organisations": "private",
            "availability": "private",
        }
    )
    someone = MemberFactory.create(username="someone")
    client = Client()
    client.force_login(someone)
    slug = owner.affiliations.get().organisation.slug
    for query in (
        "skill=zq-skill",
        "language=eu",
        f"organisation={slug}",
        "availability=mentoring",
    ):
        page = client.get(f"/members/?{query}").content.decode()
        assert "Owen Owner" not in page, query
    for query in ("skill=zq-skill", "language=eu", f"organisation={slug}", "open_to_mentor=true"):
        results = client.get(f"/api/v1/members?{query}").json()["results"]
        assert [m["username"] for m in results] == [], query
    # The owner finds themself with the same filters.
    client.force_login(owner)
    assert [
        m["username"] for m in client.get("/api/v1/members?skill=zq-skill").json()["results"]
    ] == ["owner"]
