from django.urls import path

from guilde.api.api import api

urlpatterns = [path("api/v1/", api.urls)]
