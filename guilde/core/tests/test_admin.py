"""No admin form takes rendered HTML, nor the Markdown it is rendered from (the HTML is
shown with |safe: raw HTML typed in the admin would reach every reader)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from guilde.accounts.tests.factories import MemberFactory
from guilde.core.admin import rendered_fields
from guilde.events.models import Event

pytestmark = pytest.mark.django_db


def test_no_admin_form_edits_rendered_text():
    request = RequestFactory().get("/admin/")
    request.user = MemberFactory.create(is_staff=True, is_superuser=True)
    checked, editable = 0, []
    for model, model_admin in admin.site._registry.items():
        guarded = rendered_fields(model)
        if not guarded:
            continue
        checked += 1
        form = model_admin.get_form(request, obj=None)
        editable += [f"{model.__name__}.{name}" for name in guarded if name in form.base_fields]
    assert checked >= 5  # posts, articles, events, programmes, onboarding
    assert editable == []


def test_the_guarded_fields_are_the_html_and_its_source():
    assert rendered_fields(Event) == ("description_html", "description", "notes_html", "notes")
