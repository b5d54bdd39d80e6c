"""A question with a picture, an answer, the answer accepted, the thread found under "Solved"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import signed_in_page
from guilde.accounts.tests.factories import MemberFactory
from guilde.accounts.tests.images import png_bytes
from guilde.communities import services as community_services
from guilde.communities.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ask_with_a_picture_answer_accept_and_find_it_solved(live_server, browser, tmp_path):
    asker = MemberFactory.create(email="asker@example.org", display_name="Ada Asker")
    helper = MemberFactory.create(email="helper@example.org", display_name="Hugo Helper")
    reader = MemberFactory.create(email="reader@example.org", display_name="Rita Reader")
    community = community_services.community_create(
        actor=asker, name="Bakers", domain="Bread", slug="bakers"
    )
    for member in (helper, reader):
        MembershipFactory.create(community=community, member=member)
    picture = tmp_path / "loaf.png"
    picture.write_bytes(png_bytes((120, 80), "brown"))

    context, ada = signed_in_page(browser, live_server, "asker@example.org")
    page = ada.page
    page.goto(live_server.url + "/communities/bakers/threads/")
    page.get_by_role("link", name="Ask a question").click()
    page.get_by_label("Title").fill("Why is my loaf so dense?")
    page.get_by_label("Text").fill("It looks like this:")
    page.get_by_label("Add a picture or a file").set_input_files(str(picture))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#id_body")).to_have_value(re.compile(r"!\[loaf\.webp\]\(/uploads/"))
    ada.assert_clean()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_selector(".post-body img")
    image_src = page.locator(".post-body img").get_attribute("src")
    assert image_src is not None
    assert image_src.startswith("/uploads/")
    thread_url = page.url
    ada.assert_clean()

    helper_context, hugo = signed_in_page(browser, live_server, "helper@example.org")
    hugo.page.goto(thread_url)
    hugo.page.get_by_role("textbox", name="Your answer").fill("Let it rise longer, somewhere warm.")
    hugo.page.get_by_role("button", name="Post my answer").click()
    hugo.page.wait_for_selector("text=Let it rise longer")
    hugo.assert_clean()
    helper_context.close()

    page.goto(thread_url)
    page.get_by_role("button", name="Accept this answer").click()
    page.get_by_text("The answer is accepted.").wait_for()
    assert page.locator(".post-accepted").count() == 1
    ada.assert_clean()
    context.close()

    reader_context, rita = signed_in_page(browser, live_server, "reader@example.org")
    rita.page.goto(live_server.url + "/communities/bakers/threads/")
    rita.page.get_by_role("link", name="Solved", exact=True).click()
    rita.page.get_by_role("link", name="Why is my loaf so dense?").wait_for()
    rita.assert_clean()
    reader_context.close()
