"""Single sign-on through OpenID Connect, against a real provider on loopback.

``oidc-provider-mock`` speaks the protocol (discovery, authorization with a login form,
code, token, userinfo, JWKS) from a thread on 127.0.0.1; allauth fetches its discovery
document and exchanges the code over HTTP, as it would with any provider. The tests play
the browser: follow Guilde's redirect to the provider, submit its form as a chosen person,
follow the redirect back to Guilde's callback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import oidc_provider_mock
import pytest
import requests
import werkzeug.serving
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client

from guilde.accounts.models import Affiliation, IdentityProvider, IdentityProviderGroupRole, User
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory
from guilde.communities.models import Membership
from guilde.communities.tests.factories import CommunityFactory, MembershipFactory


@dataclass
class Provider:
    """A running OpenID Connect provider: its address, and the people it knows."""

    url: str

    def person(self, sub: str, **claims: Any) -> str:
        """Tell the provider who ``sub`` is (the claims it will assert); returns ``sub``."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()
        return sub


@contextmanager
def running_provider() -> Iterator[Provider]:
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=False), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Provider(url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def second_provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def oidc_app_in_settings(settings: Any, provider_id: str, name: str, provider: Provider) -> None:
    """A provider configured the settings' way (what GUILDE_OIDC_PROVIDERS produces)."""
    apps = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "openid_connect": {
            "APPS": [
                *apps,
                {
                    "provider_id": provider_id,
                    "name": name,
                    "client_id": f"guilde-{provider_id}",
                    "secret": "not-checked-by-the-mock",
                    "settings": {"server_url": provider.url},
                },
            ]
        },
    }


def oidc_app_in_database(provider_id: str, name: str, provider: Provider) -> SocialApp:
    """A provider configured the admin's way (a social application row)."""
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id=provider_id,
        name=name,
        client_id=f"guilde-{provider_id}",
        secret="not-checked-by-the-mock",
        settings={"server_url": provider.url},
    )


