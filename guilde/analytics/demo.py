"""Demo data: the analytics snapshots of the demo communities, computed from what the other
apps' demo data made (they run first)."""

from __future__ import annotations

from typing import TextIO

from guilde.analytics import snapshots, story_demo


def load(out: TextIO) -> None:
    written = snapshots.rebuild()
    out.write(f"Analytics: {written} daily snapshots computed.\n")
    story_demo.load(out)
