from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "guilde.people"
    verbose_name = "People and expertise"
