"""Single sign-on without a provider running: passwords refused for SSO-only domains,
usernames from claims, configuration, the admin, the sign-in page, SAML's availability.

The sign-in flows themselves run against a real provider in ``test_sso_oidc.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from guilde.accounts.models import IdentityProvider, IdentityProviderGroupRole, User
from guilde.accounts.sso.claims import claims_of, groups_in, username_from_claims
from guilde.accounts.sso.config import oidc_apps, saml_available
from guilde.accounts.tests.factories import PASSWORD, MemberFactory, OrganisationFactory
from guilde.accounts.validators import USERNAME_VALIDATORS
from guilde.communities.tests.factories import CommunityFactory
from guilde.core.testing import ROOT, assert_constant_queries, run_queued_tasks

SAML_APP = "allauth.socialaccount.providers.saml"


def _acme_provider(**fields: Any) -> IdentityProvider:
    """Acme's provider: a social application (its button) and its mapping."""
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="acme",
        name="Acme",
        client_id="guilde",
        settings={"server_url": "http://127.0.0.1:9/"},  # never contacted by these tests
    )
    return IdentityProvider.objects.create(
        provider_id="acme", organisation=OrganisationFactory.create(name="Acme"), **fields
    )


# Passwords refused at domains that must use single sign-on -----------------------------------


@pytest.mark.django_db
def test_password_sign_in_is_refused_at_a_domain_that_must_use_its_provider():
    _acme_provider(password_disabled_domains=["acme.example"])
    MemberFactory.create(email="eve@acme.example")
    client = Client()
    response = client.post("/accounts/login/", {"login": "eve@acme.example", "password": PASSWORD})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Addresses at acme.example sign in with single sign-on" in page
    assert "Sign in with Acme" in page  # the message names the button, and the button is there
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_other_domains_still_sign_in_with_a_password():
    _acme_provider(password_disabled_domains=["acme.example"])
    MemberFactory.create(email="frank@elsewhere.example")
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "frank@elsewhere.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_domains_listed_in_the_settings_must_use_single_sign_on(settings):
    settings.GUILDE_SSO_ONLY_DOMAINS = ["Globex.example"]
    MemberFactory.create(email="gus@globex.example")
    response = Client().post(
        "/accounts/login/", {"login": "gus@globex.example", "password": PASSWORD}
    )
    assert "Addresses at globex.example sign in with single sign-on" in response.content.decode()


@pytest.mark.django_db
def test_another_address_at_such_a_domain_is_told_only_to_who_knows_the_password():
    _acme_provider(password_disabled_domains=["acme.example"])
    member = MemberFactory.create(email="hal@home.example")
    EmailAddress.objects.create(user=member, email="hal@acme.example", verified=True)
    wrong = Client().post("/accounts/login/", {"login": "hal@home.example", "password": "nope"})
    assert "single sign-on" not in wrong.content.decode()
    right = Client().post("/accounts/login/", {"login": "hal@home.example", "password": PASSWORD})
    assert "Addresses at acme.example sign in with single sign-on" in right.content.decode()


@pytest.mark.django_db
def test_password_reset_is_refused_and_sends_nothing():
    _acme_provider(password_disabled_domains=["acme.example"])
    member = MemberFactory.create(email="ivy@acme.example")
    EmailAddress.objects.create(user=member, email="ivy@home.example", verified=True)
    refused = Client().post("/accounts/password/reset/", {"email": "ivy@acme.example"})
    assert refused.status_code == 200
    assert "Addresses at acme.example sign in with single sign-on" in refused.content.decode()
    # Through their other address: the page looks as for anyone, and no mail leaves.
    other = Client().post("/accounts/password/reset/", {"email": "ivy@home.example"})
    assert other.status_code == 302
    run_queued_tasks()
    assert mail.outbox == []


@pytest.mark.django_db
def test_password_reset_elsewhere_still_sends_its_mail():
    _acme_provider(password_disabled_domains=["acme.example"])
    MemberFactory.create(email="jo@home.example")
    assert (
        Client().post("/accounts/password/reset/", {"email": "jo@home.example"}).status_code == 302
    )
    run_queued_tasks()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_sign_up_with_a_password_is_refused_at_such_a_domain():
    _acme_provider(password_disabled_domains=["acme.example"])
    response = Client().post(
        "/accounts/signup/",
        {"email": "kim@acme.example", "username": "kim", "password1": "a long enough passphrase"},
    )
    assert response.status_code == 200
    assert "Addresses at acme.example sign in with single sign-on" in response.content.decode()
    assert not User.objects.filter(username="kim").exists()


# Claims and usernames ---------------------------------------------------------------------------


def test_claims_merge_userinfo_over_the_id_token_and_read_saml_attributes():
    oidc = {"id_token": {"sub": "1", "name": "Old"}, "userinfo": {"name": "New"}}
    assert claims_of(oidc) == {"sub": "1", "name": "New"}
    assert groups_in({"groups": ["a", " b "]}, "groups") == {"a", "b"}
    assert groups_in({"roles": "a, b c"}, "roles") == {"a", "b", "c"}
    assert groups_in({"groups": ["a"]}, "") == set()
    assert groups_in(claims_of({"memberOf": ["x", "y"]}), "memberOf") == {"x", "y"}


