"""Forms for action plans, readings and thresholds. They only parse: the services check everything and
their errors are shown beside the fields (web.forms.add_service_errors), so the words are the same on
every page and in the API. Fields are lenient (not required) for that reason; nothing typed is lost."""

from __future__ import annotations

from typing import Any

from django import forms

from alongside.selfcare.models import CONFIDENCE_TO_KEEP, GlucoseContext, MeasurementKind, ReviewOutcome
from alongside.selfcare.services import THRESHOLD_LIMITS, ActionPlanInput, Reading
from alongside.selfcare.units import UNITS
from alongside.web.forms import ChipsSingle

DAY_CHOICES = [(str(n), "every day" if n == 7 else f"{n}") for n in range(1, 8)]
CONFIDENCE_CHOICES = [(str(n), str(n)) for n in range(0, 11)]


def _int_or_none(value: str) -> int | None:
    return int(value) if value not in ("", None) else None


class ActionPlanForm(forms.Form):
    what = forms.CharField(
        required=False, max_length=200, label="What will you do?", help_text="An action, e.g. “walk”, “eat fruit”."
    )
    how_much = forms.CharField(
        required=False, max_length=120, label="How much?", help_text="e.g. “around the block”, “20 minutes”."
    )
    when = forms.CharField(required=False, max_length=120, label="When?", help_text="e.g. “after lunch”.")
    days_per_week = forms.TypedChoiceField(
        choices=DAY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=ChipsSingle,
        label="How often (days a week)?",
    )
    confidence = forms.TypedChoiceField(
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=ChipsSingle,
        label="How sure are you that you will do it? 0 = not at all, 10 = totally sure",
    )
    keep_low_confidence = forms.BooleanField(required=False, label="Keep this plan as it is")
    revise = forms.BooleanField(required=False, label="Replace today's plan with this one (revise it)")

    def __init__(self, *args: Any, show_revise: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_revise:
            del self.fields["revise"]

    @property
    def asks_to_keep(self) -> bool:
        """Show "Keep this plan as it is" once the low-confidence prompt was shown (or the box ticked)."""
        if not self.is_bound or "confidence" not in self.fields:
            return False
        # Read what was posted: a field with an error is no longer in cleaned_data.
        raw = str(self.data.get(self.add_prefix("confidence"), ""))
        low = raw.isdigit() and int(raw) < CONFIDENCE_TO_KEEP
        return low and ("confidence" in self.errors or bool(self.data.get(self.add_prefix("keep_low_confidence"))))

    def plan_input(self) -> ActionPlanInput:
        data = self.cleaned_data
        return ActionPlanInput(
            what=data.get("what") or "",
            how_much=data.get("how_much") or "",
            when=data.get("when") or "",
            days_per_week=data.get("days_per_week"),  # type: ignore[arg-type]  # the service says what is missing
            confidence=data.get("confidence"),  # type: ignore[arg-type]
        )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=ReviewOutcome.choices, required=False, widget=ChipsSingle, label="How did it go?"
    )
    note = forms.CharField(
        required=False,
        max_length=300,
        label="Note (optional)",
        help_text="What helped, what got in the way.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(required=False, max_length=300, label="Why (optional)")


def _number(label: str) -> forms.CharField:
    # Text with a decimal keypad, not type=number: browsers silently drop what a number input cannot parse.
    return forms.CharField(
        required=False, label=label, max_length=12, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )


UNIT_LABELS = {MeasurementKind.WEIGHT: "Weight unit", MeasurementKind.HBA1C: "HbA1c unit"}


def _unit(kind: str) -> forms.ChoiceField:
    label = UNIT_LABELS.get(MeasurementKind(kind), "Glucose unit")
    return forms.ChoiceField(choices=[(u, u) for u in UNITS[kind]], required=False, label=label)


class ReadingsForm(forms.Form):
    """Readings of one person taken together: any of blood pressure, weight, HbA1c and glucose."""

    blood_pressure_value = _number("Systolic (upper)")
    blood_pressure_value2 = _number("Diastolic (lower)")
    weight_value = _number("Weight")
    weight_unit = _unit(MeasurementKind.WEIGHT)
    hba1c_value = _number("HbA1c")
    hba1c_unit = _unit(MeasurementKind.HBA1C)
    glucose_value = _number("Glucose")
    glucose_unit = _unit(MeasurementKind.GLUCOSE)
    glucose_context = forms.ChoiceField(choices=GlucoseContext.choices, required=False, label="Glucose taken")

    def readings(self) -> list[Reading]:
        data = self.cleaned_data
        result: list[Reading] = []
        if data.get("blood_pressure_value") or data.get("blood_pressure_value2"):
            result.append(
                Reading(
                    MeasurementKind.BLOOD_PRESSURE,
                    data.get("blood_pressure_value"),
                    "mmHg",
                    value2=data.get("blood_pressure_value2"),
                )
            )
        for kind in (MeasurementKind.WEIGHT, MeasurementKind.HBA1C):
            if data.get(f"{kind}_value"):
                result.append(Reading(kind, data[f"{kind}_value"], data.get(f"{kind}_unit") or ""))
        if data.get("glucose_value"):
            result.append(
                Reading(
                    MeasurementKind.GLUCOSE,
                    data["glucose_value"],
                    data.get("glucose_unit") or "",
                    glucose_context=data.get("glucose_context") or "",
                )
            )
        return result


class ThresholdsForm(forms.Form):
    glucose_low_emergency = forms.IntegerField(label="Low glucose, emergency below (mg/dL)")
    glucose_low_urgent = forms.IntegerField(label="Low glucose, urgent below (mg/dL)")
    glucose_high_urgent = forms.IntegerField(label="High glucose, urgent above (mg/dL)")
    glucose_high_emergency = forms.IntegerField(label="High glucose, emergency above (mg/dL)")
    bp_high_systolic = forms.IntegerField(label="High blood pressure: systolic above (mmHg)")
    bp_high_diastolic = forms.IntegerField(label="High blood pressure: diastolic above (mmHg)")
    bp_repeat_days = forms.IntegerField(label="A high reading is urgent when another was within (days)")
    bp_emergency_systolic = forms.IntegerField(label="Emergency: systolic at or above (mmHg)")
    bp_emergency_diastolic = forms.IntegerField(label="Emergency: diastolic at or above (mmHg)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in THRESHOLD_LIMITS.items():
            self.fields[name].help_text = f"{low}-{high}"
            self.fields[name].widget.attrs["inputmode"] = "numeric"
