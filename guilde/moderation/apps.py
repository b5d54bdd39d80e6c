from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "guilde.moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from guilde.moderation import permissions  # noqa: F401
