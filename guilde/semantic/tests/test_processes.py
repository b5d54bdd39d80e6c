"""Across processes: a thread written through one web process is found by meaning through
another once the worker has embedded it and rebuilt the vector index (the delay is
measured by bench/semantic.py, "cross_process", not asserted here)."""

from __future__ import annotations

from pathlib import Path

from guilde.semantic.testing import QUESTIONS, processes

# Embedding, the next rebuild (every 5 s) and the web process's next look (every 2 s) take
# seconds; this is the time after which something is broken.
TIMEOUT_SECONDS = 120


def test_a_thread_written_through_one_web_process_is_found_by_meaning_through_another(
    tmp_path: Path,
) -> None:
    question = QUESTIONS[0]
    with processes(tmp_path) as instance:
        thread = instance.create_thread(question, through=0)

        waited = instance.wait_until_found(
            thread, question.query, through=1, timeout=TIMEOUT_SECONDS
        )

        assert waited is not None, instance.log_tails()
        # Found by meaning only: the English words are nowhere in the French text...
        assert thread not in instance.found(question.query, mode="keyword", through=1)
        # ...while the keyword index of the same process has the thread.
        assert thread in instance.found(question.keyword, mode="keyword", through=1)
