from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "guilde.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from guilde.accounts.tokens import authenticate_bearer
        from guilde.api.auth import register_token_authenticator

        register_token_authenticator(authenticate_bearer)
