"""In a browser: a member flags a post, a moderator decides from the queue, locks the thread
with a reason; the member reads the decision and appeals. Pages are accessible, CSP-clean."""

from __future__ import annotations

import pytest

from conftest import signed_in_page
from guilde.accounts.tests.factories import MemberFactory
from guilde.communities import services as community_services
from guilde.communities.tests.factories import MembershipFactory
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_flag_decide_lock_and_appeal(live_server, browser):
    coordinator = MemberFactory.create(email="coord@example.org", display_name="Cora Coordinator")
    moderator = MemberFactory.create(email="mod@example.org", display_name="Mo Moderator")
    writer = MemberFactory.create(email="writer@example.org", display_name="Wes Writer")
    flagger = MemberFactory.create(email="flagger@example.org", display_name="Fay Flagger")
    community = community_services.community_create(
        actor=coordinator, name="Bakers", domain="Bread", slug="bakers", charter="Be kind."
    )
    MembershipFactory.create(community=community, member=moderator, role="moderator")
    for member in (writer, flagger):
        MembershipFactory.create(community=community, member=member)
    thread = discussions.thread_create(
        actor=coordinator,
        community=community,
        kind="discussion",
        title="Rye starters",
        body="Share yours",
    )
    discussions.post_create(actor=writer, thread=thread, body="Buy my miracle starter now")

    context, fay = signed_in_page(browser, live_server, "flagger@example.org")
    fay.page.goto(live_server.url + thread.get_absolute_url())
    fay.page.locator("#post-2").get_by_role("link", name="Flag", exact=True).click()
    fay.page.get_by_label("Spam").check()
    fay.assert_clean()
    fay.page.get_by_role("button", name="Flag").click()
    fay.page.get_by_text("Thank you: the moderators will look at this post.").wait_for()
    context.close()

    context, mo = signed_in_page(browser, live_server, "mod@example.org")
    mo.page.goto(live_server.url + "/communities/bakers/moderation/")
    mo.page.get_by_text("Spam × 1").wait_for()
    mo.assert_clean()
    mo.page.get_by_label("Reason (optional)").fill("Advertising")
    mo.page.get_by_role("button", name="Agree and hide").click()
    mo.page.get_by_text("Nothing is waiting.").wait_for()
    mo.page.goto(live_server.url + thread.get_absolute_url())
    mo.page.get_by_role("link", name="Moderate this thread").click()
    mo.assert_clean()
    mo.page.get_by_label("Why (shown to readers)").fill("Heated; back tomorrow")
    mo.page.get_by_role("button", name="Lock", exact=True).click()
    mo.page.get_by_text("Done.").wait_for()
    mo.page.goto(live_server.url + thread.get_absolute_url())
    mo.page.get_by_text("Heated; back tomorrow").wait_for()
    context.close()

    run_queued_tasks()
    context, wes = signed_in_page(browser, live_server, "writer@example.org", locale="fr-FR")
    wes.page.goto(live_server.url + "/notifications/")
    wes.page.get_by_role(
        "link", name="Un modérateur a masqué votre message", exact=False
    ).first.click()
    wes.page.get_by_text("Advertising").wait_for()
    wes.assert_clean()
    wes.page.get_by_label("Pourquoi cette décision devrait-elle changer ?").fill("It was a joke")
    wes.page.get_by_role("button", name="Envoyer mon appel").click()
    wes.page.get_by_text("Votre appel est envoyé").wait_for()
    context.close()

    context, cora = signed_in_page(browser, live_server, "coord@example.org")
    cora.page.goto(live_server.url + "/communities/bakers/moderation/")
    cora.page.get_by_text("It was a joke").wait_for()
    cora.assert_clean()
    cora.page.goto(live_server.url + "/communities/bakers/moderation/log/")
    cora.page.get_by_text("Advertising").first.wait_for()
    cora.assert_clean()
    context.close()
