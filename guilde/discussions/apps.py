from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "guilde.discussions"
    label = "discussions"
    verbose_name = _("Discussions")

    def ready(self) -> None:
        from guilde.discussions import permissions  # noqa: F401  (registers the rules)
