"""``guilde generate [--members N] [--posts M] [--communities K] [--seed S] [--preset NAME]``:
a realistic data set at any scale (see guilde/importers/generator.py). Prints one JSON line
of counts. The canonical benchmark data set is ``--preset bench-1m``."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guilde.importers.generator import PRESETS, generate


class Command(BaseCommand):
    help = (
        "Generate a realistic data set (members, communities, threads, posts, votes, "
        "articles, events, mentoring programmes)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--preset", choices=sorted(PRESETS), help="a named size (bench-1m, small)"
        )
        parser.add_argument("--members", type=int)
        parser.add_argument("--posts", type=int)
        parser.add_argument("--communities", type=int)
        parser.add_argument("--seed", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        preset = PRESETS[options["preset"]] if options["preset"] else PRESETS["small"]
        members = options["members"] or preset.members
        posts = options["posts"] or preset.posts
        communities = options["communities"] or preset.communities
        seed = options["seed"] if options["seed"] is not None else preset.seed
        if min(members, posts, communities) < 1:
            raise CommandError("members, posts and communities are positive numbers")
        counts = generate(members=members, posts=posts, communities=communities, seed=seed)
        self.stdout.write(json.dumps({"seed": seed, **counts}))
