from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "guilde.search"
    verbose_name = "Search"

    def ready(self) -> None:
        from guilde.search import index  # noqa: F401  (registers the indexing handler)
