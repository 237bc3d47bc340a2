"""Small helpers shared by every app's forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form: field errors beside their fields, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class ChipsMultiple(forms.CheckboxSelectMultiple):
    template_name = "web/widgets/chips.html"
    option_template_name = "web/widgets/chip_option.html"


class ChipsSingle(forms.RadioSelect):
    template_name = "web/widgets/chips.html"
    option_template_name = "web/widgets/chip_option.html"
