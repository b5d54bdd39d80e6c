from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from guilde.core import ratelimits
from guilde.core.ratelimits import Rate, allauth_rate_limits, consume, policy, rate


def test_rates_are_read_from_text():
    assert rate("10/5m/ip") == Rate(amount=10, seconds=300, per="ip")
    assert rate("600/m/user") == Rate(amount=600, seconds=60, per="user")
    with pytest.raises(ValueError, match="subject"):
        rate("1/m/planet")


def test_bench_mode_raises_every_limit_and_nothing_else():
    default, bench = policy("default"), policy("bench")
    assert default.keys() == bench.keys()
    for action, rates in default.items():
        for normal, raised in zip(rates, bench[action], strict=True):
            assert raised.amount == normal.amount * ratelimits.BENCH_FACTOR
            assert (raised.seconds, raised.per) == (normal.seconds, normal.per)
    with pytest.raises(ValueError, match="GUILDE_RATE_LIMITS"):
        policy("none")


def test_allauth_gets_its_actions_from_the_policy():
    limits = allauth_rate_limits(policy("default"))
    assert limits["login_failed"] == "10/60s/ip,5/300s/key"
    assert "api_read" not in limits


def _request(address: str = "10.0.0.1", user=None):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    return request


def test_anonymous_traffic_is_counted_per_address(settings):
    settings.RATE_LIMITS = {"api_read": (rate("3/m/user"), rate("2/m/ip"))}
    assert consume(_request("10.0.0.1"), "api_read").allowed
    assert consume(_request("10.0.0.1"), "api_read").allowed
    refused = consume(_request("10.0.0.1"), "api_read")
    assert not refused.allowed
    assert 1 <= refused.retry_after <= 60
    assert consume(_request("10.0.0.2"), "api_read").allowed


@pytest.mark.django_db
def test_members_are_counted_per_member_whatever_their_address(settings, django_user_model):
    settings.RATE_LIMITS = {"api_read": (rate("3/m/user"), rate("1/m/ip"))}
    member = django_user_model.objects.create_user("m", "m@example.org", "pw")
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert consume(_request(address, member), "api_read").allowed
    assert not consume(_request("10.0.0.4", member), "api_read").allowed


def test_an_unknown_action_is_not_limited():
    assert consume(_request(), "nothing-configured").allowed


def test_the_client_address_behind_proxies(settings):
    settings.NINJA_NUM_PROXIES = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7"
    )
    assert ratelimits.client_address(request) == "198.51.100.7"
    settings.NINJA_NUM_PROXIES = 0
    assert ratelimits.client_address(request) == "10.0.0.9"
