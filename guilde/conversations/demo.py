"""Demo direct messages between a few demo members."""

from __future__ import annotations

from typing import TextIO

from guilde.accounts.models import User
from guilde.conversations import services
from guilde.conversations.models import Conversation

CONVERSATIONS = [
    (
        "zoe",
        ["camille"],
        "Mentoring?",
        [
            ("zoe", "Hello Camille, would you have 30 minutes to talk about service blueprints?"),
            ("camille", "With pleasure! Thursday at 2 pm suits me — shall we meet online?"),
            ("zoe", "Perfect, thank you!"),
        ],
    ),
    (
        "lucas",
        ["lea", "jules"],
        "Audit de la rue des Lilas",
        [
            ("lucas", "Je vous envoie le rapport demain. Qui peut relire la partie ventilation ?"),
            ("jules", "Moi, dès réception."),
        ],
    ),
    (
        "amara",
        ["oliver"],
        "Simulation schedule",
        [
            ("amara", "Can we move next month's simulation to the 14th?"),
        ],
    ),
]


def load(out: TextIO) -> None:
    if Conversation.objects.exists():
        return
    for starter, others, subject, messages in CONVERSATIONS:
        members = {u.username: u for u in User.objects.filter(username__in=[starter, *others])}
        first_author, first_body = messages[0]
        conversation = services.conversation_start(
            sender=members[first_author],
            recipients=[members[name] for name in others],
            body=first_body,
            subject=subject,
        )
        for author, body in messages[1:]:
            services.message_send(sender=members[author], conversation=conversation, body=body)
    out.write(f"Created {len(CONVERSATIONS)} demo conversations.\n")
