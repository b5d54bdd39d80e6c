"""``guilde eval-search --mode semantic|hybrid``: the duplicate-question protocol ranked by
meaning, and fused with the keyword ranking (on the small crafted dump of the search's
evaluation tests; the real dump's figures are in the closing notes and docs/semantic.md)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from guilde.search.tests.test_evaluation import dump, imported  # noqa: F401 (fixtures)
from guilde.semantic import vectors
from guilde.semantic.models import Embedding

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("mode", "least_mrr"), [("semantic", 0.8), ("hybrid", 0.8)])
def test_the_originals_rank_near_the_top(imported, mode, least_mrr, settings, tmp_path):  # noqa: F811
    """Every original in the first five; by meaning one comes second (the starter
    question reads like another), and fused with the keyword ranking too, where meaning
    weighs twice the words."""
    settings.GUILDE_VECTOR_DIR = str(tmp_path / "vectors")
    vectors.forget()
    out = StringIO()
    call_command("eval-search", str(imported), "--mode", mode, stdout=out)
    result = json.loads(out.getvalue())
    assert (result["pairs"], result["mode"], result["recall_at_5"]) == (3, mode, 1.0)
    assert result["mrr"] >= least_mrr
    # The mode embedded the questions itself (no worker in an evaluation).
    questions = Embedding.objects.filter(kind="thread", part="question")
    assert questions.count() == 6
    vectors.forget()
