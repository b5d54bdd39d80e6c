"""Text analysis: words, stems and accent folding, in French and English.

A document is analysed in its language (its community's; a member's profile in the member's
interface language, else the instance's): text is normalised (NFKC), split into words
(letters and digits; underscores, apostrophes and hyphens split), lower-cased, then
stemmed with that language's Snowball stemmer (PyStemmer) and stripped of accents and
ligatures ("œ" → "oe"). French is stemmed first, then folded (the French stemmer reads
accents: "fermentée" → ``ferment``); English is folded first, then stemmed ("résumés" →
``resum``, like "resume"). So "événements", "évènement" and "evenement" all become
``even``. A query is analysed in both languages and both orders at once: each word becomes
the set of its candidate terms, and a document matches the word when it holds any of them
— so queries match across the two languages, with or without accents.

Stop words are dropped from documents (the document's language) and from queries (a word
that is a stop word in either language), unless a query holds nothing else.

:data:`ANALYSER_VERSION` changes whenever this module changes what it produces; the index
stores the version it was built with and the scheduler rebuilds it when they differ.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

ANALYSER_VERSION = 2
LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
MAX_QUERY_WORDS = 32
MAX_WORD_LENGTH = 60

# Words: letters and digits (any script); anything else, underscores included, splits.
WORD = re.compile(r"[^\W_]+", re.UNICODE)

_STEMMERS = {"en": Stemmer.Stemmer("english"), "fr": Stemmer.Stemmer("french")}


# Snowball's stop-word lists (abridged to the words that carry no meaning on their own).
def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = {
    "en": _listed(
        """
a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for
from further had has have having he her here hers herself him himself his how i if in
into is it its itself just me more most my myself no nor not now of off on once only or
other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your yours
yourself yourselves s t don
"""
    ),
    "fr": _listed(
        """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me
même mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te
tes toi ton tu un une vos votre vous c d j l à m n s t y été étée étées étés étant suis
es est sommes êtes sont serai seras sera serons serez seront serais serait serions
seriez seraient étais était étions étiez étaient fus fut fûmes fûtes furent sois soit
soyons soyez soient fusse fusses fût fussions fussiez fussent ayant eu eue eues eus ai
as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez
auraient avais avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez
aient eusse eusses eût eussions eussiez eussent ceci cela celà cet cette ici ils les
leurs quel quels quelle quelles sans soi
"""
    ),
}


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def fold(text: str) -> str:
    """``text`` without accents (NFKD, combining marks dropped) or ligatures."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def language_of(code: str | None) -> str:
    """The analyser's language for a language code ("fr-ca" → "fr"; unknown → default)."""
    short = (code or "").split("-")[0].lower()
    return short if short in _STEMMERS else DEFAULT_LANGUAGE


def words(text: str) -> list[str]:
    """The lower-cased words of ``text``, normalised (NFKC; too-long runs dropped)."""
    normalised = unicodedata.normalize("NFKC", text).lower()
    return [w for w in WORD.findall(normalised) if len(w) <= MAX_WORD_LENGTH]


@lru_cache(maxsize=200_000)
def term(word: str, language: str) -> str:
    """The index term for one lower-cased word in ``language``."""
    if language == "fr":
        return fold(_STEMMERS["fr"].stemWord(word))
    return str(_STEMMERS[language].stemWord(fold(word)))


@lru_cache(maxsize=50_000)
def candidates(word: str) -> frozenset[str]:
    """Every term a query word may stand for: each language, both orders of stemming and
    folding (a word typed without its accents still meets the accented one)."""
    found = set()
    for stemmer in _STEMMERS.values():
        found.add(fold(stemmer.stemWord(word)))
        found.add(stemmer.stemWord(fold(word)))
    return frozenset(found - {""})


def terms(text: str, language: str) -> str:
    """``text`` analysed for the index: its terms, space-separated, stop words dropped."""
    stop = STOP_WORDS[language]
    return " ".join(term(w, language) for w in words(text) if w not in stop)


@dataclass(frozen=True)
class Query:
    """An analysed query: one set of alternative terms per word, in the order typed."""

    words: tuple[str, ...]
    alternatives: tuple[frozenset[str], ...]

    def __bool__(self) -> bool:
        return bool(self.alternatives)

    @property
    def all_terms(self) -> frozenset[str]:
        return frozenset().union(*self.alternatives) if self.alternatives else frozenset()


def query_terms(text: str) -> Query:
    """Analyse what someone typed. Anything that is not a word (quotes, operators,
    punctuation, markup) is ignored, so no input can break the search."""
    typed = words(text or "")
    kept = [w for w in typed if not any(w in STOP_WORDS[lang] for lang in LANGUAGES)]
    chosen = kept or typed
    seen: dict[frozenset[str], str] = {}
    for word in chosen:
        alternatives = candidates(word)
        if alternatives and alternatives not in seen:
            seen[alternatives] = word
        if len(seen) >= MAX_QUERY_WORDS:
            break
    return Query(words=tuple(seen.values()), alternatives=tuple(seen))


def word_matches(word: str, language: str, wanted: frozenset[str]) -> bool:
    """Whether one original word (any case) matches one of the ``wanted`` terms: used to
    highlight snippets built from the original text."""
    lowered = unicodedata.normalize("NFKC", word).lower()
    return term(lowered, language) in wanted or not candidates(lowered).isdisjoint(wanted)
