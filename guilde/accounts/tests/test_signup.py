"""Sign-up, confirmation, sign-in, reset: allauth as the instance configures it."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from guilde.accounts import services
from guilde.accounts.models import InstanceSettings, Invitation, User
from guilde.accounts.tests.factories import PASSWORD, MemberFactory
from guilde.core.ratelimits import rate
from guilde.core.testing import run_queued_tasks

LINK = re.compile(r"https?://\S+")


def _sign_up(client: Client, email: str, username: str = "newcomer"):
    return client.post(
        "/accounts/signup/", {"email": email, "username": username, "password1": PASSWORD}
    )


def _links(message) -> list[str]:
    return LINK.findall(message.body)


@pytest.mark.django_db
def test_sign_up_then_confirm_the_address_from_the_mail(client):
    response = _sign_up(client, "new@example.org")
    assert response.status_code == 302
    member = User.objects.get(username="newcomer")
    assert not EmailAddress.objects.get(user=member).verified
    assert mail.outbox == []  # the confirmation leaves through the queue

    run_queued_tasks()
    assert len(mail.outbox) == 1
    confirm = next(link for link in _links(mail.outbox[0]) if "/confirm-email/" in link)
    path = confirm.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    assert client.post("/" + path).status_code == 302
    assert EmailAddress.objects.get(user=member).verified


@pytest.mark.django_db
def test_an_unconfirmed_member_cannot_sign_in(client):
    _sign_up(client, "new@example.org")
    client.logout()
    response = client.post("/accounts/login/", {"login": "new@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert client.get("/settings/profile/").status_code == 302


@pytest.mark.django_db
def test_usernames_must_suit_mentions_and_addresses(client):
    response = _sign_up(client, "x@example.org", username="bad name!")
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.org").exists()
    response = _sign_up(client, "y@example.org", username="admin")
    assert response.status_code == 200


@pytest.mark.django_db
def test_registration_limited_to_email_domains(client):
    settings_row = InstanceSettings.current()
    settings_row.registration_mode = InstanceSettings.Registration.DOMAINS
    settings_row.allowed_email_domains = ["example.org", "partner.fr"]
    settings_row.save()

    refused = _sign_up(client, "someone@gmail.test", username="outsider")
    assert refused.status_code == 200
    assert "example.org, partner.fr" in refused.content.decode()
    assert not User.objects.filter(username="outsider").exists()
    assert _sign_up(client, "someone@Partner.fr", username="partner").status_code == 302


@pytest.mark.django_db
def test_registration_by_invitation_only(client):
    settings_row = InstanceSettings.current()
    settings_row.registration_mode = InstanceSettings.Registration.INVITATION
    settings_row.save()

    closed = client.get("/accounts/signup/")
    assert "closed" in closed.content.decode().lower() or closed.status_code == 403
    assert _sign_up(client, "guest@example.org", username="gate").status_code != 302

    admin = MemberFactory.create(is_staff=True)
    services.invitation_create(actor=admin, email="guest@example.org")
    run_queued_tasks()
    link = next(link for link in _links(mail.outbox[-1]) if "/accounts/invitation/" in link)
    assert client.get(link.split("8000", 1)[1]).status_code == 302

    wrong = _sign_up(client, "other@example.org", username="other")
    assert wrong.status_code == 200
    assert _sign_up(client, "guest@example.org", username="guest").status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == User.objects.get(username="guest")
    # The invitation is used up.
    assert Client().get(link.split("8000", 1)[1]).status_code == 404


@pytest.mark.django_db
def test_failed_sign_ins_lock_the_account_for_a_while(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
    MemberFactory.create(email="target@example.org")
    for _ in range(3):
        client.post("/accounts/login/", {"login": "target@example.org", "password": "wrong"})
    # Even the right password is refused until the window has passed.
    locked = client.post("/accounts/login/", {"login": "target@example.org", "password": PASSWORD})
    assert locked.status_code == 200
    assert "Too many failed login attempts" in locked.content.decode()
    assert client.get("/settings/profile/").status_code == 302


@pytest.mark.django_db
def test_sign_in_attempts_per_address_get_429_with_retry_after(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    statuses = [
        client.post("/accounts/login/", {"login": "x@example.org", "password": "wrong"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.post("/accounts/login/", {"login": "x@example.org", "password": "wrong"})
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "Too many requests" in limited.content.decode()


@pytest.mark.django_db
def test_page_writes_are_rate_limited(client, settings):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "page_write": (rate("2/m/user"), rate("2/m/ip")),
    }
    client.force_login(MemberFactory.create())
    for _ in range(2):
        assert (
            client.post(
                "/settings/tokens/", {"name": "t", "scope": "read", "lifetime": "30"}
            ).status_code
            == 200
        )
    limited = client.post("/settings/tokens/", {"name": "t", "scope": "read", "lifetime": "30"})
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60


@pytest.mark.django_db
def test_password_reset_goes_through_the_queue(client):
    member = MemberFactory.create(email="forgetful@example.org")
    assert (
        client.post("/accounts/password/reset/", {"email": "forgetful@example.org"}).status_code
        == 302
    )
    assert mail.outbox == []
    run_queued_tasks()
    reset = next(link for link in _links(mail.outbox[0]) if "/password/reset/key/" in link)
    path = "/" + reset.split("://", 1)[1].split("/", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"password1": "a brand new passphrase", "password2": "a brand new passphrase"},
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("a brand new passphrase")


@pytest.mark.django_db
def test_changing_the_address_sends_a_confirmation(client):
    member = MemberFactory.create(email="old@example.org")
    client.force_login(member)
    response = client.post("/accounts/email/", {"action_add": "", "email": "new@example.org"})
    assert response.status_code == 302
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert EmailAddress.objects.filter(
        user=member, email="new@example.org", verified=False
    ).exists()
