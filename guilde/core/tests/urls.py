"""A URL configuration for tests: the project's routes plus a view that sends a mail
and one that writes a log record."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def send_a_mail(request: HttpRequest) -> HttpResponse:
    send_mail("Hello", "A mail sent during a request.", None, ["member@example.org"])
    return HttpResponse("sent")


def log_something(request: HttpRequest) -> HttpResponse:
    logging.getLogger("guilde.tests").info("written during a request")
    return HttpResponse("logged")


urlpatterns = [
    path("test/send-mail/", send_a_mail),
    path("test/log-something/", log_something),
    *project_urlpatterns,
]
