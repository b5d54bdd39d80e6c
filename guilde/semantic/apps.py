from django.apps import AppConfig


class SemanticConfig(AppConfig):
    name = "guilde.semantic"
    verbose_name = "Semantic search"

    def ready(self) -> None:
        from guilde.semantic import evaluation, personal_data, tasks  # noqa: F401  (registrations)
