"""Demo data: a Word document attached to a reply (its text is found by the search once the
worker has read it), then the search index over everything the other apps' demos made."""

from __future__ import annotations

import io
from typing import TextIO

from docx import Document

from guilde.accounts.models import User
from guilde.communities.models import Community
from guilde.discussions import services as discussions
from guilde.discussions.models import Thread
from guilde.search import index
from guilde.uploads.models import Upload
from guilde.uploads.services import safe_name, upload_create

CHECKLIST = "Recruitment checklist.docx"
LINES = [
    "Recruitment checklist for research with people on benefits",
    "Ask the welfare officer which incentives are not counted as income.",
    "Offer vouchers, travel costs and childcare; meet in libraries or community centres.",
    "Explain consent in plain language and leave a printed copy.",
]


def _checklist() -> bytes:
    document = Document()
    for line in LINES:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _attach_checklist() -> bool:
    community = Community.objects.filter(slug="service-design").first()
    author = User.objects.filter(username="ines").first()
    if (
        community is None
        or author is None
        or Upload.objects.filter(name=safe_name(CHECKLIST, ".docx")).exists()
    ):
        return False
    thread = Thread.objects.filter(community=community, kind=Thread.Kind.QUESTION).first()
    if thread is None:
        return False
    upload = upload_create(
        actor=author, community=community, file=io.BytesIO(_checklist()), name=CHECKLIST
    )
    discussions.post_create(
        actor=author,
        thread=thread,
        body=f"Here is the checklist we use: [{CHECKLIST}]({upload.url})",
    )
    return True  # the worker reads its text (the demo command runs the queue at the end)


def load(out: TextIO) -> None:
    attached = _attach_checklist()
    documents = index.rebuild()
    out.write(
        f"Search index: {documents} documents"
        + (" (an attached document is read by the worker)" if attached else "")
        + ".\n"
    )
