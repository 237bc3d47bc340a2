"""Writes about people. Web forms, the API, the CLI and tasks all call these, so validation, consent
history and side effects are the same everywhere. Each function validates first and raises
django.core.exceptions.ValidationError (field -> messages) before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.people.models import (
    BestTime,
    ConsentKind,
    ConsentMethod,
    ConsentRecord,
    Gender,
    Participant,
    Supporter,
    SupporterKind,
    TrainingStatus,
)
from alongside.people.phones import normalize_phone
from alongside.taxonomy import LANGUAGE_NAMES, Condition

CONSENT_FIELDS: dict[str, str] = {
    ConsentKind.CONTACT: "consent_contact",
    ConsentKind.TEXTS: "consent_texts",
    ConsentKind.DATA_SHARING: "consent_data_sharing",
}

PARTICIPANT_FIELDS = (
    "preferred_name",
    "family_name",
    "date_of_birth",
    "gender",
    "preferred_language",
    "conditions",
    "phone",
    "email",
    "locality",
    "timezone",
    "best_times",
    "best_times_note",
)


def _check_codes(errors: dict[str, list[str]], field: str, values: Any, allowed: set[str]) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        errors.setdefault(field, []).append("Must be a list of codes.")
        return []
    unknown = sorted(set(values) - allowed)
    if unknown:
        errors.setdefault(field, []).append(f"Unknown {field.replace('_', ' ')}: {', '.join(unknown)}.")
    return list(dict.fromkeys(values))


def check_participant_fields(data: dict[str, Any], organization: Organization) -> dict[str, Any]:
    """Validated, normalised participant fields (only those present in `data`)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in PARTICIPANT_FIELDS:
        if name in data:
            clean[name] = data[name]
    if "preferred_name" in clean:
        clean["preferred_name"] = (clean["preferred_name"] or "").strip()
        if not clean["preferred_name"]:
            errors["preferred_name"] = ["A preferred name is required."]
    if "phone" in clean:
        try:
            clean["phone"] = normalize_phone(clean["phone"] or "")
        except ValidationError as error:
            errors["phone"] = list(error.messages)
    if clean.get("date_of_birth"):
        born = clean["date_of_birth"]
        if not isinstance(born, date):
            errors["date_of_birth"] = ["Enter a date."]
        elif born > timezone.localdate():
            errors["date_of_birth"] = ["Date of birth cannot be in the future."]
        elif born.year < 1900:
            errors["date_of_birth"] = ["Date of birth is before 1900."]
    if "gender" in clean and clean["gender"] not in Gender.values:
        errors["gender"] = [f"Unknown gender option: {clean['gender']}."]
    if "preferred_language" in clean and clean["preferred_language"] not in LANGUAGE_NAMES:
        errors["preferred_language"] = [f"Unknown language code: {clean['preferred_language']}."]
    if "conditions" in clean:
        clean["conditions"] = _check_codes(errors, "conditions", clean["conditions"], set(Condition.values))
    if "best_times" in clean:
        clean["best_times"] = _check_codes(errors, "best_times", clean["best_times"], set(BestTime.values))
    if clean.get("timezone"):
        try:
            ZoneInfo(clean["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = [f"Unknown time zone: {clean['timezone']}."]
    if errors:
        raise ValidationError(errors)
    return clean


@dataclass(frozen=True)
class ConsentChange:
    kind: str
    granted: bool
    method: str = ConsentMethod.VERBAL
    note: str = ""


def _apply_consents(
    participant: Participant, changes: list[ConsentChange], by: User, at: datetime
) -> list[ConsentRecord]:
    records = []
    for change in changes:
        if change.kind not in CONSENT_FIELDS:
            raise ValidationError({"consent": [f"Unknown consent kind: {change.kind}."]})
        if change.method not in ConsentMethod.values:
            raise ValidationError({"consent": [f"Unknown consent method: {change.method}."]})
        field = CONSENT_FIELDS[change.kind]
        if (
            getattr(participant, field) == change.granted
            and participant.consent_records.filter(kind=change.kind).exists()
        ):
            continue  # unchanged: no new history row
        setattr(participant, field, change.granted)
        records.append(
            ConsentRecord(
                participant=participant,
                kind=change.kind,
                granted=change.granted,
                method=change.method,
                recorded_by=by,
                recorded_at=at,
                note=change.note,
            )
        )
    return records


@transaction.atomic
def create_participant(
    by: User, organization: Organization, data: dict[str, Any], consents: list[ConsentChange] | None = None
) -> Participant:
    clean = check_participant_fields(data, organization)
    if "preferred_name" not in clean:
        raise ValidationError({"preferred_name": ["A preferred name is required."]})
    participant = Participant.objects.create(organization=organization, **clean)
    now = timezone.now()
    records = _apply_consents(participant, consents or [], by, now)
    if records:
        ConsentRecord.objects.bulk_create(records)
        participant.save(update_fields=[*CONSENT_FIELDS.values(), "updated_at"])
    return participant


@transaction.atomic
def update_participant(
    by: User, participant: Participant, data: dict[str, Any], consents: list[ConsentChange] | None = None
) -> Participant:
    clean = check_participant_fields(data, participant.organization)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    for name, value in clean.items():
        setattr(participant, name, value)
    records = _apply_consents(participant, consents or [], by, timezone.now())
    participant.save()
    ConsentRecord.objects.bulk_create(records)
    return participant


def record_consent(by: User, participant: Participant, change: ConsentChange) -> Participant:
    return update_participant(by, participant, {}, [change])


SUPPORTER_FIELDS = (
    "kind",
    "lived_experience",
    "languages",
    "culture_community",
    "training_status",
    "training_hours",
    "max_caseload",
    "supervisor",
    "is_active",
)


def check_supporter_fields(data: dict[str, Any], organization: Organization) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean = {name: data[name] for name in SUPPORTER_FIELDS if name in data}
    if "kind" in clean and clean["kind"] not in SupporterKind.values:
        errors["kind"] = [f"Unknown supporter kind: {clean['kind']}."]
    if "training_status" in clean and clean["training_status"] not in TrainingStatus.values:
        errors["training_status"] = [f"Unknown training status: {clean['training_status']}."]
    if "lived_experience" in clean:
        clean["lived_experience"] = _check_codes(
            errors, "lived_experience", clean["lived_experience"], set(Condition.values)
        )
    if "languages" in clean:
        clean["languages"] = _check_codes(errors, "languages", clean["languages"], set(LANGUAGE_NAMES))
        if not clean["languages"] and "languages" not in errors:
            errors["languages"] = ["A supporter speaks at least one language."]
    if "max_caseload" in clean and not (1 <= int(clean["max_caseload"]) <= 200):
        errors["max_caseload"] = ["Maximum caseload must be between 1 and 200."]
    if "training_hours" in clean and not (0 <= int(clean["training_hours"]) <= 2000):
        errors["training_hours"] = ["Training hours must be between 0 and 2000."]
    supervisor = clean.get("supervisor")
    if supervisor is not None and (
        supervisor.organization_id != organization.pk or supervisor.role not in (Role.SUPERVISOR, Role.COORDINATOR)
    ):
        errors["supervisor"] = ["The supervisor must be a supervisor or coordinator of this organization."]
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def create_supporter(
    by: User,
    organization: Organization,
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str | None = None,
    data: dict[str, Any],
) -> Supporter:
    """Creates the supporter's login (role supporter) and profile together. Without a password the
    login cannot be used until an admin sets one."""
    errors: dict[str, list[str]] = {}
    if not username.strip():
        errors["username"] = ["A username is required."]
    elif User.objects.filter(username__iexact=username.strip()).exists():
        errors["username"] = ["That username is taken."]
    if not first_name.strip():
        errors["first_name"] = ["A first name is required."]
    if password:
        try:
            # With the would-be user, so a password resembling the username, name or email is refused too.
            validate_password(
                password,
                User(
                    username=username.strip(), first_name=first_name.strip(), last_name=last_name.strip(), email=email
                ),
            )
        except ValidationError as error:
            errors["password"] = list(error.messages)
    try:
        clean = check_supporter_fields(data, organization)
    except ValidationError as error:
        errors.update(error.message_dict)
        clean = {}
    if "kind" not in data and "kind" not in errors:
        errors["kind"] = ["Choose the kind of supporter."]
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        role=Role.SUPPORTER,
        organization=organization,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return Supporter.objects.create(organization=organization, user=user, **clean)


@transaction.atomic
def update_supporter(by: User, supporter: Supporter, data: dict[str, Any]) -> Supporter:
    clean = check_supporter_fields(data, supporter.organization)
    for name, value in clean.items():
        setattr(supporter, name, value)
    supporter.save()
    return supporter