def sign_in_through(client: Client, provider_id: str, sub: str) -> Any:
    """Play the browser: Guilde → the provider's form, submitted as ``sub`` → Guilde.

    Returns Guilde's answer to the callback.
    """
    start = client.get(f"/accounts/oidc/{provider_id}/login/", {"process": "login"})
    assert start.status_code == 302, start
    authorize = start["Location"]
    with requests.Session() as browser:
        form = browser.get(authorize, timeout=5)
        assert form.status_code == 200
        assert 'name="sub"' in form.text  # the provider's own login form
        chosen = browser.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert chosen.status_code == 302, chosen.text
    back = urlsplit(chosen.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


@pytest.mark.django_db
def test_sign_in_creates_the_member_just_in_time(settings, provider):
    organisation = OrganisationFactory.create(name="Acme")
    IdentityProvider.objects.create(provider_id="acme", organisation=organisation)
    oidc_app_in_settings(settings, "acme", "Acme", provider)
    sub = provider.person(
        "alice-1",
        email="alice@acme.example",
        email_verified=True,
        preferred_username="alice",
        name="Alice Martin",
    )
    client = Client()
    response = sign_in_through(client, "acme", sub)
    assert response.status_code == 302, response.content
    member = User.objects.get(username="alice")
    assert member.display_name == "Alice Martin"
    assert client.session["_auth_user_id"] == str(member.pk)
    affiliation = Affiliation.objects.get(member=member)
    assert affiliation.organisation == organisation
    assert affiliation.confirmed_by == Affiliation.Confirmation.SSO


@pytest.mark.django_db(transaction=True)
def test_sign_in_over_http_end_to_end(settings, provider, live_server):
    """Every hop over HTTP: the browser (requests) to Guilde (live server) and to the
    provider; Guilde to the provider for discovery, token and userinfo."""
    organisation = OrganisationFactory.create(name="Acme")
    IdentityProvider.objects.create(provider_id="acme", organisation=organisation)
    oidc_app_in_settings(settings, "acme", "Acme", provider)
    sub = provider.person(
        "bruno-7",
        email="bruno@acme.example",
        email_verified=True,
        preferred_username="bruno",
        name="Bruno Leclerc",
    )
    with requests.Session() as browser:
        page = browser.get(f"{live_server.url}/accounts/login/", timeout=10)
        assert "Sign in with Acme" in page.text  # the provider's button
        start = browser.get(
            f"{live_server.url}/accounts/oidc/acme/login/?process=login",
            allow_redirects=False,
            timeout=10,
        )
        assert start.status_code == 302
        authorize = start.headers["Location"]
        assert authorize.startswith(f"{provider.url}/oauth2/authorize?")
        assert browser.get(authorize, timeout=10).status_code == 200
        back = browser.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert back.headers["Location"].startswith(f"{live_server.url}/accounts/oidc/acme/")
        landed = browser.get(back.headers["Location"], allow_redirects=False, timeout=10)
        assert landed.status_code == 302, landed.text
        profile = browser.get(
            f"{live_server.url}/settings/profile/", allow_redirects=False, timeout=10
        )
    assert profile.status_code == 200  # signed in
    member = User.objects.get(username="bruno")
    assert "Bruno Leclerc" in profile.text
    assert EmailAddress.objects.get(user=member).verified
    assert SocialAccount.objects.get(user=member).uid == "bruno-7"
    assert Affiliation.objects.get(member=member, organisation=organisation).confirmed_by == "sso"


@pytest.mark.django_db
def test_two_providers_at_once_each_for_its_organisation(settings, provider, second_provider):
    acme = OrganisationFactory.create(name="Acme")
    globex = OrganisationFactory.create(name="Globex")
    IdentityProvider.objects.create(provider_id="acme", organisation=acme)
    IdentityProvider.objects.create(provider_id="globex", organisation=globex)
    oidc_app_in_settings(settings, "acme", "Acme", provider)  # from the settings
    oidc_app_in_database("globex", "Globex", second_provider)  # from the admin
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with Acme" in page
    assert "Sign in with Globex" in page

    alice = provider.person("a-1", email="alice@acme.example", email_verified=True)
    gina = second_provider.person("g-1", email="gina@globex.example", email_verified=True)
    assert sign_in_through(Client(), "acme", alice).status_code == 302
    assert sign_in_through(Client(), "globex", gina).status_code == 302

    from_acme = User.objects.get(email="alice@acme.example")
    from_globex = User.objects.get(email="gina@globex.example")
    assert [a.organisation for a in Affiliation.objects.filter(member=from_acme)] == [acme]
    assert [a.organisation for a in Affiliation.objects.filter(member=from_globex)] == [globex]
    assert SocialAccount.objects.get(user=from_globex).provider == "globex"
    # The same subject at two providers is two people.
    same = second_provider.person("a-1", email="other@globex.example", email_verified=True)
    assert sign_in_through(Client(), "globex", same).status_code == 302
    assert User.objects.get(email="other@globex.example") != from_acme


@pytest.mark.django_db
def test_groups_map_to_community_roles(settings, provider):
    organisation = OrganisationFactory.create()
    brewing = CommunityFactory.create(slug="brewing")
    tasting = CommunityFactory.create(slug="tasting")
    baking = CommunityFactory.create(slug="baking")
    idp = IdentityProvider.objects.create(provider_id="acme", organisation=organisation)
    for group, community, role in [
        ("brewers-coordinators", brewing, "coordinator"),
        ("everyone", brewing, "member"),
        ("everyone", tasting, "member"),
        ("bakers", baking, "moderator"),
    ]:
        IdentityProviderGroupRole.objects.create(
            provider=idp, group=group, community=community, role=role
        )
    oidc_app_in_settings(settings, "acme", "Acme", provider)
    sub = provider.person(
        "c-1",
        email="carla@acme.example",
        email_verified=True,
        preferred_username="carla",
        groups=["brewers-coordinators", "everyone", "not-mapped"],
    )
    assert sign_in_through(Client(), "acme", sub).status_code == 302
    carla = User.objects.get(username="carla")
    roles = {
        m.community.slug: (m.role, m.status)
        for m in Membership.objects.filter(member=carla).select_related("community")
    }
    # The highest role a community's groups give; a group not listed gives nothing.
    assert roles == {"brewing": ("coordinator", "active"), "tasting": ("member", "active")}

    # Next sign-in: now also a baker; an earlier request to join baking is granted with it.
    Membership.objects.filter(member=carla, community=tasting).update(role="moderator")
    MembershipFactory.create(
        member=carla, community=baking, status="pending", joined_at=None, role="member"
    )
    provider.person(
        "c-1",
        email="carla@acme.example",
        email_verified=True,
        preferred_username="carla",
        groups=["everyone", "bakers"],
    )
    assert sign_in_through(Client(), "acme", sub).status_code == 302
    roles = {
        m.community.slug: (m.role, m.status)
        for m in Membership.objects.filter(member=carla).select_related("community")
    }
    # Granted or raised, never lowered here: a coordinator decides that.
    assert roles == {
        "brewing": ("coordinator", "active"),
        "tasting": ("moderator", "active"),
        "baking": ("moderator", "active"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asserted", "local", "links"),
    [(True, True, True), (False, True, False), (True, False, False), (None, True, False)],
    ids=["both-verified", "provider-unverified", "local-unverified", "provider-silent"],
)
def test_an_existing_account_is_linked_only_when_both_sides_verified(
    settings, provider, asserted, local, links
):
    organisation = OrganisationFactory.create()
    IdentityProvider.objects.create(provider_id="acme", organisation=organisation)
    oidc_app_in_settings(settings, "acme", "Acme", provider)
    existing = MemberFactory.create(username="dora", email="dora@acme.example", verified=local)
    if not local:
        EmailAddress.objects.create(user=existing, email=existing.email, verified=False)
    claims: dict[str, Any] = {"email": "dora@acme.example", "preferred_username": "dora"}
    if asserted is not None:
        claims["email_verified"] = asserted
    sub = provider.person("d-1", **claims)
    client = Client()
    sign_in_through(client, "acme", sub)
    existing.refresh_from_db()
    if links:
        assert client.session["_auth_user_id"] == str(existing.pk)
        assert SocialAccount.objects.get(user=existing).uid == "d-1"
        assert existing.has_usable_password()  # a verified owner keeps their password
        assert Affiliation.objects.get(member=existing).confirmed_by == "sso"
    else:
        assert client.session.get("_auth_user_id") != str(existing.pk)
        assert not SocialAccount.objects.filter(user=existing).exists()
        assert not Affiliation.objects.filter(member=existing).exists()
        assert existing.has_usable_password()
        assert User.objects.filter(email__iexact="dora@acme.example").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_browser_signs_in_with_the_button(settings, provider, live_server, browser_page):
    """In chromium, under Guilde's CSP: the button, the provider's form, back signed in.

    A button that posted a form to Guilde, redirected to the provider, would be blocked
    by the CSP's ``form-action 'self'``: the buttons are links (docs/sso.md)."""
    IdentityProvider.objects.create(provider_id="acme", organisation=OrganisationFactory.create())
    oidc_app_in_settings(settings, "acme", "Acme", provider)
    provider.person("lena-3", email="lena@acme.example", email_verified=True, name="Lena Roy")
    page = browser_page.page
    page.goto(live_server.url + "/accounts/login/")
    browser_page.assert_clean()
    page.get_by_role("link", name="Sign in with Acme").click()
    page.wait_for_url(f"{provider.url}/oauth2/authorize?*")
    page.fill("#subject-input", "lena-3")
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/settings/profile/")
    assert page.url == live_server.url + "/settings/profile/"  # signed in: not sent away
    assert browser_page.csp_violations == []
    assert User.objects.get(email="lena@acme.example").display_name == "Lena Roy"
