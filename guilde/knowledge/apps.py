from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "guilde.knowledge"
    verbose_name = "Knowledge"

    def ready(self) -> None:
        from guilde.knowledge import permissions  # noqa: F401
