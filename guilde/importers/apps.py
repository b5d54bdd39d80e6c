from django.apps import AppConfig


class ImportersConfig(AppConfig):
    name = "guilde.importers"
    verbose_name = "Importers"
