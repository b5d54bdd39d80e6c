"""Words as people type them: French and English stemming, accents and case, queries that
cross languages, stop words and elision — on SQLite's analyser and PostgreSQL's
configurations alike."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from guilde.communities.models import Community
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.discussions import services as discussions
from guilde.discussions.models import Thread
from guilde.search.selectors import SearchParams, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def french() -> Community:
    return CommunityFactory.create(
        name="Brasseurs", slug="brasseurs", domain="Brassage amateur", language="fr"
    )


@pytest.fixture
def english() -> Community:
    return CommunityFactory.create(
        name="Brewers", slug="brewers", domain="Home brewing", language="en"
    )


def _thread(community: Community, title: str, body: str = "Rien de plus.") -> Thread:
    return discussions.thread_create(
        actor=member_of(community), community=community, kind="discussion", title=title, body=body
    )


def _found(q: str, **params: Any) -> list[Thread]:
    page = search(viewer=AnonymousUser(), params=SearchParams(q=q, type="thread", **params))
    return list(Thread.objects.filter(pk__in=[int(r.key) for r in page.results]).order_by("pk"))


@pytest.mark.parametrize(
    "query",
    ["evenement", "évènement", "événement", "EVENEMENTS", "Événements", "evenements"],
)
def test_french_words_are_found_whatever_their_accents_case_and_number(
    french: Community, query: str
) -> None:
    thread = _thread(french, "Calendrier des événements du club")
    _thread(french, "Calendrier des brassages du club")
    assert _found(query) == [thread]


@pytest.mark.parametrize("query", ["run", "runs", "running", "RUNNING"])
def test_english_words_are_found_in_other_forms(english: Community, query: str) -> None:
    thread = _thread(english, "Running the fermenter cold", "Nothing more.")
    _thread(english, "Cleaning the fermenter", "Nothing more.")
    assert _found(query) == [thread]


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Polishing résumés", "resume"),
        ("Polishing résumés", "résumé"),
        ("Polishing resumes", "résumés"),
        ("Notes for protégés", "protege"),
        ("Rosé cider", "rose"),
    ],
)
def test_english_words_with_accents_are_found_without_them(
    english: Community, title: str, query: str
) -> None:
    # Accents are folded whatever the language: an English document's borrowed words too.
    thread = _thread(english, title, "Nothing more.")
    _thread(english, "Something else", "Nothing more.")
    assert _found(query) == [thread]


def test_a_query_in_french_finds_an_english_document_when_the_stems_meet(
    english: Community, french: Community
) -> None:
    english_thread = _thread(english, "Fermented cider at low temperatures", "Nothing more.")
    french_thread = _thread(french, "La fermentation malolactique")
    assert _found("fermentée températures") == [english_thread]
    assert _found("fermenting") == [english_thread, french_thread]
    assert _found("fermentations") == [english_thread, french_thread]


@pytest.mark.parametrize("query", ["événements", "evenement", "running"])
def test_a_word_is_found_in_documents_of_either_language(
    english: Community, french: Community, query: str
) -> None:
    # The same words are stemmed differently in each document's language ("événements":
    # "even" in French, "evenement" in English; "running": "running" and "run").
    in_english = _thread(english, "Running événements", "Nothing more.")
    in_french = _thread(french, "Running événements")
    assert _found(query) == [in_english, in_french]


def test_stop_words_do_not_block_an_all_words_search(english: Community, french: Community) -> None:
    hops = _thread(english, "Hops varieties", "Cascade, Citra, Mosaic.")
    houblons = _thread(french, "Houblons aromatiques")
    assert _found("the hops") == [hops]
    assert _found("hops of the") == [hops]
    assert _found("les houblons") == [houblons]
    assert _found("des houblons pour le") == [houblons]


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Le houblon de Bourgogne", "l'houblon"),
        ("Le houblon de Bourgogne", "l’houblon"),
        ("L'orge maltée", "orge"),
        ("L’orge maltée", "orge"),
        ("L'orge maltée", "d'orge"),
        ("Qu'est-ce qu'une levure ?", "levure"),
    ],
)
def test_french_elision_leaves_the_word_after_the_apostrophe(
    french: Community, title: str, query: str
) -> None:
    thread = _thread(french, title)
    _thread(french, "Autre chose")
    assert _found(query) == [thread]


def test_english_possessives_and_hyphenated_words(english: Community) -> None:
    yeast = _thread(english, "Brewer's yeast for bread", "Nothing more.")
    pale = _thread(english, "A pale-ale recipe", "Nothing more.")
    assert _found("brewer yeast") == [yeast]
    assert _found("brewers") == [yeast]
    assert _found("pale ale") == [pale]
    assert _found("pale-ale") == [pale]


def test_a_query_typed_in_decomposed_unicode_finds_composed_text(french: Community) -> None:
    # macOS and some keyboards send "é" as "e" + U+0301 (NFD). The analyser must see one
    # word, not "e" and "ve" and "nements".
    thread = _thread(french, "Calendrier des événements du club")
    decomposed = unicodedata.normalize("NFD", "événements")
    assert decomposed != "événements"
    assert _found(decomposed) == [thread]


def test_decomposed_text_in_a_document_is_found_by_a_composed_query(french: Community) -> None:
    thread = _thread(french, unicodedata.normalize("NFD", "Calendrier des événements"))
    assert _found("événements") == [thread]


@pytest.mark.parametrize(
    ("title", "query"),
    [("Cours d'œnologie", "oenologie"), ("Cours d'oenologie", "œnologie")],
)
def test_the_oe_ligature_folds_like_its_letters(french: Community, title: str, query: str) -> None:
    # French writes "œ" and types "oe" interchangeably (PostgreSQL's unaccent folds them).
    thread = _thread(french, title)
    assert _found(query) == [thread]
