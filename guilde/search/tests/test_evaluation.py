"""The duplicate-question evaluation, on a small dump the tests write and import."""

from __future__ import annotations

import json
from html import escape
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from guilde.importers import stackexchange
from guilde.search import evaluation, index

pytestmark = pytest.mark.django_db

USERS = """<?xml version="1.0" encoding="utf-8"?>
<users>
  <row Id="7" CreationDate="2015-03-01T10:00:00.000" DisplayName="Barista Bo" />
</users>
"""
NOTICE = (
    "<blockquote><p><strong>Possible Duplicate:</strong><br>"
    '<a href="https://coffee.stackexchange.com/q/5">Grinding cardamom pods for masala chai'
    " spice</a></p></blockquote>"
)
ROW = (
    '  <row Id="{id}" PostTypeId="1" CreationDate="2015-03-0{id}T10:00:00.000" OwnerUserId="7"'
    ' LastActivityDate="2015-03-0{id}T10:00:00.000" Title="{title}" Body="{body}" />\n'
)
# Id, title and HTML body of each question.
QUESTIONS = [
    (
        "1",
        "How do I keep a sourdough starter alive?",
        "<p>My sourdough starter smells of hooch.</p>",
    ),
    ("2", "Sourdough starter dying", "<p>What feeding keeps a sourdough starter alive?</p>"),
    ("3", "Why is my espresso bitter?", "<p>Espresso shots taste bitter and burnt.</p>"),
    ("4", "Bitter espresso shots", "<p>How do I stop espresso tasting bitter?</p>"),
    (
        "5",
        "Grinding cardamom pods for masala chai spice",
        "<p>Which grinder for cardamom chai?</p>",
    ),
    ("6", "Hooch on my sourdough starter", NOTICE + "<p>Is this starter alive?</p>"),
]
POSTS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
    + "".join(
        ROW.format(id=key, title=escape(title), body=escape(body)) for key, title, body in QUESTIONS
    )
    + "</posts>\n"
)
LINKS = """<?xml version="1.0" encoding="utf-8"?>
<postlinks>
  <row Id="1" CreationDate="2015-03-09T10:00:00.000" PostId="2" RelatedPostId="1" LinkTypeId="3" />
  <row Id="2" CreationDate="2015-03-09T10:00:00.000" PostId="4" RelatedPostId="3" LinkTypeId="3" />
  <row Id="3" CreationDate="2015-03-09T10:00:00.000" PostId="6" RelatedPostId="1" LinkTypeId="3" />
  <row Id="4" CreationDate="2015-03-09T10:00:00.000" PostId="6" RelatedPostId="44" LinkTypeId="3" />
  <row Id="5" CreationDate="2015-03-09T10:00:00.000" PostId="5" RelatedPostId="3" LinkTypeId="1" />
</postlinks>
"""


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    folder = tmp_path / "coffee.stackexchange.com"
    folder.mkdir()
    for name, text in {"Users": USERS, "Posts": POSTS, "PostLinks": LINKS}.items():
        (folder / f"{name}.xml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def imported(dump: Path) -> Path:
    stackexchange.import_dump(dump, slug="coffee", private=False, progress=False)
    return dump


def test_pairs_are_duplicate_links_between_questions_of_the_dump(dump):
    pairs = evaluation.read_pairs(dump)
    assert [(p.duplicate, p.original) for p in pairs] == [("2", "1"), ("4", "3"), ("6", "1")]
    assert pairs[0].query == (
        "Sourdough starter dying What feeding keeps a sourdough starter alive?"
    )


@pytest.mark.parametrize(
    "notice",
    [
        "<blockquote><p><strong>Possible Duplicate:</strong><br>"
        '<a href="/q/5">Grinding cardamom</a></p></blockquote>',
        "<blockquote>\n  <p><strong>This question already has an answer here:</strong></p>\n"
        '  <ul><li><a href="/q/5">Grinding cardamom</a> <span>2 answers</span></li></ul>\n'
        "</blockquote>",
        '<p><strong>Possible Duplicates:</strong><br><a href="/q/5">Grinding cardamom</a></p>',
    ],
)
def test_the_query_leaves_out_a_possible_duplicate_notice(notice):
    query = evaluation.query_of("Hooch", f"{notice}\n<p>Is my <em>starter</em> alive?</p>")
    assert query == "Hooch Is my starter alive?"


def test_the_query_keeps_the_first_600_characters_of_the_body():
    query = evaluation.query_of("Title", "<p>" + "brewed " * 100 + "</p>")
    assert query.startswith("Title brewed brewed")
    assert len(query) == len("Title ") + evaluation.QUERY_BODY_CHARS


def test_originals_rank_first(imported):
    outcomes = evaluation.outcomes(imported)
    assert [o.rank for o in outcomes] == [1, 1, 1]
    summary = evaluation.summarise(outcomes, "keyword")
    assert (summary.recall_at_5, summary.recall_at_10, summary.mrr) == (1.0, 1.0, 1.0)


def test_the_notice_would_have_misled_the_search(imported):
    threads = evaluation.imported_threads(imported)
    _key, title, body = QUESTIONS[5]
    with_notice = f"{title} {index.html_text(body)}"
    assert "cardamom" in with_notice
    # Kept, the notice's words put the question it names above the original.
    assert evaluation.rank_of(with_notice, original=threads["1"], duplicate=threads["6"]) != 1


def test_the_command_prints_one_json_line(imported):
    out = StringIO()
    call_command("eval-search", str(imported), "--mode", "keyword", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "pairs": 3,
        "recall_at_5": 1.0,
        "recall_at_10": 1.0,
        "mrr": 1.0,
        "mode": "keyword",
    }


def test_a_dump_not_imported_is_evaluated_in_a_throwaway_database(dump, monkeypatch):
    calls = []

    def throwaway(path: Path, mode: str, links: str) -> str:
        calls.append((path, mode, links))
        return '{"pairs": 0}'

    monkeypatch.setattr(evaluation, "evaluate_in_throwaway", throwaway)
    out = StringIO()
    call_command("eval-search", str(dump), stdout=out)
    assert calls == [(dump, "keyword", "duplicates")]
    assert out.getvalue().strip() == '{"pairs": 0}'


def test_related_links_make_pairs_of_their_own(imported):
    """``--links related``: the dump's related links (LinkTypeId 1), the linking question
    as the query; the JSON says which links it used."""
    with stackexchange.opened(imported) as folder:
        pairs = evaluation.read_pairs(folder, "related")
    assert [(p.duplicate, p.original) for p in pairs] == [("5", "3")]
    out = StringIO()
    call_command("eval-search", str(imported), "--links", "related", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["pairs"], result["mode"], result["links"]) == (1, "keyword", "related")
