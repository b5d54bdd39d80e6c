from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator

import docx
import pytest

from guilde.uploads import text
from guilde.uploads.services import OFFICE, OPENDOCUMENT, TEXT_EXTENSIONS
from guilde.uploads.text import MAX_CHARS, extract_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


# Documents built in the tests ---------------------------------------------------------------


def pdf(*pages: str) -> bytes:
    """A valid PDF with one line of Helvetica text per page (WinAnsi: accents work)."""
    page_ids = [4 + 2 * index for index in range(len(pages))]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % page_id for page_id in page_ids), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for page_id, line in zip(page_ids, pages, strict=True):
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % escaped.encode("cp1252")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def package(parts: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def docx_file() -> bytes:
    document = docx.Document()
    document.add_heading("Compte rendu", level=1)
    document.add_paragraph("L’évènement   a eu lieu.")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "Date"
    table.cell(0, 1).text = "Lieu"
    table.cell(1, 0).merge(table.cell(1, 2)).text = "Fusionnée"
    table.cell(0, 2).add_table(rows=1, cols=1).cell(0, 0).text = "Imbriquée"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_file() -> bytes:
    return package(
        {
            "[Content_Types].xml": "<Types/>",
            "xl/sharedStrings.xml": (
                f'<sst xmlns="{SPREADSHEET_NS}" count="3" uniqueCount="3">'
                "<si><t>Budget de l’évènement</t></si>"
                # Rich text: runs join without a space; the phonetic reading is left out.
                "<si><r><t>Trans</t></r><r><t>port</t></r><rPh><t>ふりがな</t></rPh></si>"
                '<si><t xml:space="preserve">  Salle  </t></si>'
                "</sst>"
            ),
            "xl/worksheets/sheet2.xml": (
                f'<worksheet xmlns="{SPREADSHEET_NS}"><sheetData><row r="1">'
                '<c r="A1" t="inlineStr"><is><t>Deuxième feuille</t></is></c>'
                "</row></sheetData></worksheet>"
            ),
            "xl/worksheets/sheet1.xml": (
                f'<worksheet xmlns="{SPREADSHEET_NS}"><sheetData><row r="1">'
                '<c r="A1" t="s"><v>0</v></c><c r="B1"><v>1234</v></c>'
                '<c r="C1" t="inlineStr"><is><t>Première feuille</t></is></c>'
                "</row></sheetData></worksheet>"
            ),
        }
    )


def slide(*paragraphs: str) -> str:
    body = "".join(
        f"<a:p>{''.join(f'<a:r><a:t>{run}</a:t></a:r>' for run in paragraph.split('|'))}</a:p>"
        for paragraph in paragraphs
    )
    return (
        f'<p:sld xmlns:a="{DRAWING_NS}" '
        'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
        f"<p:cSld><p:spTree><p:sp><p:txBody>{body}</p:txBody></p:sp></p:spTree></p:cSld>"
        "</p:sld>"
    )


def pptx_file() -> bytes:
    return package(
        {
            "[Content_Types].xml": "<Types/>",
            "ppt/slides/slide10.xml": slide("Dixième"),
            "ppt/slides/slide2.xml": slide("Deuxième"),
            # A word split over two runs stays one word.
            "ppt/slides/slide1.xml": slide("Titre de l’évè|nement", "Sous-titre"),
            "ppt/slideLayouts/slideLayout1.xml": slide("Cliquez pour modifier"),
        }
    )


def opendocument(mime: str, body: str) -> bytes:
    return package(
        {
            "mimetype": mime,
            "content.xml": (
                f'<office:document-content {ODF_NS} office:version="1.3">'
                f"<office:body>{body}</office:body></office:document-content>"
            ),
        }
    )


def odt_file() -> bytes:
    return opendocument(
        ODT,
        "<office:text>"
        "<text:tracked-changes><text:changed-region><text:deletion>"
        "<text:p>Texte supprimé</text:p>"
        "</text:deletion></text:changed-region></text:tracked-changes>"
        "<text:h>Compte rendu</text:h>"
        '<text:p>L’évè<text:span text:style-name="T1">nement</text:span> a'
        '<text:s text:c="3"/>eu<text:tab/>lieu<text:line-break/>à Lyon.'
        "<office:annotation><dc:creator>Léa</dc:creator><text:p>Un commentaire</text:p>"
        "</office:annotation></text:p>"
        "<text:list><text:list-item><text:p>Premier point</text:p></text:list-item></text:list>"
        "</office:text>",
    )


def ods_file() -> bytes:
    return opendocument(
        ODS,
        '<office:spreadsheet><table:table table:name="Feuille1"><table:table-row>'
        "<table:table-cell><text:p>Évènement</text:p></table:table-cell>"
        '<table:table-cell office:value-type="float" office:value="12"><text:p>12</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet>",
    )


def odp_file() -> bytes:
    return opendocument(
        ODP,
        "<office:presentation><draw:page><draw:frame><draw:text-box>"
        "<text:p>Titre de l’évènement</text:p>"
        "</draw:text-box></draw:frame>"
        "<presentation:notes><draw:frame><draw:text-box><text:p>Notes de l’orateur</text:p>"
        "</draw:text-box></draw:frame></presentation:notes>"
        "</draw:page></office:presentation>",
    )


SAMPLES = {
    "application/pdf": (lambda: pdf("L’évènement a eu lieu."), "L’évènement a eu lieu."),
    DOCX: (docx_file, "L’évènement a eu lieu."),
    XLSX: (xlsx_file, "Budget de l’évènement"),
    PPTX: (pptx_file, "Titre de l’évènement"),
    ODT: (odt_file, "L’évènement a eu lieu"),
    ODS: (ods_file, "Évènement"),
    ODP: (odp_file, "Titre de l’évènement"),
    "text/plain": (lambda: "Un évènement\n".encode(), "Un évènement"),
    "text/markdown": (lambda: "# Un évènement\n".encode(), "# Un évènement"),
    "text/csv": (lambda: "nom,lieu\névènement,Lyon\n".encode(), "évènement,Lyon"),
}


# Tests --------------------------------------------------------------------------------------


def test_every_accepted_document_type_has_its_text_extracted() -> None:
    accepted = {
        "application/pdf",
        *TEXT_EXTENSIONS.values(),
        *(mime for _, mime in OFFICE.values()),
        *OPENDOCUMENT,
    }
    assert set(SAMPLES) == accepted


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_extract_text_keeps_french_text(content_type: str) -> None:
    build, expected = SAMPLES[content_type]
    assert expected in extract_text(build(), content_type)


def test_pdf_pages_are_read_in_order() -> None:
    extracted = extract_text(pdf("Première page", "Deuxième page (fin)"), "application/pdf")
    assert extracted == "Première page\nDeuxième page (fin)"


def test_pdf_pages_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "MAX_PDF_PAGES", 2)
    extracted = extract_text(pdf("un", "deux", "trois"), "application/pdf")
    assert extracted == "un\ndeux"