@pytest.mark.django_db
def test_usernames_from_claims_follow_the_rules_and_are_unique():
    MemberFactory.create(username="alice")
    MemberFactory.create(username="Alice-2")
    assert username_from_claims({"preferred_username": "alice"}) == "alice-3"
    assert username_from_claims({"preferred_username": "Élodie Faure"}) == "Elodie-Faure"
    assert username_from_claims({"preferred_username": "admin", "email": "zed@x.example"}) == "zed"
    assert username_from_claims({"email": "__x@y.example", "name": "Ro"}) == "member"
    long = username_from_claims({"preferred_username": "a" * 80})
    assert len(long) <= 30
    for name in ("alice-3", "Elodie-Faure", "zed", long):
        for validator in USERNAME_VALIDATORS:
            validator(name)


# Configuration ----------------------------------------------------------------------------------


def test_providers_from_the_environment():
    raw = json.dumps(
        [
            {
                "id": "acme",
                "name": "Acme",
                "server_url": "https://id.acme.example",
                "client_id": "guilde",
                "secret": "s3cret",
                "settings": {"token_auth_method": "client_secret_basic"},
            }
        ]
    )
    assert oidc_apps(raw) == [
        {
            "provider_id": "acme",
            "name": "Acme",
            "client_id": "guilde",
            "secret": "s3cret",
            "settings": {
                "token_auth_method": "client_secret_basic",
                "server_url": "https://id.acme.example",
            },
        }
    ]
    assert oidc_apps("") == []
    with pytest.raises(ImproperlyConfigured, match="not valid JSON"):
        oidc_apps("[{")
    with pytest.raises(ImproperlyConfigured, match="lacks server_url"):
        oidc_apps('[{"id": "x", "client_id": "y"}]')


def test_saml_is_on_when_its_extra_is_installed():
    assert saml_available()
    assert SAML_APP in django_settings.INSTALLED_APPS


def test_without_the_saml_extra_the_instance_starts_without_saml(tmp_path):
    """As after `pip install guilde` without `[saml]`: python3-saml and xmlsec absent."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('onelogin', 'xmlsec'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Absent())\n"
    )
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        f"assert {SAML_APP!r} not in settings.INSTALLED_APPS\n"
        "assert 'saml' not in settings.SOCIALACCOUNT_PROVIDERS\n"
        "call_command('check')\n"
        "from django.test import Client\n"
        "print(Client().get('/healthz').status_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": f"{tmp_path}:{ROOT}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GUILDE_DATA_DIR": str(tmp_path / "data"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
# python3-saml 1.16 still calls datetime.utcnow(), deprecated since Python 3.12.
@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_a_saml_application_publishes_its_metadata():
    """SAML is tested this far (the provider's code, python3-saml and xmlsec at work), not
    against an identity provider: docs/sso.md."""
    SocialApp.objects.create(
        provider="saml",
        provider_id="acme-saml",
        name="Acme (SAML)",
        client_id="acme-saml",
        settings={
            "idp": {
                "entity_id": "https://idp.acme.example/",
                "sso_url": "https://idp.acme.example/sso",
                "x509cert": "",
            },
        },
    )
    # python3-saml accepts real host names only (not the test client's "testserver").
    response = Client(HTTP_HOST="localhost").get("/accounts/saml/acme-saml/metadata/")
    assert response.status_code == 200
    assert b"EntityDescriptor" in response.content
    assert b"/accounts/saml/acme-saml/acs/" in response.content
    assert "Sign in with Acme (SAML)" in Client().get("/accounts/login/").content.decode()


# The sign-in page and the admin -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sign_in_page_shows_one_button_per_provider_at_a_constant_cost():
    client = Client()

    def setup(count: int) -> None:
        for number in range(SocialApp.objects.count(), count):
            SocialApp.objects.create(
                provider="openid_connect",
                provider_id=f"idp-{number}",
                name=f"Provider {number}",
                client_id="guilde",
                settings={"server_url": "http://127.0.0.1:9/"},
            )

    assert_constant_queries(setup=setup, action=lambda: client.get("/accounts/login/"))
    page = client.get("/accounts/login/").content.decode()
    assert page.count('data-provider="idp-') == 20
    assert 'href="/accounts/oidc/idp-0/login/?process=login"' in page


@pytest.mark.django_db
def test_the_admin_edits_providers_and_their_group_roles():
    admin = MemberFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    organisation = OrganisationFactory.create()
    community = CommunityFactory.create()
    assert client.get("/admin/accounts/identityprovider/").status_code == 200
    assert client.get("/admin/accounts/identityprovider/add/").status_code == 200
    response = client.post(
        "/admin/accounts/identityprovider/add/",
        {
            "provider_id": "acme",
            "organisation": organisation.pk,
            "allow_signup": "on",
            "groups_claim": "groups",
            "password_disabled_domains": '["@Acme.Example"]',
            "group_roles-TOTAL_FORMS": "1",
            "group_roles-INITIAL_FORMS": "0",
            "group_roles-0-group": "brewers-coordinators",
            "group_roles-0-community": community.pk,
            "group_roles-0-role": "coordinator",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = IdentityProvider.objects.get(provider_id="acme")
    assert provider.password_disabled_domains == ["acme.example"]
    mapping = IdentityProviderGroupRole.objects.get(provider=provider)
    assert (mapping.group, mapping.community, mapping.role) == (
        "brewers-coordinators",
        community,
        "coordinator",
    )
    assert client.get(f"/admin/accounts/identityprovider/{provider.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/identityprovider/").status_code == 200
    assert client.get("/admin/socialaccount/socialapp/add/").status_code == 200
