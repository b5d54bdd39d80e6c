"""The duplicate-question evaluation of the search (``guilde eval-search DUMP``).

A Stack Exchange dump says which questions were closed as duplicates of which: a good
search finds the original from the duplicate's own words. The protocol:

- pairs: the dump's PostLinks with ``LinkTypeId=3`` whose two questions both exist;
- query: the duplicate's title and the first :data:`QUERY_BODY_CHARS` characters of its
  body as plain text, any "Possible duplicate" notice removed;
- search: through :func:`guilde.search.selectors.search` — the selector the page and the
  API use — as an anonymous viewer, questions only, any-word matching, the duplicate
  itself left out; stored duplicate links and closed states play no part (the selector
  reads neither);
- rank: the original's position among the first :data:`DEPTH` results (absent: a miss),
  summed up as recall at 5 and 10 and the mean reciprocal rank.

The dump is read, not the database, for the pairs and the queries; imported questions are
found through :class:`~guilde.importers.models.ImportedObject`. When the database does not
hold the dump, :func:`evaluate_in_throwaway` imports it into a fresh SQLite database in a
temporary data folder (migrate, import, evaluate: three ``guilde`` processes, no worker)
and the development database is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from guilde.discussions.models import Post, Thread
from guilde.importers import stackexchange
from guilde.importers.models import ImportedObject
from guilde.search import analysis, index
from guilde.search.models import Kind, SearchDocument
from guilde.search.selectors import SearchParams, search

QUERY_BODY_CHARS = 600
DEPTH = 100
DUPLICATE = "3"  # PostLinks' LinkTypeId of "closed as a duplicate of"
# Which links make the pairs (``--links``): duplicates, or the "related" (linked) questions.
LINKS = {"duplicates": DUPLICATE, "related": "1"}
QUESTION = "1"  # Posts' PostTypeId of a question

# The notice Stack Exchange once wrote into a duplicate's body: a block (quote or
# paragraph) that opens with one of these phrases, up to the end of that block.
_NOTICE = re.compile(
    r"<(blockquote|p)\b[^>]*>\s*(?:<[^>]+>\s*)*"
    r"(?:possible duplicates?|exact duplicates?|"
    r"this question already has (?:an )?answers? here)\b.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


class NotImported(Exception):
    """The database does not hold the dump's questions."""


@dataclass(frozen=True)
class Pair:
    """A duplicate and its original, by their ids in the dump; the duplicate's query."""

    duplicate: str
    original: str
    query: str


@dataclass(frozen=True)
class Outcome:
    pair: Pair
    # The original's rank among the results, 1 first; None when it is not among them.
    rank: int | None


@dataclass(frozen=True)
class Summary:
    pairs: int
    recall_at_5: float
    recall_at_10: float
    mrr: float
    mode: str
    links: str = "duplicates"

    def json_line(self) -> str:
        """The JSON line; ``links`` only when the pairs are not the duplicates."""
        fields = asdict(self)
        if self.links == "duplicates":
            del fields["links"]
        return json.dumps(fields)


# Queries ---------------------------------------------------------------------------------


def without_duplicate_notice(body_html: str) -> str:
    """``body_html`` without a "Possible duplicate" / "This question already has an answer
    here" block."""
    return _NOTICE.sub(" ", body_html)


def query_of(title: str, body_html: str) -> str:
    """The query for a question: its title and the start of its body as plain text."""
    body = index.html_text(without_duplicate_notice(body_html))[:QUERY_BODY_CHARS]
    return f"{title.strip()} {body}".strip()


