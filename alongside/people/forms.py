from __future__ import annotations

from typing import Any

from django import forms

from alongside.accounts.models import Organization, Role, User
from alongside.people.models import (
    BestTime,
    ConsentKind,
    ConsentMethod,
    Gender,
    Participant,
    Supporter,
    SupporterKind,
    TrainingStatus,
)
from alongside.people.services import CONSENT_FIELDS, ConsentChange
from alongside.taxonomy import LANGUAGE_CHOICES, Condition
from alongside.web.forms import ChipsMultiple, ChipsSingle


class ParticipantForm(forms.Form):
    preferred_name = forms.CharField(max_length=120)
    family_name = forms.CharField(max_length=120, required=False)
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(choices=Gender.choices, initial=Gender.UNDISCLOSED)
    preferred_language = forms.ChoiceField(choices=LANGUAGE_CHOICES, initial="en")
    conditions = forms.MultipleChoiceField(choices=Condition.choices, required=False, widget=ChipsMultiple)
    phone = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text="Any format; stored in international form. Numbers without a country code are read as US.",
    )
    email = forms.EmailField(required=False)
    locality = forms.CharField(max_length=120, required=False, help_text="Neighbourhood, town or postal code.")
    timezone = forms.CharField(max_length=64, required=False, help_text="Blank: the organization's time zone.")
    best_times = forms.MultipleChoiceField(
        choices=BestTime.choices, required=False, widget=ChipsMultiple, label="Best times to reach"
    )
    best_times_note = forms.CharField(max_length=200, required=False, label="Notes on reaching them")
    consent_contact = forms.BooleanField(required=False, label=ConsentKind.CONTACT.label)
    consent_texts = forms.BooleanField(required=False, label=ConsentKind.TEXTS.label)
    consent_data_sharing = forms.BooleanField(required=False, label=ConsentKind.DATA_SHARING.label)
    consent_method = forms.ChoiceField(
        choices=ConsentMethod.choices,
        initial=ConsentMethod.VERBAL,
        widget=ChipsSingle,
        label="How consent was given",
        help_text="Recorded with your name and the time for every consent that changes.",
    )

    editing = False

    @classmethod
    def for_participant(cls, participant: Participant, data: Any = None) -> ParticipantForm:
        initial = {name: getattr(participant, name) for name in cls.base_fields if hasattr(participant, name)}
        form = cls(data=data, initial=initial)
        form.editing = True
        return form

    def fields_for_service(self) -> dict[str, Any]:
        skip = {*CONSENT_FIELDS.values(), "consent_method"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}

    def consent_changes(self) -> list[ConsentChange]:
        """A new participant: every consent, refusals too. An edit: only the boxes the user changed, so
        saving other details never adds consent history nobody decided."""
        method = self.cleaned_data["consent_method"]
        return [
            ConsentChange(kind=kind, granted=bool(self.cleaned_data[field]), method=method)
            for kind, field in CONSENT_FIELDS.items()
            if not self.editing or field in self.changed_data
        ]


class SupporterForm(forms.Form):
    kind = forms.ChoiceField(choices=SupporterKind.choices, widget=ChipsSingle)
    languages = forms.MultipleChoiceField(
        choices=LANGUAGE_CHOICES, widget=forms.SelectMultiple(attrs={"size": 6}), initial=["en"]
    )
    lived_experience = forms.MultipleChoiceField(
        choices=Condition.choices, required=False, widget=ChipsMultiple, label="Lived experience of"
    )
    culture_community = forms.CharField(max_length=200, required=False, label="Culture / community")
    training_status = forms.ChoiceField(choices=TrainingStatus.choices)
    training_hours = forms.IntegerField(min_value=0, max_value=2000, initial=0)
    max_caseload = forms.IntegerField(
        min_value=1, max_value=200, initial=10, help_text="Peer coaches usually 3-10; community health workers 10-30."
    )
    supervisor = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    is_active = forms.BooleanField(required=False, initial=True, label="Active (takes new participants)")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supervisor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(
            organization=organization, role__in=(Role.SUPERVISOR, Role.COORDINATOR), is_active=True
        )

    @classmethod
    def for_supporter(cls, supporter: Supporter, data: Any = None) -> SupporterForm:
        initial = {name: getattr(supporter, name) for name in cls.base_fields}
        return cls(data=data, initial=initial, organization=supporter.organization)


class NewSupporterForm(SupporterForm):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to have an administrator set it later.",
    )
    field_order = ["username", "first_name", "last_name", "email", "password"]
