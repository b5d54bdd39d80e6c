from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "guilde.analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from guilde.analytics import permissions  # noqa: F401  (registers the rules)
