from __future__ import annotations

import shutil
import subprocess
import sys

import polib
import pytest

from guilde.core.testing import ROOT

PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_the_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = polib.pofile(str(PO))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_is_current():
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.pofile(str(PO)).translated_entries()
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(MO))
        if e.msgid
    }
    assert compiled == source, "run `make messages` to compile the catalogue"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings afresh from a copy of the code; each must be translated."""
    for folder in ("guilde", "config", "locale"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "tests")
        )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--locale",
            "fr",
            "--no-obsolete",
            "--ignore",
            "build/*",
            "--ignore",
            "var/*",
        ],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GUILDE_DATA_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(tmp_path),
        },
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    missing = sorted(
        entry.msgid for entry in fresh if not entry.translated() and not entry.obsolete
    )
    assert missing == [], f"strings without a French translation (run `make messages`): {missing}"


@pytest.mark.django_db
def test_the_browser_language_chooses_the_interface(client):
    french = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert french.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in french.content.decode()
    assert "Aller au contenu" in french.content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert "Skip to content" in english.content.decode()


@pytest.mark.django_db
def test_the_switcher_sets_the_language_and_a_member_keeps_it(client, django_user_model):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert "Aller au contenu" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    member = django_user_model.objects.create_user("m", "m@example.org", "pw")
    client.force_login(member)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    member.refresh_from_db()
    assert member.language == "fr"
    # The member's setting wins over the browser, even without the cookie.
    client.cookies.pop("django_language", None)
    assert "Aller au contenu" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
