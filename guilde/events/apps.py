from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "guilde.events"
    verbose_name = "Events"

    def ready(self) -> None:
        from guilde.events import permissions  # noqa: F401  (registers the rules)
