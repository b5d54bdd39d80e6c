from django.apps import AppConfig


class SemanticConfig(AppConfig):
    name = "guilde.semantic"
    verbose_name = "Semantic search"

    def ready(self) -> None:
        from guilde.search.selectors import register_meaning
        from guilde.semantic import evaluation, personal_data, tasks  # noqa: F401  (registrations)
        from guilde.semantic.selectors import closest

        register_meaning(closest)
