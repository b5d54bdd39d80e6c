"""Settings for the test suite: the production settings with test-only adjustments."""

from __future__ import annotations

import os
from pathlib import Path

# Tests keep their files (databases, mails, media, secret key) apart from a development
# instance's data folder.
os.environ.setdefault(
    "GUILDE_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test")
)

from config.settings import *  # noqa: F403
from config.settings import DATA_DIR, DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: each pytest-xdist worker gets its own file (pytest-django adds
    # the worker's suffix), so concurrency tests see SQLite as production does.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "guilde-test.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Factories make brand-new accounts: the new-account limits would stop most tests after a
# few posts. Their own tests turn them on (guilde/moderation/tests/test_new_accounts.py).
GUILDE_NEW_ACCOUNT_DAYS = 0
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Workers the tests start would otherwise back the test database up when they start.
GUILDE_BACKUPS = os.environ.get("GUILDE_BACKUPS", "false").lower() in {"1", "true", "yes", "on"}
# The webhook tests' receiver listens on 127.0.0.1 (production refuses private targets).
GUILDE_WEBHOOKS_ALLOW_PRIVATE = True
WHITENOISE_AUTOREFRESH = True
# Django's test set-up turns every mailer into locmem; the suite's autouse fixture puts the
# queue back in front (see conftest.py) so tests exercise the path production takes.
