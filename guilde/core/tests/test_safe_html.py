"""HTML marked safe (issue 19): every ``|safe``, ``mark_safe(``, ``SafeString(`` and
``{% autoescape off %}`` in the application says why it is safe, and every source of such
HTML, fed something hostile, shows nothing that runs.

Sources covered elsewhere, not repeated here:

- Markdown itself (what every ``*_html`` field below holds): guilde/core/tests/
  test_markdown.py, ``test_known_attacks_come_out_harmless`` and the two property tests
  ``test_random_*_never_yields_anything_dangerous``.
- The composer's preview: guilde/discussions/tests/test_pages.py (the page, with a
  ``<script>``) and guilde/discussions/tests/test_api.py (the API, ``javascript:`` links).
- Search snippets and titles: guilde/search/tests/test_ranking.py (a title with ``<b>``, a
  body with ``<script>``) and guilde/search/tests/test_hostile.py (``<script>`` and
  ``onerror`` as queries, on the selector and the pages).
- Analytics charts: guilde/analytics/tests/test_charts.py,
  ``test_titles_names_and_labels_are_escaped`` (``<b>`` and ``</svg><script>`` as labels).
- Revision diffs: guilde/knowledge/tests/test_articles.py (``diff.diff`` of ``<b>``); the
  diff pages are fed a hostile article below, with its body and revisions.
- The select widgets: guilde/core/tests/test_widgets.py escapes a label with ``<&>``; the
  values and the empty label are fed something hostile below.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from django import forms
from django.conf import settings
from django.core import mail as outbox
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import guilde
from guilde.accounts.models import User
from guilde.analytics import story_services
from guilde.communities import services as community_services
from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.conversations import services as conversations
from guilde.core.testing import run_queued_tasks
from guilde.core.widgets import PlainSelect, ZoneField
from guilde.discussions import services as discussions
from guilde.discussions.models import Comment, Thread
from guilde.events import services as events
from guilde.knowledge import services as knowledge
from guilde.knowledge.models import Article
from guilde.mentoring import services as mentoring
from guilde.moderation import services as moderation
from guilde.moderation.models import Flag
from guilde.notifications import mail as notification_mail
from guilde.onboarding import services as onboarding

# The justification rule -------------------------------------------------------------------

ROOT = Path(guilde.__file__).resolve().parent
CHECKED_SUFFIXES = {".py", ".html", ".txt", ".xml", ".svg"}
SKIPPED_FOLDERS = {"tests", "migrations", "locale", "__pycache__"}

MARKED_SAFE = re.compile(
    r"\|\s*safe(?:seq)?\b"  # the filters
    r"|\bmark_safe\s*\("
    r"|\bSafeString\s*\("
    r"|\{%\s*autoescape\s+off\s*%\}"
    r"|\{%\s*filter\s[^%]*\bsafe\b"
)
JUSTIFIED = re.compile(r"#\s*safe:\s*\S")  # "# safe: why" in Python, "{# safe: why #}"


def unjustified_lines(text: str) -> list[int]:
    """The numbers of ``text``'s lines that mark HTML safe without a ``safe:`` comment on
    the same line or the line before."""
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        if not MARKED_SAFE.search(line) or JUSTIFIED.search(line):
            continue
        if number > 1 and JUSTIFIED.search(lines[number - 2]):
            continue
        found.append(number)
    return found


def _application_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*")
        if path.suffix in CHECKED_SUFFIXES
        and path.is_file()
        and not SKIPPED_FOLDERS.intersection(path.relative_to(ROOT).parts)
    )


def test_every_use_of_safe_html_says_why_it_is_safe():
    marked = 0
    problems = []
    for path in _application_files():
        text = path.read_text(encoding="utf-8")
        marked += sum(1 for line in text.splitlines() if MARKED_SAFE.search(line))
        lines = text.splitlines()
        problems += [
            f"{path.relative_to(ROOT.parent)}:{number}: {lines[number - 1].strip()}"
            for number in unjustified_lines(text)
        ]
    assert marked > 20  # the walk does reach the templates and the modules that use them
    assert problems == [], "Say why it is safe in a `safe:` comment:\n" + "\n".join(problems)


def test_the_rule_catches_an_unjustified_use_and_accepts_a_justified_one():
    sample = "\n".join(
        [
            "<div>{{ post.body_html|safe }}</div>",  # 1: caught
            "<div>{{ post.body_html|safe }}</div>{# safe: sanitised when saved #}",  # 2
            "{# safe: sanitised when saved #}",  # 3
            "<div>{{ post.body_html|safe }}</div>",  # 4: justified by line 3
            "",
            "<ul>{{ items|safeseq|unordered_list }}</ul>",  # 6: caught
            "{% autoescape off %}{{ name }}{% endautoescape %}",  # 7: caught
            "{% filter safe %}{{ name }}{% endfilter %}",  # 8: caught
            "    return mark_safe(html)  # noqa: S308",  # 9: caught (a noqa is no reason)
            "    # safe: escaped above",
            "    return mark_safe(html)  # noqa: S308",  # 11: justified by line 10
            "    value = SafeString(text)",  # 12: caught
            "    # safe:",  # an empty reason is no reason
            "    value = SafeString(text)",  # 14: caught
            "from django.utils.safestring import SafeString, mark_safe",  # an import
            "def snippet() -> SafeString:",  # a type
            'safe = "marked safe: " + mark_safe.__name__',  # neither a call nor a filter
        ]
    )
    assert unjustified_lines(sample) == [1, 6, 7, 8, 9, 12, 14]
    # A reason two lines above is too far to be read with the line.
    assert unjustified_lines("{# safe: x #}\n<p>\n{{ a|safe }}") == [3]


# What counts as markup that runs ----------------------------------------------------------

HOSTILE = "\n\n".join(
    [
        "Plain words QUILL-{name} survive.",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<svg onload="alert(1)"></svg>',
        '<a href="javascript:alert(1)">raw link</a>',
        "[markdown link](javascript:alert(1))",
        "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![picture](javascript:alert(1))",
        '<iframe src="https://evil.example/"></iframe>',
    ]
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcdoc"}
EMBEDDING_TAGS = {"iframe", "object", "embed", "frame", "base"}


class _RunnableMarkup(HTMLParser):
    """What in a page could run: scripts not served by the site, embedded frames and
    objects, event handler attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.in_script = True
            if not (values.get("src") or "").startswith(settings.STATIC_URL):
                self.found.append(f"<script src={values.get('src')!r}>")
        if tag in EMBEDDING_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(BAD_SCHEMES):
                self.found.append(f"{name}={value!r} on <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.found.append(f"inline script {data.strip()[:40]!r}")


def runnable_markup(html: str) -> list[str]:
    parser = _RunnableMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_page_check_finds_what_would_run_and_not_what_is_shown_as_text():
    assert runnable_markup(
        '<p>ok<script>alert(1)</script><img src=x onerror="alert(1)">'
        '<a href=" JaVa\tScRiPt:alert(1)">x</a><iframe src="//evil"></iframe>'
        '<script src="https://evil.example/x.js"></script></p>'
    ) == [
        "<script src=None>",
        "inline script 'alert(1)'",
        "onerror= on <img>",
        "href=' JaVa\\tScRiPt:alert(1)' on <a>",
        "<iframe>",
        "<script src='https://evil.example/x.js'>",
    ]
    escaped = "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>"
    assert runnable_markup(escaped) == []
    assert (
        runnable_markup(f'<script src="{settings.STATIC_URL}guilde/js/x.js" defer></script>') == []
    )


def _hostile(name: str) -> str:
    return HOSTILE.format(name=name)


def _assert_shown_harmless(client: Client, url: str, shown: str) -> str:
    """The page at ``url``, which shows ``shown`` (so the hostile text did reach it) and
    nothing that runs."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert shown in page, url
    assert runnable_markup(page) == [], url
    return page


def _client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _old_member(community: Community, role: str = "member") -> User:
    """A member past the new-account limits."""
    return member_of(community, role=role, date_joined=timezone.now() - timedelta(days=365))


# Each source of safe HTML, fed something hostile -------------------------------------------


@pytest.mark.django_db
def test_posts_on_the_thread_page_the_flag_page_and_the_moderation_queue():
    community = CommunityFactory.create()
    author = _old_member(community)
    coordinator = _old_member(community, role="coordinator")
    thread = discussions.thread_create(
        actor=author,
        community=community,
        kind="question",
        title="<b>Bold</b> <script>alert(1)</script> title",
        body=_hostile("opening"),
    )
    reply = discussions.post_create(actor=coordinator, thread=thread, body=_hostile("reply"))
    page = _assert_shown_harmless(_client(author), thread.get_absolute_url(), "QUILL-opening")
    assert "QUILL-reply" in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page  # the title is text
    # Visitors get the renderings kept for them, built from the same template.
    _assert_shown_harmless(Client(), thread.get_absolute_url(), "QUILL-reply")
    flagger = _old_member(community)
    flag_url = reverse("moderation:flag", args=[community.slug, reply.pk])
    _assert_shown_harmless(_client(flagger), flag_url, "QUILL-reply")
    moderation.flag_create(actor=flagger, post=reply, reason=Flag.Reason.OTHER, text="<b>x</b>")
    queue = reverse("moderation:queue", args=[community.slug])
    _assert_shown_harmless(_client(coordinator), queue, "QUILL-reply")


def _dump_file(root: str, **row: str) -> str:
    """A Stack Exchange dump file of one row (attribute values escaped as in the dumps)."""
    attributes = " ".join(f"{name}={quoteattr(value)}" for name, value in row.items())
    return f'<?xml version="1.0" encoding="utf-8"?>\n<{root}>\n  <row {attributes} />\n</{root}>\n'


# A dump's posts are HTML, its comments a little Markdown.
DUMP = {
    "Users": _dump_file(
        "users", Id="7", CreationDate="2014-01-21T20:00:00.000", DisplayName="<b>Hop</b> Head"
    ),
    "Posts": _dump_file(
        "posts",
        Id="1",
        PostTypeId="1",
        CreationDate="2014-01-21T20:26:05.383",
        Score="2",
        Body=(
            "<p>QUILL-question <script>alert(1)</script> <img src=x onerror=alert(1)> "
            '<a href="javascript:alert(1)">x</a></p>'
        ),
        OwnerUserId="7",
        LastActivityDate="2014-01-22T10:00:00.000",
        Title="Hostile <b>dump</b>",
        Tags="<hops>",
        ContentLicense="CC BY-SA 4.0",
    ),
    "Comments": _dump_file(
        "comments",
        Id="1",
        PostId="1",
        Score="1",
        Text=_hostile("comment"),
        CreationDate="2014-01-21T22:00:00.000",
        UserId="7",
        ContentLicense="CC BY-SA 4.0",
    ),
}


@pytest.mark.django_db
def test_comments_and_posts_of_a_stack_exchange_import(tmp_path):
    folder = tmp_path / "beer.stackexchange.com"
    folder.mkdir()
    for name, text in DUMP.items():
        (folder / f"{name}.xml").write_text(text, encoding="utf-8")
    call_command("import-stackexchange", str(folder), "--quiet", stdout=StringIO())
    comment = Comment.objects.get()
    assert "QUILL-comment" in comment.body_html
    thread = Thread.objects.get()
    page = _assert_shown_harmless(Client(), thread.get_absolute_url(), "QUILL-comment")
    assert "QUILL-question" in page


@pytest.mark.django_db
def test_messages_of_a_conversation():
    community = CommunityFactory.create()
    sender, recipient = member_of(community), member_of(community)
    conversation = conversations.conversation_start(
        sender=sender, recipients=[recipient], body=_hostile("message"), subject="<b>Hi</b>"
    )
    conversations.message_send(sender=recipient, conversation=conversation, body=_hostile("back"))
    url = reverse("conversations:detail", args=[conversation.pk])
    page = _assert_shown_harmless(_client(recipient), url, "QUILL-message")
    assert "QUILL-back" in page


@pytest.mark.django_db
def test_an_events_description_and_notes():
    community = CommunityFactory.create()
    host = member_of(community, role="coordinator")
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    event = events.event_create(
        actor=host,
        community=community,
        data=events.EventInput(
            title="<b>Meetup</b>",
            start=start,
            end=start + timedelta(hours=2),
            time_zone="Europe/Paris",
            venue="<b>Hall</b>",
            description=_hostile("description"),
        ),
    )
    events.followup_save(
        actor=host, event=event, notes=_hostile("notes"), recording_url="", outcomes=""
    )
    page = _assert_shown_harmless(_client(host), event.get_absolute_url(), "QUILL-description")
    assert "QUILL-notes" in page


@pytest.mark.django_db
def test_a_mentoring_programmes_description():
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    programme = mentoring.programme_create(
        actor=coordinator,
        community=community,
        data=mentoring.ProgrammeInput(name="<b>Pairs</b>", description=_hostile("programme")),
    )
    _assert_shown_harmless(_client(coordinator), programme.get_absolute_url(), "QUILL-programme")


@pytest.mark.django_db
def test_the_onboarding_welcome_message():
    community = CommunityFactory.create()
    coordinator = member_of(community, role="coordinator")
    onboarding.onboarding_update(
        actor=coordinator,
        community=community,
        welcome=_hostile("welcome"),
        starter_path=None,
        introductions=None,
        buddies=False,
    )
    url = reverse("onboarding:welcome", args=[community.slug])
    _assert_shown_harmless(_client(member_of(community)), url, "QUILL-welcome")


@pytest.mark.django_db
def test_a_storys_text():
    community = CommunityFactory.create()
    author = member_of(community)
    story = story_services.story_create(
        actor=author,
        community=community,
        data=story_services.StoryInput(
            title="<b>It helped</b>", text=_hostile("story"), cycle="applied"
        ),
    )
    _assert_shown_harmless(_client(author), story.get_absolute_url(), "QUILL-story")


@pytest.mark.django_db
def test_a_knowledge_articles_body_revisions_and_diffs():
    community = CommunityFactory.create()
    author = member_of(community)
    article = knowledge.article_create(
        actor=author,
        community=community,
        kind=Article.Kind.GUIDE,
        title="<b>Guide</b> <script>alert(1)</script>",
        body=_hostile("first"),
        publish_now=True,
    )
    knowledge.article_update(
        actor=author,
        article=article,
        title="<b>Guide</b> <img src=x onerror=alert(1)>",
        body=_hostile("second") + '\n\n<a href="javascript:alert(2)" onclick="x">more</a>',
    )
    client = _client(author)
    _assert_shown_harmless(client, article.get_absolute_url(), "QUILL-second")
    revision = reverse("knowledge:revision", args=[community.slug, article.pk, 1])
    _assert_shown_harmless(client, revision, "QUILL-first")
    diff = reverse("knowledge:diff", args=[community.slug, article.pk])
    for layout in ("side", "inline"):
        # Word by word: "QUILL-" is unchanged, "first" deleted, "second" inserted.
        page = _assert_shown_harmless(client, f"{diff}?from=1&to=2&view={layout}", "second</ins>")
        assert "first</del>" in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the source, shown as text


# Widgets rendered in Python ---------------------------------------------------------------


class _HostileChoices(forms.Form):
    choice = forms.ChoiceField(
        widget=PlainSelect,
        choices=[
            ('"><script>alert(1)</script>', "<b>Bold</b> <img src=x onerror=alert(1)>"),
            ('x" onmouseover="alert(1)', "QUILL-widget"),
        ],
        required=False,
    )


class _HostileZone(forms.Form):
    zone = ZoneField(required=False, empty_label='"><script>alert(1)</script><b>Any</b>')


def test_the_select_widgets_escape_values_labels_and_the_empty_label():
    html = str(_HostileChoices({"choice": '"><script>alert(1)</script>'})["choice"])
    assert runnable_markup(html) == []
    assert "<b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" selected' in html
    zone = str(_HostileZone({"zone": '"><script>alert(1)</script>'})["zone"])
    assert runnable_markup(zone) == []
    assert "<b>" not in zone
    assert zone.count("selected") == 0  # an unknown zone is not pasted into the options


# Plain-text mail (autoescape off) ---------------------------------------------------------


@pytest.mark.django_db
def test_mail_written_with_autoescape_off_is_sent_as_plain_text_only():
    community = CommunityFactory.create(
        name="<b>Brewers</b> & <script>alert(1)</script>", join_policy="approval"
    )
    coordinator = member_of(community, role="coordinator")
    requester = member_of(CommunityFactory.create(), display_name="<img src=x onerror=alert(1)>")
    outbox.outbox.clear()
    community_services.membership_join(actor=requester, community=community, message="")
    run_queued_tasks()
    [message] = [m for m in outbox.outbox if coordinator.email in m.to]
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", [])
    # The names are shown as they were typed: in plain text, escaping would show "&amp;".
    assert "<b>Brewers</b> & <script>alert(1)</script>" in message.body
    assert "&amp;" not in message.body


@pytest.mark.django_db
def test_a_notification_mails_html_part_is_escaped_while_its_text_part_is_not():
    community = CommunityFactory.create()
    asker = _old_member(community)
    thread = discussions.thread_create(
        actor=asker,
        community=community,
        kind="question",
        title="<b>Proofing</b> <script>alert(1)</script>",
        body="How?",
    )
    run_queued_tasks()
    discussions.post_create(actor=_old_member(community), thread=thread, body=_hostile("mail"))
    run_queued_tasks()
    outbox.outbox.clear()
    notification_mail.send_due_emails(now=timezone.now() + timedelta(minutes=5))
    run_queued_tasks()
    [message] = outbox.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert "<b>Proofing</b> <script>alert(1)</script>" in message.body
    content, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "&lt;b&gt;Proofing&lt;/b&gt;" in str(content)
    assert runnable_markup(str(content)) == []
