"""The plain text of an uploaded document, for the search index.

:func:`extract_text` takes the bytes and the content type that
:func:`guilde.uploads.services.check` gave the upload. Every document is untrusted input:

- a damaged or hostile file never raises: a warning is logged and the text is empty;
- XML is read with defusedxml (no DTD, no entity expansion, no external entity) and as a
  stream, so memory holds one paragraph at a time, not the whole part;
- a zip whose parts would unpack to more than :data:`MAX_UNPACKED_BYTES` is refused before
  anything is unpacked (``zipfile`` stops each part at its declared size, so a part cannot
  lie its way past the check);
- a PDF is read for at most :data:`MAX_PDF_PAGES` pages, and reading stops once
  :data:`MAX_CHARS` characters are collected, whatever the type.

Time is not bounded here: the task that calls this should run it under a time limit.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DefusedET
from docx import Document
from docx.oxml.document import CT_Body
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from pypdf import PdfReader

logger = logging.getLogger(__name__)

MAX_CHARS = 200_000
MAX_PDF_PAGES = 500
MAX_UNPACKED_BYTES = 50 * 1024 * 1024

# Control characters other than tab and line ends, and lone surrogates (which a PDF's font
# map can yield): a database refuses them, so they become spaces.
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Office Open XML parts use the transitional namespaces, or the strict ones.
_SPREADSHEET = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_DRAWING = (
    "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://purl.oclc.org/ooxml/drawingml/main",
)
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"

_SHEET = re.compile(r"xl/worksheets/sheet(\d+)\.xml")
_SLIDE = re.compile(r"ppt/slides/slide(\d+)\.xml")


def extract_text(data: bytes, content_type: str) -> str:
    """Plain text of a document; '' for pictures and unknown types.

    Reads PDF, Word/Excel/PowerPoint OOXML, OpenDocument text/spreadsheet/presentation,
    text/plain, text/markdown and text/csv. Never raises on a damaged or hostile file: logs
    a warning and returns ''. Output: whitespace normalised (runs of spaces collapsed,
    paragraphs separated by a newline), at most :data:`MAX_CHARS` characters.
    """
    extractor = _EXTRACTORS.get(content_type)
    if extractor is None:
        return ""
    paragraphs: list[str] = []
    length = 0
    try:
        for chunk in extractor(data):
            for line in _UNPRINTABLE.sub(" ", chunk).splitlines():
                paragraph = " ".join(line.split())
                if paragraph:
                    paragraphs.append(paragraph)
                    length += len(paragraph) + 1
            if length >= MAX_CHARS:
                break
    # A parser fed a hostile file can fail in any way (recursion, key, type, value errors);
    # whatever it is, the upload stays and is only missing from the search index.
    except Exception:
        logger.warning("No text extracted from a %s document", content_type, exc_info=True)
        return ""
    return "\n".join(paragraphs)[:MAX_CHARS].rstrip()


# Readers: each yields the document's text in order, in chunks of one or more lines. -------


def _plain(data: bytes) -> Iterator[str]:
    yield data.decode("utf-8-sig", errors="replace")


def _pdf(data: bytes) -> Iterator[str]:
    reader = PdfReader(io.BytesIO(data))
    for page in itertools.islice(reader.pages, MAX_PDF_PAGES):
        yield page.extract_text()


def _docx(data: bytes) -> Iterator[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # python-docx loads every part of the package.
        _check_unpacked_size(archive.infolist())
    # python-docx's XML layer is lxml, which has no types: the annotations say what comes.
    body: CT_Body = Document(io.BytesIO(data)).element.body
    paragraph: CT_P
    # Every paragraph of the body in document order, those in table cells (nested or not)
    # and content controls included; a merged cell is one <w:tc>, so it is read once.
    for paragraph in body.iter(qn("w:p")):
        paragraph_text: str = paragraph.text
        yield paragraph_text


def _xlsx(data: bytes) -> Iterator[str]:
    def parts(names: list[str]) -> list[str]:
        # A workbook of numbers only has no shared strings.
        shared = ["xl/sharedStrings.xml"] if "xl/sharedStrings.xml" in names else []
        return [*shared, *_numbered(names, _SHEET)]

    for part in _zip_parts(data, parts):
        yield from _paragraphs(part, _XLSX)


def _pptx(data: bytes) -> Iterator[str]:
    for part in _zip_parts(data, lambda names: _numbered(names, _SLIDE)):
        yield from _paragraphs(part, _PPTX)


def _opendocument(data: bytes) -> Iterator[str]:
    for part in _zip_parts(data, lambda names: ["content.xml"]):
        yield from _paragraphs(part, _ODF)


_EXTRACTORS: Mapping[str, Callable[[bytes], Iterator[str]]] = {
    "application/pdf": _pdf,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _docx,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _xlsx,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _pptx,
    "application/vnd.oasis.opendocument.text": _opendocument,
    "application/vnd.oasis.opendocument.spreadsheet": _opendocument,
    "application/vnd.oasis.opendocument.presentation": _opendocument,
    "text/plain": _plain,
    "text/markdown": _plain,
    "text/csv": _plain,
}


# Zip packages ------------------------------------------------------------------------------


def _check_unpacked_size(parts: list[zipfile.ZipInfo]) -> None:
    unpacked = sum(info.file_size for info in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValueError(f"the parts to read unpack to {unpacked} bytes, a zip bomb?")


def _zip_parts(data: bytes, select: Callable[[list[str]], list[str]]) -> Iterator[bytes]:
    """The selected parts of a zip package, in the order given, one at a time.

    A selected part that is missing is a KeyError.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [archive.getinfo(name) for name in select(archive.namelist())]
        _check_unpacked_size(parts)
        for info in parts:
            yield archive.read(info)