def read_pairs(folder: Path, links_of: str = "duplicates") -> list[Pair]:
    """The duplicate links (or related links) of an extracted dump between two questions it
    holds, once each, in the dump's order: the linking question is the query, the linked
    one is to be found."""
    link_type = LINKS[links_of]
    links: list[tuple[str, str]] = []
    path = folder / "PostLinks.xml"
    if path.exists():
        for row in stackexchange.rows(path):
            if row.get("LinkTypeId") == link_type:
                link = (row.get("PostId", ""), row.get("RelatedPostId", ""))
                if link not in links:
                    links.append(link)
    wanted = {post_id for link in links for post_id in link}
    questions: dict[str, tuple[str, str]] = {}
    for row in stackexchange.rows(folder / "Posts.xml"):
        if row.get("Id") in wanted and row.get("PostTypeId") == QUESTION:
            questions[row["Id"]] = (row.get("Title", ""), row.get("Body", ""))
    return [
        Pair(duplicate=duplicate, original=original, query=query_of(*questions[duplicate]))
        for duplicate, original in links
        if duplicate in questions and original in questions and duplicate != original
    ]


# The database ----------------------------------------------------------------------------


def source_of(path: Path) -> str:
    return stackexchange.SOURCE_PREFIX + stackexchange.site_of(path)


def is_imported(path: Path) -> bool:
    """Whether the database holds questions imported from this dump's site (an
    unmigrated database holds none)."""
    if ImportedObject._meta.db_table not in connection.introspection.table_names():
        return False
    return ImportedObject.objects.filter(source=source_of(path), kind="question").exists()


def imported_threads(path: Path) -> dict[str, int]:
    """The local thread of every question imported from this dump's site, by its id there."""
    openings = dict(
        ImportedObject.objects.filter(source=source_of(path), kind="question").values_list(
            "object_id", "key"
        )
    )
    threads: dict[str, int] = {}
    ids = list(openings)
    for start in range(0, len(ids), stackexchange.BATCH):
        for post_id, thread_id in Post.objects.filter(
            pk__in=ids[start : start + stackexchange.BATCH]
        ).values_list("pk", "thread_id"):
            threads[openings[post_id]] = thread_id
    return threads


def ensure_indexed(threads: Iterable[int]) -> None:
    """Index the communities of ``threads`` when some listed thread there has no document,
    or when the index was built by another analyser: synchronously, no worker assumed."""
    communities = set(
        Thread.objects.filter(pk__in=list(threads)).values_list("community_id", flat=True)
    )
    listed = set(
        Thread.objects.listed()
        .filter(community_id__in=communities, merged_into__isnull=True)
        .values_list("pk", flat=True)
    )
    indexed = {
        int(key)
        for key in SearchDocument.objects.filter(
            kind=Kind.THREAD, community_id__in=communities
        ).values_list("object_key", flat=True)
    }
    stored = index.stored_analyser_version()
    if listed - indexed or (stored is not None and stored != analysis.ANALYSER_VERSION):
        index.index_community_content(sorted(communities))


# Ranking ---------------------------------------------------------------------------------


def ranked_questions(mode: str, query: str, duplicate: int) -> list[str]:
    """Question keys in the order the search ranks them for ``query`` in ``mode`` (keyword,
    semantic, hybrid), the duplicate itself left out."""
    page = search(
        viewer=AnonymousUser(),
        params=SearchParams(q=query, type="question", mode=mode),
        require_all=False,
        exclude=((Kind.THREAD.value, str(duplicate)),),
        per_page=DEPTH,
        facets=False,
    )
    return [result.key for result in page.results if result.kind == Kind.THREAD]


def keyword_ranking(query: str, *, duplicate: int) -> list[str]:
    return ranked_questions("keyword", query, duplicate)


Ranking = Callable[..., list[str]]  # (query, *, duplicate) -> question keys, best first

# Modes: how each ranks, and what it needs done first (other apps register theirs:
# guilde.semantic adds "semantic" and "hybrid").
RANKINGS: dict[str, Ranking] = {"keyword": keyword_ranking}
PREPARE: dict[str, Callable[[], None]] = {}


def register_mode(name: str, ranking: Ranking, prepare: Callable[[], None] | None = None) -> None:
    RANKINGS[name] = ranking
    if prepare is not None:
        PREPARE[name] = prepare


def modes() -> tuple[str, ...]:
    return tuple(RANKINGS)


