from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from PIL import Image

from guilde.accounts.tests.factories import MemberFactory
from guilde.accounts.tests.images import jpeg_with_gps_bytes, png_bytes, upload
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.uploads.models import Upload
from guilde.uploads.services import check, upload_create

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", HTML),
        ("report.pdf", b"   \n" + HTML),
        ("drawing.svg", SVG),
        ("drawing.png", SVG),
        ("page.html", HTML),
        ("notes.txt", b"hello <script>alert(1)</script>"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 40),
        ("program.exe", b"MZ\x90\x00" + b"\x00" * 60),
        ("empty.txt", b""),
        ("binary.txt", b"\x00\x01\x02\x03"),
    ],
)
def test_dangerous_or_unknown_files_are_refused(name, content):
    with pytest.raises(ValidationError):
        check(content, name)


def test_files_are_judged_by_their_content_not_their_name():
    assert check(png_bytes(), "picture.pdf").content_type == "image/webp"
    pdf = check(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "scan.PNG")
    assert (pdf.content_type, pdf.extension) == ("application/pdf", ".pdf")
    docx = check(_docx(), "minutes.bin")
    assert docx.extension == ".docx"
    text = check("Compte rendu — réunion\n".encode(), "cr.md")
    assert text.content_type == "text/markdown"


def test_pictures_are_re_encoded_without_metadata():
    checked = check(jpeg_with_gps_bytes(), "holiday.jpg")
    image = Image.open(io.BytesIO(checked.content))
    assert image.format == "WEBP"
    assert not image.getexif()
    assert b"secret description" not in checked.content


def test_large_files_are_refused(settings):
    settings.GUILDE_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="larger than"):
        check(b"x" * 1001, "big.txt")


@pytest.mark.django_db
def test_only_those_who_may_post_upload():
    community = CommunityFactory.create()
    member = member_of(community)
    stored = upload_create(
        actor=member,
        community=community,
        file=upload("a.png", png_bytes()),
        name="Holiday photo.png",
    )
    assert stored.name == "Holiday_photo.webp"
    assert stored.kind == Upload.Kind.IMAGE
    with pytest.raises(PermissionDenied):
        upload_create(
            actor=MemberFactory.create(),
            community=community,
            file=upload("a.png", png_bytes()),
            name="a.png",
        )


@pytest.mark.django_db
def test_serving_headers_never_let_a_browser_run_anything():
    community = CommunityFactory.create(visibility="public")
    member = member_of(community)
    picture = upload_create(
        actor=member, community=community, file=upload("a.png", png_bytes()), name="a.png"
    )
    document = upload_create(
        actor=member, community=community, file=upload("m.docx", _docx()), name="minutes.docx"
    )
    client = Client()
    shown = client.get(picture.url)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/webp"
    assert shown["Content-Disposition"].startswith("inline")
    assert "sandbox" in shown["Content-Security-Policy"]
    assert shown["X-Content-Type-Options"] == "nosniff"
    downloaded = client.get(document.url)
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert downloaded["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.django_db
def test_a_private_communitys_file_is_a_404_for_non_members():
    community = CommunityFactory.create(visibility="private", join_policy="approval")
    member = member_of(community)
    stored = upload_create(
        actor=member, community=community, file=upload("a.png", png_bytes()), name="a.png"
    )
    outsider = Client()
    outsider.force_login(MemberFactory.create())
    assert outsider.get(stored.url).status_code == 404
    assert Client().get(stored.url).status_code == 404
    assert Client().get(f"/api/v1/uploads/{stored.pk}").status_code == 404
    insider = Client()
    insider.force_login(member)
    assert insider.get(stored.url).status_code == 200
    assert insider.get(stored.url.replace("a.webp", "other.webp")).status_code == 404


@pytest.mark.django_db
def test_uploading_from_the_composer_and_the_api():
    community = CommunityFactory.create(slug="makers")
    member = member_of(community)
    client = Client()
    client.force_login(member)
    page = client.post("/communities/makers/uploads/", {"file": upload("photo.png", png_bytes())})
    assert page.status_code == 200
    assert "![photo.webp](/uploads/" in page.content.decode()
    refused = client.post(
        "/communities/makers/uploads/", {"file": upload("report.pdf", HTML, "application/pdf")}
    )
    assert refused.status_code == 422
    api = client.post(
        "/api/v1/communities/makers/uploads", {"file": upload("plan.png", png_bytes())}
    )
    assert api.status_code == 201
    assert api.json()["markdown"].startswith("![plan.webp](/uploads/")
    refused_api = client.post(
        "/api/v1/communities/makers/uploads",
        {"file": upload("report.pdf", HTML, "application/pdf")},
    )
    assert refused_api.status_code == 422
    assert refused_api["Content-Type"] == "application/problem+json"
