from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "guilde.webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from guilde.webhooks import permissions  # noqa: F401  (registers the rules)
