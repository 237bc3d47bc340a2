from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from alongside.contacts.models import MAX_DURATION_MINUTES
from alongside.contacts.services import ContactInput
from alongside.programs.models import Enrollment
from alongside.taxonomy import (
    ConcernTier,
    Initiation,
    KeyFunction,
    Modality,
    Outcome,
    activities_for,
)
from alongside.web.forms import ChipsMultiple, ChipsSingle

NEXT_CONTACT_CHOICES = [
    ("", "Not set"),
    ("2", "In 2 days"),
    ("7", "In 1 week"),
    ("14", "In 2 weeks"),
    ("30", "In 1 month"),
]
DURATION_CHOICES = [("5", "5 min"), ("10", "10 min"), ("15", "15 min"), ("30", "30 min"), ("60", "1 hour")]


class EnrollmentChoiceField(forms.ModelChoiceField[Enrollment]):
    def label_from_instance(self, obj: Enrollment) -> str:
        return obj.program.name


class ContactForm(forms.Form):
    """The quick contact log. Defaults make the commonest case (a reached, proactive phone call) one
    tap per function plus Save; everything else is folded away but one tap from view."""

    enrollment = EnrollmentChoiceField(queryset=Enrollment.objects.none(), label="Program", empty_label=None)
    modality = forms.ChoiceField(choices=Modality.choices, initial=Modality.PHONE_CALL, widget=ChipsSingle, label="How")
    outcome = forms.ChoiceField(choices=Outcome.choices, initial=Outcome.REACHED, widget=ChipsSingle)
    functions = forms.MultipleChoiceField(
        choices=KeyFunction.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Key functions served"
    )
    duration_choice = forms.ChoiceField(
        choices=DURATION_CHOICES, initial="10", widget=ChipsSingle, label="Duration", required=False
    )
    duration_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_DURATION_MINUTES,
        label="Other duration (minutes)",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    next_contact_in = forms.ChoiceField(
        choices=NEXT_CONTACT_CHOICES, required=False, initial="7", widget=ChipsSingle, label="Next contact"
    )
    next_contact_due = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Or pick a date"
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened, how they responded, next steps.",
    )
    topics = forms.CharField(required=False, max_length=300)
    initiated_by = forms.ChoiceField(
        choices=Initiation.choices, initial=Initiation.PROACTIVE, widget=ChipsSingle, label="Who reached out"
    )
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    concern_tier = forms.ChoiceField(
        choices=[("", "No concern"), *ConcernTier.choices], required=False, widget=ChipsSingle, label="Concern"
    )
    concern_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What worries you",
        help_text="Emergency: also call the emergency line now. This reaches your supervisor at once.",
    )

    def __init__(self, *args: Any, enrollments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["enrollment"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = enrollments
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            first = enrollments.first()
            if first is not None:
                self.initial.setdefault("enrollment", first.pk)
        for function in KeyFunction:
            self.fields[f"activities_{function.value}"] = forms.MultipleChoiceField(
                choices=[(a.code, a.label) for a in activities_for(function.value)],
                required=False,
                widget=ChipsMultiple,
                label=function.label,
            )

    def activity_fields(self) -> list[forms.BoundField]:
        return [self[f"activities_{f.value}"] for f in KeyFunction]

    def function_toggles(self) -> list[tuple[str, str, forms.BoundField]]:
        return [(f.value, f.label, self[f"activities_{f.value}"]) for f in KeyFunction]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("duration_minutes") is None:
            choice = data.get("duration_choice") or "0"
            data["duration_minutes"] = int(choice)
        if not data.get("next_contact_due") and data.get("next_contact_in") and data.get("occurred_at"):
            data["next_contact_due"] = timezone.localdate(data["occurred_at"]) + timedelta(
                days=int(data["next_contact_in"])
            )
        if data.get("outcome") and data["outcome"] != Outcome.REACHED:
            # A missed call keeps no functions even if a toggle was left on from the defaults.
            data["functions"] = []
            for function in KeyFunction:
                data[f"activities_{function.value}"] = []
        return data

    def contact_input(self) -> ContactInput:
        data = self.cleaned_data
        activities = [code for f in KeyFunction for code in data.get(f"activities_{f.value}", [])]
        return ContactInput(
            occurred_at=data["occurred_at"],
            modality=data["modality"],
            initiated_by=data["initiated_by"],
            outcome=data["outcome"],
            duration_minutes=data["duration_minutes"],
            functions=list(data.get("functions", [])),
            activities=activities,
            topics=data.get("topics", ""),
            note=data.get("note", ""),
            next_contact_due=data.get("next_contact_due"),
            concern_tier=data.get("concern_tier", ""),
            concern_reason=data.get("concern_reason", ""),
        )