def _numbered(names: list[str], pattern: re.Pattern[str]) -> list[str]:
    """The names matching ``pattern``, in the order of the number it captures."""
    found = [(int(match[1]), name) for name in names if (match := pattern.fullmatch(name))]
    return [name for _, name in sorted(found)]


# XML parts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Markup:
    """Where the text is in one XML vocabulary."""

    paragraphs: frozenset[str]  # elements holding one paragraph each
    text: frozenset[str] | None  # elements whose text counts; None: all text (mixed content)
    skipped: frozenset[str] = frozenset()  # subtrees that are not the document's text
    characters: Mapping[str, str] = field(default_factory=dict)  # elements standing for one


def _names(namespaces: tuple[str, ...] | str, *local: str) -> frozenset[str]:
    spaces = (namespaces,) if isinstance(namespaces, str) else namespaces
    return frozenset(f"{{{space}}}{name}" for space in spaces for name in local)


# A shared string <si> or a cell's inline string <is>; <rPh> is a phonetic reading.
_XLSX = _Markup(
    _names(_SPREADSHEET, "si", "is"), _names(_SPREADSHEET, "t"), _names(_SPREADSHEET, "rPh")
)
_PPTX = _Markup(
    _names(_DRAWING, "p"),
    _names(_DRAWING, "t"),
    characters=dict.fromkeys(_names(_DRAWING, "br"), "\n"),
)
_ODF = _Markup(
    _names(_ODF_TEXT, "p", "h"),
    None,
    # Comments, deleted text kept for change tracking, and a presentation's speaker notes.
    _names(_ODF_OFFICE, "annotation")
    | _names(_ODF_TEXT, "tracked-changes")
    | _names(_ODF_PRESENTATION, "notes"),
    {
        f"{{{_ODF_TEXT}}}s": " ",
        f"{{{_ODF_TEXT}}}tab": "\t",
        f"{{{_ODF_TEXT}}}line-break": "\n",
    },
)


def _paragraphs(part: bytes, markup: _Markup) -> Iterator[str]:
    """The text of each outermost paragraph of an XML part, holding one at a time."""
    holding = markup.paragraphs | markup.skipped
    open_elements: list[Element] = []
    depth = 0  # how many paragraph or skipped elements are open
    events = DefusedET.iterparse(io.BytesIO(part), events=("start", "end"), forbid_dtd=True)
    for event, element in events:
        if event == "start":
            open_elements.append(element)
            if element.tag in holding:
                depth += 1
            continue
        open_elements.pop()
        if element.tag in holding:
            depth -= 1
        if depth == 0:
            if element.tag in markup.paragraphs:
                yield _paragraph_text(element, markup)
            # Outside any paragraph, an element that has ended is not needed any more.
            if open_elements:
                open_elements[-1].remove(element)


def _paragraph_text(paragraph: Element, markup: _Markup) -> str:
    parts: list[str] = []
    # Depth first without recursion: a hostile file may nest deeper than Python's stack.
    pending: list[Element | str] = [paragraph]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item is not paragraph and item.tail and markup.text is None:
            pending.append(item.tail)  # taken after the element's own content
        if item.tag in markup.skipped:
            continue
        if item is not paragraph and item.tag in markup.paragraphs:
            parts.append("\n")  # a paragraph within a paragraph: a note, a frame's caption
        parts.append(markup.characters.get(item.tag, ""))
        if item.text and (markup.text is None or item.tag in markup.text):
            parts.append(item.text)
        pending.extend(reversed(item))
    return "".join(parts)
