from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "guilde.onboarding"
    verbose_name = "Onboarding"

    def ready(self) -> None:
        from guilde.onboarding import permissions  # noqa: F401  (registers the rules)
