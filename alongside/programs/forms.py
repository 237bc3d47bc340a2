from __future__ import annotations

from typing import Any

from django import forms

from alongside.people.models import Supporter
from alongside.programs.models import EnrollmentStatus, Program
from alongside.taxonomy import (
    LANGUAGE_CHOICES,
    MODEL_DESCRIPTIONS,
    Condition,
    KeyFunction,
    PeerSupportModel,
    activities_for,
    default_activities,
)
from alongside.web.forms import ChipsMultiple, ChipsSingle

COMMON_LANGUAGES = ("en", "es", "zh", "vi", "ko", "ar", "fr", "pt", "ru", "hi", "bn", "tl", "ht", "so")


class ProgramForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea, required=False)
    models = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[(m.value, f"{m.value}. {m.label}") for m in PeerSupportModel],
        widget=forms.CheckboxSelectMultiple,
        label="Models of peer support delivered",
        help_text=" ".join(f"{n}: {text}" for n, text in MODEL_DESCRIPTIONS.items()),
    )
    conditions = forms.MultipleChoiceField(choices=Condition.choices, widget=ChipsMultiple)
    languages = forms.MultipleChoiceField(
        choices=sorted(LANGUAGE_CHOICES, key=lambda c: (c[0] not in COMMON_LANGUAGES, c[1])),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        initial=["en"],
    )
    use_default_activities = forms.BooleanField(
        required=False,
        initial=True,
        label="Use the usual activities for the chosen models",
        help_text="Untick to choose the activities under each key function yourself.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Taking enrolments")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for function in KeyFunction:
            self.fields[f"activities_{function.value}"] = forms.MultipleChoiceField(
                choices=[(a.code, a.label) for a in activities_for(function.value)],
                required=False,
                widget=ChipsMultiple,
                label=function.label,
            )

    @classmethod
    def for_program(cls, program: Program, data: Any = None) -> ProgramForm:
        initial: dict[str, Any] = {
            "name": program.name,
            "description": program.description,
            "models": program.model_numbers,
            "conditions": program.conditions,
            "languages": program.languages,
            "use_default_activities": False,
            "is_active": program.is_active,
        }
        for function in KeyFunction:
            initial[f"activities_{function.value}"] = program.activities_for(function.value)
        return cls(data=data, initial=initial)

    def activity_fields(self) -> list[forms.BoundField]:
        return [self[f"activities_{f.value}"] for f in KeyFunction]

    def program_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["use_default_activities"]:
            activities = default_activities(data["models"])
        else:
            activities = {f.value: data[f"activities_{f.value}"] for f in KeyFunction}
        return {
            "name": data["name"],
            "description": data["description"],
            "models": data["models"],
            "conditions": data["conditions"],
            "languages": data["languages"],
            "activities": activities,
            "is_active": data["is_active"],
        }


class SupporterChoiceField(forms.ModelMultipleChoiceField[Supporter]):
    def label_from_instance(self, obj: Supporter) -> str:
        return f"{obj} · {obj.get_kind_display()} · {', '.join(obj.language_names)}"


class EnrollForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none())
    status = forms.ChoiceField(
        choices=[
            (s.value, s.label) for s in (EnrollmentStatus.REFERRED, EnrollmentStatus.ENROLLED, EnrollmentStatus.ACTIVE)
        ],
        initial=EnrollmentStatus.ACTIVE,
        widget=ChipsSingle,
    )
    enrolled_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), required=False, help_text="Blank: today."
    )
    supporters = SupporterChoiceField(
        queryset=Supporter.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The first ticked, in list order, is the primary supporter (changeable later).",
    )
    reason = forms.CharField(max_length=300, required=False, label="Note (e.g. who referred them)")

    def __init__(self, *args: Any, programs: Any, supporters: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program_field = self.fields["program"]
        supporter_field = self.fields["supporters"]
        assert isinstance(program_field, forms.ModelChoiceField)
        assert isinstance(supporter_field, forms.ModelMultipleChoiceField)
        program_field.queryset = programs
        supporter_field.queryset = supporters
