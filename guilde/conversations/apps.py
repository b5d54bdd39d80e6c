from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "guilde.conversations"
    label = "conversations"
    verbose_name = _("Direct messages")

    def ready(self) -> None:
        from guilde.conversations import permissions  # noqa: F401  (registers the rules)