def rank_of(query: str, *, original: int, duplicate: int, mode: str = "keyword") -> int | None:
    """Where ``mode`` ranks thread ``original`` for ``query``, ``duplicate`` left out."""
    ranked = RANKINGS[mode](query, duplicate=duplicate)[:DEPTH]
    return ranked.index(str(original)) + 1 if str(original) in ranked else None


def summarise(outcomes: list[Outcome], mode: str, links: str = "duplicates") -> Summary:
    n = len(outcomes)
    ranks = [o.rank for o in outcomes]

    def recall(k: int) -> float:
        return round(sum(1 for r in ranks if r is not None and r <= k) / n, 4) if n else 0.0

    mrr = round(sum(1 / r for r in ranks if r is not None) / n, 4) if n else 0.0
    return Summary(
        pairs=n, recall_at_5=recall(5), recall_at_10=recall(10), mrr=mrr, mode=mode, links=links
    )


def outcomes(path: Path, mode: str = "keyword", links: str = "duplicates") -> list[Outcome]:
    """Each pair of the dump and the original's rank, from the current database (which must
    hold the dump: :class:`NotImported` otherwise)."""
    if mode not in RANKINGS:
        raise ValueError(f"unknown mode {mode!r}")
    if not is_imported(path):
        raise NotImported(f"{stackexchange.site_of(path)} is not imported in this database")
    threads = imported_threads(path)
    ensure_indexed(threads.values())
    if mode in PREPARE:
        PREPARE[mode]()
    with stackexchange.opened(path) as folder:
        pairs = read_pairs(folder, links)
    return [
        Outcome(
            pair,
            rank_of(
                pair.query,
                original=threads[pair.original],
                duplicate=threads[pair.duplicate],
                mode=mode,
            ),
        )
        for pair in pairs
        if pair.original in threads and pair.duplicate in threads
    ]


def evaluate(path: Path, mode: str = "keyword", links: str = "duplicates") -> Summary:
    return summarise(outcomes(path, mode, links), mode, links)


# A throwaway database --------------------------------------------------------------------

# The hidden option that tells ``eval-search`` it already runs in a throwaway database.
IN_THROWAWAY = "--in-throwaway"


def _guilde(*arguments: str, env: dict[str, str]) -> str:
    """Run ``guilde ARGUMENTS`` in a process of its own; its standard output."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and command, no shell
        [sys.executable, "-m", "guilde", *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"guilde {arguments[0]} failed: {detail}")
    return done.stdout


def add_dump_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every evaluation command takes: the dump, and the hidden option the
    command passes itself when it runs again inside a throwaway database."""
    parser.add_argument("dump", type=Path, help="site.7z, or the folder of its XML files")
    parser.add_argument(
        IN_THROWAWAY, action="store_true", dest="in_throwaway", help=argparse.SUPPRESS
    )


def in_throwaway(path: Path, command: str, *arguments: str) -> str:
    """Import the dump into a fresh SQLite database in a temporary data folder, run
    ``guilde COMMAND DUMP ARGUMENTS --in-throwaway`` there, remove it all; the command's
    last line of output."""
    with tempfile.TemporaryDirectory(prefix="guilde-eval-") as data_dir:
        env = {**os.environ, "GUILDE_DATA_DIR": data_dir}
        # The throwaway database is SQLite in the temporary folder, whatever this one is.
        env.pop("DATABASE_URL", None)
        dump = str(path.resolve())
        _guilde("migrate", "--no-input", "--verbosity", "0", env=env)
        _guilde("import-stackexchange", dump, "--quiet", env=env)
        output = _guilde(command, dump, *arguments, IN_THROWAWAY, env=env)
    return output.strip().splitlines()[-1]


def evaluate_in_throwaway(path: Path, mode: str = "keyword", links: str = "duplicates") -> str:
    """:func:`evaluate` in a throwaway database; the evaluation's JSON line."""
    return in_throwaway(path, "eval-search", "--mode", mode, "--links", links)
