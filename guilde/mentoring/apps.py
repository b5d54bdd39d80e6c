from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "guilde.mentoring"
    verbose_name = "Mentoring"

    def ready(self) -> None:
        from guilde.mentoring import permissions  # noqa: F401  (registers the rules)
