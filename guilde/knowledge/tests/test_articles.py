"""Articles: revisions and restore, diffs, the lifecycle and its periodic job, proposals,
capture from a thread, feedback and views, privacy, and the article page's cost."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guilde.accounts import services as account_services
from guilde.accounts.tests.factories import MemberFactory
from guilde.accounts.tests.images import png_bytes, upload
from guilde.communities.models import Membership, Tag
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core.testing import assert_constant_queries, run_queued_tasks
from guilde.discussions import services as discussions
from guilde.knowledge import diff, services
from guilde.knowledge.models import Article, ArticleRevision, Proposal
from guilde.notifications.models import Kind, Notification
from guilde.uploads.services import upload_create

pytestmark = pytest.mark.django_db

FIRST = """# L’isolation des combles

Les combles perdus représentent jusqu’à 30 % des déperditions.

On pose 30 cm de laine soufflée.
"""
SECOND = """# L’isolation des combles

Les combles perdus représentent jusqu’à 25 % des déperditions thermiques.

On pose 30 cm de laine soufflée.

Vérifiez l’étanchéité à l’air avant de poser l’isolant.
"""


@pytest.fixture
def guild():
    community = CommunityFactory.create(slug="reno", language="fr")
    Tag.objects.create(community=community, name="Isolation", slug="isolation")
    return {
        "community": community,
        "coordinator": member_of(community, role="coordinator"),
        "author": member_of(community),
        "member": member_of(community),
    }


def _article(guild, body=FIRST, **fields):
    return services.article_create(
        actor=guild["author"],
        community=guild["community"],
        kind="guide",
        title="Isoler",
        body=body,
        **fields,
    )


def _api(member) -> Client:
    token = account_services.token_create(actor=member, member=member, name="t", scope="write")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_restoring_a_revision_makes_a_new_latest_revision_with_its_content(guild):
    article = _article(guild, publish_now=True)
    services.article_update(
        actor=guild["author"],
        article=article,
        title="Isoler les combles",
        body=SECOND,
        summary="Chiffres",
    )
    services.article_update(
        actor=guild["author"], article=article, title="Isoler", body="Tout autre chose"
    )
    assert (
        services.article_update(
            actor=guild["author"], article=article, title="Isoler", body="Tout autre chose"
        )
        is None
    )
    revision = services.article_restore(actor=guild["author"], article=article, number=1)
    article.refresh_from_db()
    assert (revision.number, revision.restored_from) == (4, 1)
    assert (article.revision_count, article.title, article.body) == (4, "Isoler", FIRST)
    assert list(
        ArticleRevision.objects.filter(article=article).values_list("number", flat=True)
    ) == [1, 2, 3, 4]
    assert (
        ArticleRevision.objects.get(article=article, number=2).body == SECOND
    )  # nothing rewritten
    assert "perdus représentent" in article.body_html


def test_diffs_are_word_level_within_changed_lines_and_keep_accents_whole():
    lines = diff.diff(FIRST, SECOND)
    kinds = [line.kind for line in lines]
    assert kinds == ["same", "same", "changed", "same", "same", "added", "added"]
    changed = lines[2]
    assert changed.old_html == (
        "Les combles perdus représentent jusqu’à <del>30</del> % des déperditions."
    )
    assert changed.new_html == (
        "Les combles perdus représentent jusqu’à <ins>25</ins> % "
        "des déperditions<ins> thermiques</ins>."
    )
    assert (
        lines[-1].new_html == "<ins>Vérifiez l’étanchéité à l’air avant de poser l’isolant.</ins>"
    )
    words = diff.diff("Le confort d’été", "Le confort d’hiver")[0]
    assert words.old_html == "Le confort d’<del>été</del>"
    assert words.new_html == "Le confort d’<ins>hiver</ins>"
    assert diff.diff("<b>x</b>", "<b>y</b>")[0].new_html == "&lt;b&gt;<ins>y</ins>&lt;/b&gt;"


def test_the_diff_and_history_pages(guild):
    article = _article(guild, publish_now=True)
    services.article_update(
        actor=guild["member"], article=article, title="Isoler", body=SECOND, summary="Mise à jour"
    )
    client = Client()
    page = client.get(f"/communities/reno/articles/{article.pk}/diff/?from=1&to=2").content.decode()
    assert "<ins>25</ins>" in page
    assert "<del>30</del>" in page
    inline = client.get(
        f"/communities/reno/articles/{article.pk}/diff/?from=1&to=2&view=inline"
    ).content.decode()
    assert "diff-inline" in inline
    history = client.get(f"/communities/reno/articles/{article.pk}/history/").content.decode()
    assert "Mise à jour" in history
    assert guild["member"].name in history  # a contributor
    api = client.get(f"/api/v1/articles/{article.pk}/diff?from=1&to=2").json()
    assert [list(segment) for segment in api["body"][2]["new"]][1:4] == [
        ["25", "ins"],
        [" % des déperditions", ""],
        [" thermiques", "ins"],
    ]


def test_verification_expires_into_needs_review_and_stewards_are_told(guild):
    steward = member_of(guild["community"])
    Membership.objects.filter(member=steward).update(steward=True)
    with time_machine.travel(datetime(2026, 1, 10, 9, tzinfo=UTC), tick=False):
        article = _article(guild, publish_now=True)
        services.article_verify(actor=guild["coordinator"], article=article)
    article.refresh_from_db()
    assert article.verification_expires_at == datetime(2026, 7, 9, 9, tzinfo=UTC)  # 180 days
    with time_machine.travel(datetime(2026, 7, 9, 8, tzinfo=UTC), tick=False):
        from guilde.knowledge.tasks import expire_verifications

        assert expire_verifications.call() == 0
    with time_machine.travel(datetime(2026, 7, 9, 10, tzinfo=UTC), tick=False):
        assert expire_verifications.call() == 1
        run_queued_tasks()
    article.refresh_from_db()
    assert article.status == Article.Status.NEEDS_REVIEW
    told = Notification.objects.filter(kind=Kind.KNOWLEDGE, data__event="expired")
    assert sorted(n.recipient_id for n in told) == sorted([guild["coordinator"].pk, steward.pk])
    assert "needs review" in Client().get(article.get_absolute_url()).content.decode()


def test_lifecycle_publish_report_archive(guild):
    article = _article(guild)
    assert article.status == Article.Status.DRAFT
    with pytest.raises(ValidationError, match="Publish the article"):
        services.article_verify(actor=guild["coordinator"], article=article)
    services.article_publish(actor=guild["author"], article=article)
    services.article_report_outdated(
        actor=guild["member"], article=article, text="Les aides ont changé"
    )
    article.refresh_from_db()
    assert (article.status, article.review_reason) == (
        Article.Status.NEEDS_REVIEW,
        "Les aides ont changé",
    )
    services.article_verify(actor=guild["coordinator"], article=article)
    newer = _article(guild, publish_now=True)
    with pytest.raises(PermissionDenied):
        services.article_archive(actor=guild["member"], article=article, replaced_by=newer)
    services.article_archive(actor=guild["coordinator"], article=article, replaced_by=newer)
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "archived" in page
    assert newer.get_absolute_url() in page
    with pytest.raises(PermissionDenied):
        services.article_update(actor=guild["coordinator"], article=article, title="x", body="y")


def test_changes_go_through_review_where_the_community_wants_it(guild):
    community = guild["community"]
    community.review_article_changes = True
    community.save()
    article = _article(guild, publish_now=True)
    with pytest.raises(PermissionDenied):
        services.article_update(actor=guild["member"], article=article, title="Isoler", body=SECOND)
    proposal = services.proposal_create(
        actor=guild["member"], article=article, title="Isoler", body=SECOND, summary="Chiffres 2026"
    )
    run_queued_tasks()
    assert Notification.objects.filter(
        recipient=guild["coordinator"], kind=Kind.KNOWLEDGE, data__event="proposal"
    ).exists()
    outsider = member_of(community)
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/communities/reno/articles/proposals/{proposal.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.proposal_decide(actor=guild["member"], proposal=proposal, accept=True)
    services.proposal_comment(actor=guild["coordinator"], proposal=proposal, body="Source ?")
    services.proposal_decide(
        actor=guild["coordinator"], proposal=proposal, accept=True, comment="Merci"
    )
    article.refresh_from_db()
    assert article.body == SECOND
    latest = ArticleRevision.objects.get(article=article, number=2)
    assert (latest.author, latest.summary) == (guild["member"], "Chiffres 2026")
    assert Proposal.objects.get(pk=proposal.pk).status == "accepted"
    run_queued_tasks()
    assert Notification.objects.filter(recipient=guild["member"], data__event="accepted").exists()


def test_promote_a_solved_question_with_provenance_both_ways(guild):
    community, asker, helper = guild["community"], guild["member"], guild["author"]
    question = discussions.thread_create(
        actor=asker,
        community=community,
        kind="question",
        title="Quelle épaisseur ?",
        body="Pour des combles ?",
        tags=["isolation"],
    )
    answer = discussions.post_create(actor=helper, thread=question, body="30 cm de laine soufflée.")
    discussions.post_create(actor=asker, thread=question, body="Merci !")
    discussions.answer_accept(actor=asker, thread=question, post=answer)
    source = services.source_from_thread(viewer=asker, thread=question)
    article = services.promote(actor=asker, source=source)
    assert article.status == Article.Status.DRAFT
    assert "Pour des combles ?" in article.body
    assert "30 cm de laine soufflée." in article.body
    assert "Merci !" not in article.body
    assert (article.source_type, article.source_thread) == ("thread", question)
    assert [t.slug for t in article.tags.all()] == ["isolation"]
    services.article_publish(actor=asker, article=article)
    client = Client()
    assert article.get_absolute_url() in client.get(question.get_absolute_url()).content.decode()
    assert question.get_absolute_url() in client.get(article.get_absolute_url()).content.decode()


def test_feedback_and_views(guild):
    article = _article(guild, publish_now=True)
    for member, helpful in ((guild["member"], True), (guild["coordinator"], False)):
        services.feedback_set(actor=member, article=article, helpful=helpful)
    services.feedback_set(
        actor=guild["coordinator"], article=article, helpful=True, comment="En fait oui"
    )
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (2, 0)
    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140"}
    robot = {"User-Agent": "Googlebot/2.1"}
    url = article.get_absolute_url()
    Client().get(url, headers=robot)
    Client().get(url, headers=browser)
    Client().get(url, headers=browser)  # the same visitor, the same day
    client = Client()
    client.force_login(guild["member"])
    client.get(url, headers=browser)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=browser)  # a repeat: nothing written, no write lock taken
    assert not [q for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "BEGIN"))]
    article.refresh_from_db()
    assert article.view_count == 2


def test_private_knowledge_is_invisible_and_unfetchable(guild):
    private = CommunityFactory.create(slug="secret", visibility="private", join_policy="approval")
    author = member_of(private)
    picture = upload_create(
        actor=author, community=private, file=upload("plan.png", png_bytes()), name="plan.png"
    )
    article = services.article_create(
        actor=author,
        community=private,
        kind="guide",
        title="Secret plans",
        body=f"![plan]({picture.url})",
        publish_now=True,
    )
    assert list(article.attachments.all()) == [picture]
    draft = _article(guild, body="Draft words")  # a draft in a public community
    outsider, member = MemberFactory.create(), guild["member"]
    for viewer in (None, outsider):
        client = Client()
        if viewer is not None:
            client.force_login(viewer)
        assert client.get(article.get_absolute_url()).status_code == 404
        assert client.get("/communities/secret/articles/").status_code == 404
        assert client.get(f"/communities/secret/articles/{article.pk}/history/").status_code == 404
        assert (
            client.get(f"/communities/secret/articles/{article.pk}/revisions/1/").status_code == 404
        )
        assert (
            client.get(f"/communities/secret/articles/{article.pk}/diff/?from=1&to=1").status_code
            == 404
        )
        assert client.get(f"/api/v1/articles/{article.pk}/diff?from=1&to=1").status_code == 404
        assert client.get(picture.url).status_code == 404
        assert client.get(f"/api/v1/articles/{article.pk}").status_code == 404
        assert client.get(f"/api/v1/articles/{article.pk}/revisions").status_code == 404
        assert client.get("/api/v1/communities/secret/articles").status_code == 404
        assert client.get(draft.get_absolute_url()).status_code == 404
        assert "Draft words" not in client.get("/communities/reno/articles/").content.decode()
        assert client.get(f"/api/v1/articles/{draft.pk}").status_code == 404
    client = Client()
    client.force_login(member)
    assert client.get(draft.get_absolute_url()).status_code == 404  # another member's draft
    client.force_login(guild["coordinator"])
    assert client.get(draft.get_absolute_url()).status_code == 200  # a steward
    client.force_login(author)
    assert client.get(picture.url).status_code == 200


def test_the_article_page_costs_the_same_with_more_revisions_attachments_related_and_feedback(
    guild,
):
    community = guild["community"]
    article = _article(guild, publish_now=True, tags=["isolation"])
    client = Client()
    client.force_login(guild["member"])
    readers = [member_of(community) for _ in range(3)]

    def setup(count: int) -> None:
        while article.revision_count < count:
            picture = upload_create(
                actor=guild["author"],
                community=community,
                file=upload("p.png", png_bytes()),
                name="p.png",
            )
            body = (
                "\n".join(f"![p]({u.url})" for u in article.attachments.all())
                + f"\n![p]({picture.url})\n{article.revision_count}"
            )
            services.article_update(
                actor=guild["author"], article=article, title="Isoler", body=body
            )
            article.refresh_from_db()
            services.article_create(
                actor=guild["author"],
                community=community,
                kind="guide",
                title=f"Related {count}",
                body="x",
                tags=["isolation"],
                publish_now=True,
            )
            reader = readers[article.revision_count % 3]
            services.feedback_set(
                actor=reader, article=article, helpful=article.revision_count % 2 == 0
            )

    url = article.get_absolute_url()
    for target in (url, f"{url}history/", f"/api/v1/articles/{article.pk}"):
        assert_constant_queries(setup=setup, small=1, large=20, action=partial(client.get, target))
    assert article.attachments.count() == 19  # one picture per revision after the first


def test_articles_through_the_api(guild):
    api = _api(guild["author"])
    created = api.post(
        "/api/v1/communities/reno/articles",
        {
            "kind": "case_study",
            "title": "Rue des Lilas",
            "body": "## Context\n\nUn immeuble",
            "tags": ["isolation"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    article_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert api.post(f"/api/v1/articles/{article_id}/publish").json()["status"] == "published"
    updated = api.patch(
        f"/api/v1/articles/{article_id}",
        {"title": "Rue des Lilas", "body": "Nouveau", "summary": "Réécrit"},
        content_type="application/json",
    )
    assert updated.json()["revision"] == 2
    assert (
        api.post(
            f"/api/v1/articles/{article_id}/restore", {"number": 1}, content_type="application/json"
        ).json()["number"]
        == 3
    )
    assert [
        r["number"] for r in api.get(f"/api/v1/articles/{article_id}/revisions").json()["results"]
    ] == [3, 2, 1]
    assert api.post(f"/api/v1/articles/{article_id}/verify").status_code == 403
    assert (
        _api(guild["coordinator"]).post(f"/api/v1/articles/{article_id}/verify").json()["status"]
        == "verified"
    )
    assert (
        _api(guild["member"])
        .put(
            f"/api/v1/articles/{article_id}/feedback",
            {"helpful": True},
            content_type="application/json",
        )
        .status_code
        == 204
    )
    bad = api.post(
        "/api/v1/communities/reno/articles",
        {"kind": "resource", "title": "Lien"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    listing = Client().get("/api/v1/communities/reno/articles").json()["results"]
    assert [a["title"] for a in listing] == ["Rue des Lilas"]


def test_case_studies_start_from_their_sections(guild):
    client = Client()
    client.force_login(guild["author"])
    page = client.get("/communities/reno/articles/new/?kind=case_study").content.decode()
    for heading in ("## Context", "## Challenge", "## What was done", "## Results", "## Lessons"):
        assert heading in page
    with pytest.raises(ValidationError):
        services.article_create(
            actor=guild["author"], community=guild["community"], kind="resource", title="x", body=""
        )
