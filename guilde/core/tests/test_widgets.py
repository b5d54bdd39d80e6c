"""PlainSelect renders what Django's Select renders, faster."""

from __future__ import annotations

from django import forms

from guilde.core.widgets import PlainSelect


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
