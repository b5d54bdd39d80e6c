"""The newcomer's journey: sign up, confirm from the mail folder, profile, token, API."""

from __future__ import annotations

import email
import json
import re
import urllib.parse
import urllib.request
from email import policy

import pytest

from guilde.core.testing import run_queued_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _confirmation_link(mail_dir) -> str:
    (message_file,) = mail_dir.glob("*.eml")
    message = email.message_from_bytes(message_file.read_bytes(), policy=policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+", part.get_content())
    assert found is not None
    return found.group(0)


def test_sign_up_confirm_complete_the_profile_and_use_a_token(
    live_server, browser_page, settings, tmp_path
):
    mail_dir = tmp_path / "mail"
    settings.MAILERS = {
        **settings.MAILERS,
        "delivery": {
            "BACKEND": "guilde.core.mail.MailFolderBackend",
            "OPTIONS": {"file_path": str(mail_dir)},
        },
    }
    page = browser_page.page

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    browser_page.assert_clean()
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")

    run_queued_tasks()  # the worker writes the confirmation mail into the mail folder
    link = _confirmation_link(mail_dir)
    page.goto(live_server.url + urllib.parse.urlsplit(link).path)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/settings/profile/")
    browser_page.assert_clean()
    page.get_by_label("Display name").fill("New Comer")
    page.get_by_label("About me").fill("I make bread and want to learn about fermentation.")
    page.get_by_label("Skills").fill("Baking, Sourdough")
    page.get_by_label("Learning goals").fill("Fermentation")
    page.get_by_label("I am open to questions").check()
    page.get_by_role("button", name="Save the profile").click()
    page.wait_for_selector("text=Your profile was saved.")

    page.goto(live_server.url + "/settings/tokens/")
    page.get_by_label("Name", exact=True).fill("my script")
    page.get_by_label("Access").select_option("write")
    page.get_by_role("button", name="Create the token").click()
    token = page.get_by_test_id("new-token").input_value()
    assert token.startswith("gld_")
    browser_page.assert_clean()

    request = urllib.request.Request(
        live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        me = json.load(response)
    assert me["username"] == "newcomer"
    assert me["name"] == "New Comer"
    assert me["skills"] == ["Baking", "Sourdough"]
    assert me["learning_goals"] == ["Fermentation"]
    assert me["open_to_questions"] is True

    page.goto(live_server.url + "/members/newcomer/")
    assert page.get_by_role("heading", level=1).inner_text() == "New Comer"
    browser_page.assert_clean()
