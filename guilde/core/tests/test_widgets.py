"""PlainSelect renders what Django's Select renders, faster; ZoneSelect renders the zones
once."""

from __future__ import annotations

from django import forms

from guilde.core.widgets import PlainSelect, ZoneField


class _Form(forms.Form):
    zone = forms.ChoiceField(
        widget=PlainSelect,
        choices=[("", "Any"), ("Europe/Paris", "Paris <&>"), ("Asia/Tokyo", "Tokyo")],
        required=False,
    )


def test_the_chosen_option_is_selected_and_labels_are_escaped():
    html = str(_Form({"zone": "Asia/Tokyo"})["zone"])
    assert html.startswith('<select id="id_zone" name="zone">')
    assert '<option value="Asia/Tokyo" selected>Tokyo</option>' in html
    assert '<option value="Europe/Paris">Paris &lt;&amp;&gt;</option>' in html
    assert html.count("selected") == 1
    assert 'value="" selected' in str(_Form()["zone"])


class _ZoneForm(forms.Form):
    zone = ZoneField(required=False, empty_label="Any")


def test_zone_field_selects_the_zone_and_refuses_unknown_ones():
    html = str(_ZoneForm({"zone": "America/Montreal"})["zone"])
    assert '<option value="America/Montreal" selected>America/Montreal</option>' in html
    assert html.count("selected") == 1
    assert html.startswith('<select id="id_zone" name="zone"><option value="">Any</option>')
    assert 'value="" selected>Any' in str(_ZoneForm()["zone"])
    assert _ZoneForm({"zone": "Europe/Paris"}).is_valid()
    unknown = _ZoneForm({"zone": "Mars/Olympus"})
    assert not unknown.is_valid()
    assert "Choose a time zone from the list." in str(unknown.errors)
