"""Identifiers of the demo data for Schemathesis (run by .ci/schemathesis in `guilde shell`):
a dictionary of real values per path parameter, so that generated calls reach the
operations' logic as often as they miss (probability 0.7), written as TOML to stdout."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.apps import apps

# path parameter -> (model, field) whose values exist in the demo data
SOURCES = {
    "slug": ("communities.Community", "slug"),
    "username": ("accounts.User", "username"),
    "article_id": ("knowledge.Article", "pk"),
    "programme_id": ("mentoring.Programme", "pk"),
    "event_id": ("events.Event", "pk"),
    "thread_id": ("discussions.Thread", "pk"),
    "relationship_id": ("mentoring.Relationship", "pk"),
    "post_id": ("discussions.Post", "pk"),
    "path_id": ("knowledge.LearningPath", "pk"),
    "match_id": ("mentoring.Match", "pk"),
    "conversation_id": ("conversations.Conversation", "pk"),
    "skill": ("accounts.Skill", "slug"),
    "step_id": ("knowledge.PathStep", "pk"),
    "story_id": ("analytics.Story", "pk"),
    "topic": ("communities.Topic", "slug"),
    "message_id": ("conversations.Message", "pk"),
    "prompt_id": ("analytics.StoryPrompt", "pk"),
    "goal_id": ("mentoring.Goal", "pk"),
    "proposal_id": ("knowledge.ChangeProposal", "pk"),
    "upload_id": ("uploads.Upload", "pk"),
}
LIMIT = 40


def values(label: str, field: str) -> list[Any]:
    try:
        model = apps.get_model(label)
    except LookupError:
        sys.stderr.write(f"schemathesis data: no model {label}\n")
        return []
    found = model.objects.order_by("pk").values_list(field, flat=True)[:LIMIT]
    return [value if isinstance(value, int) else str(value) for value in found]


lines = []
for parameter, (label, field) in SOURCES.items():
    found = values(label, field)
    if not found:
        continue
    lines.append(f"[dictionaries.{parameter}]\nvalues = {json.dumps(found)}\n")
lines.append("[parameters]")
for parameter, (label, field) in SOURCES.items():
    if values(label, field):
        lines.append(f'"path.{parameter}" = {{ dictionary = "{parameter}", probability = 0.7 }}')
sys.stdout.write("\n".join(lines) + "\n")