def test_docx_reads_paragraphs_and_each_table_cell_once() -> None:
    extracted = extract_text(docx_file(), DOCX)
    assert extracted == "Compte rendu\nL’évènement a eu lieu.\nDate\nLieu\nImbriquée\nFusionnée"


def test_xlsx_reads_shared_and_inline_strings_sheet_by_sheet() -> None:
    extracted = extract_text(xlsx_file(), XLSX)
    assert extracted == (
        "Budget de l’évènement\nTransport\nSalle\nPremière feuille\nDeuxième feuille"
    )


def test_pptx_reads_slides_in_order_and_not_layouts() -> None:
    extracted = extract_text(pptx_file(), PPTX)
    assert extracted == "Titre de l’évènement\nSous-titre\nDeuxième\nDixième"


def test_odt_reads_full_paragraph_text_without_comments_or_deleted_text() -> None:
    extracted = extract_text(odt_file(), ODT)
    assert extracted == "Compte rendu\nL’évènement a eu lieu\nà Lyon.\nPremier point"


def test_odp_leaves_speaker_notes_out() -> None:
    assert extract_text(odp_file(), ODP) == "Titre de l’évènement"


def test_whitespace_is_normalised() -> None:
    raw = "\ufeff  Un   premier\tparagraphe  \r\n\r\n\n   second\x00paragraphe \n".encode()
    assert extract_text(raw, "text/plain") == "Un premier paragraphe\nsecond paragraphe"


def test_invalid_utf8_is_replaced() -> None:
    assert extract_text(b"caf\xe9 cr\xc3\xa8me", "text/plain") == "caf\ufffd crème"


def test_output_is_capped() -> None:
    extracted = extract_text(("mot " * 100_000).encode(), "text/plain")
    assert len(extracted) == MAX_CHARS - 1  # cut after a space, which is then dropped
    assert extracted.startswith("mot mot")


def test_reading_stops_once_enough_text_is_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    pages_read = []

    def pages(data: bytes) -> Iterator[str]:
        for number in range(1000):
            pages_read.append(number)
            yield f"page {number} " + "x" * 10_000

    monkeypatch.setitem(text._EXTRACTORS, "application/pdf", pages)
    extracted = extract_text(b"%PDF-", "application/pdf")
    assert len(extracted) == MAX_CHARS
    assert len(pages_read) == 20


@pytest.mark.parametrize(
    "content_type", ["image/webp", "image/png", "application/octet-stream", "text/html", ""]
)
def test_pictures_and_unknown_types_give_no_text(content_type: str) -> None:
    assert extract_text(b"RIFF\x00\x00\x00\x00WEBPVP8 hello", content_type) == ""


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "application/pdf"),
        (pdf("Bonjour")[:60], "application/pdf"),
        (b"PK\x03\x04 not really a zip", DOCX),
        (b"PK\x03\x04 not really a zip", XLSX),
        (docx_file()[:500], DOCX),
        (package({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:docu"}), DOCX),
        (package({"xl/sharedStrings.xml": "<sst><si><t>non fermé</si>"}), XLSX),
        (package({"ppt/slides/slide1.xml": "\x00\x01"}), PPTX),
        (package({"mimetype": ODT}), ODT),
        (package({"content.xml": b"\xff\xfe<\x00"}), ODS),
    ],
)
def test_damaged_files_give_no_text_and_a_warning(
    data: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="guilde.uploads.text"):
        assert extract_text(data, content_type) == ""
    assert any(r.name == "guilde.uploads.text" for r in caplog.records)


def test_xml_entity_expansion_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f"<office:document-content {ODF_NS}><office:body><office:text>"
        "<text:p>&lol2;</text:p></office:text></office:body></office:document-content>"
    )
    with caplog.at_level(logging.WARNING, logger="guilde.uploads.text"):
        assert extract_text(package({"content.xml": laughs}), ODT) == ""
    assert caplog.records


def test_zip_bombs_are_refused_before_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "MAX_UNPACKED_BYTES", 10_000)
    huge = f'<sst xmlns="{SPREADSHEET_NS}"><si><t>{"a" * 20_000}</t></si></sst>'
    assert extract_text(package({"xl/sharedStrings.xml": huge}), XLSX) == ""
    assert extract_text(opendocument(ODT, f"<text:p>{'a' * 20_000}</text:p>"), ODT) == ""
    document = docx.Document()
    document.add_paragraph("a" * 20_000)
    out = io.BytesIO()
    document.save(out)
    assert extract_text(out.getvalue(), DOCX) == ""
