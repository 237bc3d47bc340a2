"""Writes to the resource directory: save a service with its location, phones, opening hours, categories
and languages; mark it verified; share it with a participant (a look-up, which delivers linkage).

Each function checks everything first and raises ValidationError ({field: [messages]}) before it writes,
then writes in one transaction: bad input changes nothing. Permission failures raise PermissionDenied
(a 403 in the API; the pages check the same rules before calling).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import Organization, User
from alongside.followup import engine as follow_up
from alongside.linkage.access import (
    can_curate,
    can_share,
    may_curate_service,
    services_visible_to,
    shareable_enrollments,
)
from alongside.linkage.hours import WEEKDAY_CODES, WEEKDAY_NAMES, schedule_days
from alongside.linkage.models import (
    DEFAULT_STALE_AFTER_DAYS,
    DirectoryLookup,
    Location,
    Phone,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    ServiceStatus,
    TaxonomyTerm,
)
from alongside.people.models import Participant
from alongside.people.phones import DEFAULT_REGION, normalize_phone
from alongside.programs.models import Enrollment
from alongside.taxonomy import LANGUAGE_NAMES

MAX_AGE = 120
PHONE_TYPES = ("voice", "text", "cell", "fax", "video", "pager", "textphone")
COORDINATE_PLACES = Decimal("0.000001")  # the columns keep six decimals (about 0.1 m)
Hours = dict[str, tuple[time, time]]  # weekday code -> (opens, closes); a missing day is closed


@dataclass
class PhoneInput:
    number: str
    type: str = "voice"
    extension: str = ""
    description: str = ""


@dataclass
class LocationInput:
    """Where the service is. Coordinates are decimal degrees (both or neither)."""

    name: str = ""
    address_1: str = ""
    address_2: str = ""
    city: str = ""
    state_province: str = ""
    postal_code: str = ""
    country: str = ""
    latitude: Any = None
    longitude: Any = None
    timezone: str = ""
    transportation: str = ""


@dataclass
class ServiceInput:
    """A directory entry as a coordinator enters it. `hours=None` leaves the weekly hours as they are;
    `location=None` leaves the locations as they are."""

    name: str
    provider: str = ""  # the providing organization's name: an existing one of the tenant, or a new one
    description: str = ""
    status: str = ServiceStatus.ACTIVE
    is_clinical: bool = False
    url: str = ""
    email: str = ""
    eligibility_description: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    fees_description: str = ""
    application_process: str = ""
    languages: list[str] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)
    location: LocationInput | None = None
    phones: list[PhoneInput] = field(default_factory=list)
    hours: Hours | None = None


def stale_after_days() -> int:
    """Days after which an entry's verification is stale: settings.DIRECTORY_STALE_AFTER_DAYS if set."""
    return int(getattr(settings, "DIRECTORY_STALE_AFTER_DAYS", DEFAULT_STALE_AFTER_DAYS))


# --- checks (also used by the forms, so their errors sit beside the fields) ------------------------------


def coordinate_errors(latitude: Any, longitude: Any) -> dict[str, list[str]]:
    """Both or neither, and a place on Earth: latitude -90..90, longitude -180..180."""
    errors: dict[str, list[str]] = {}
    given = {"latitude": latitude, "longitude": longitude}
    present = {k for k, v in given.items() if v not in (None, "")}
    if len(present) == 1:
        missing = ({"latitude", "longitude"} - present).pop()
        errors[missing] = [f"Give the {missing} too, or neither (coordinates need both)."]
        return errors
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        if name not in present:
            continue
        try:
            value = Decimal(str(given[name]))
        except InvalidOperation:
            errors[name] = [f"The {name} is a number in decimal degrees, e.g. 40.7128."]
            continue
        if not value.is_finite() or not low <= value <= high:
            errors[name] = [f"The {name} must be between {low} and {high}; {given[name]} is not a place on Earth."]
    return errors


def hours_error(day: str, opens: time | None, closes: time | None) -> str | None:
    """What is wrong with one weekday's opening hours, in words; None when they are fine or closed."""
    name = WEEKDAY_NAMES[day]
    if (opens is None) != (closes is None):
        return f"{name}: give both the opening and the closing time, or neither (closed)."
    if opens is not None and closes is not None and closes <= opens:
        return f"{name}: the closing time ({closes:%H:%M}) must be after the opening time ({opens:%H:%M})."
    return None


def language_codes(values: list[str]) -> tuple[list[str], list[str]]:
    """(ISO 639-1 codes, unknown entries) from codes or English names ("es", "Spanish"); repeats dropped."""
    by_name = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
    codes, unknown = [], []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        code = value.lower() if value.lower() in LANGUAGE_NAMES else by_name.get(value.lower())
        if code is None:
            unknown.append(value)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def zone_error(name: str) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"Unknown time zone: {name}. Use an IANA name such as America/Chicago, or leave it blank."
    return None


def _text_errors(data: ServiceInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = ["Give the service a name."]
    elif len(data.name.strip()) > 300:
        errors["name"] = ["At most 300 characters."]
    if len(data.provider.strip()) > 300:
        errors["provider"] = ["At most 300 characters."]
    if data.status not in ServiceStatus.values:
        errors["status"] = [f"Unknown status: {data.status}."]
    if data.url:
        try:
            URLValidator(schemes=["http", "https"])(data.url)
        except ValidationError:
            errors["url"] = ["Give a web address starting with https:// or http://."]
    if data.email:
        try:
            EmailValidator()(data.email)
        except ValidationError:
            errors["email"] = ["Give a valid email address."]
    return errors


def age_errors(low: int | None, high: int | None) -> dict[str, list[str]]:
    """Each age 0..MAX_AGE, and the minimum not above the maximum."""
    errors: dict[str, list[str]] = {}
    for name, value in (("minimum_age", low), ("maximum_age", high)):
        if value is not None and not 0 <= value <= MAX_AGE:
            errors[name] = [f"An age from 0 to {MAX_AGE}."]
    if not errors and low is not None and high is not None and low > high:
        errors["maximum_age"] = [f"The maximum age ({high}) is below the minimum age ({low})."]
    return errors


def _location_errors(location: LocationInput) -> dict[str, list[str]]:
    errors = coordinate_errors(location.latitude, location.longitude)
    zone = zone_error(location.timezone.strip())
    if zone:
        errors["timezone"] = [zone]
    country = location.country.strip()
    if country and not (len(country) == 2 and country.isalpha()):
        errors["country"] = ["A two-letter country code (ISO 3166-1), e.g. US or CA."]
    return errors


def _phone_errors(phones: list[PhoneInput], region: str) -> tuple[list[str], list[str]]:
    """(E.164 numbers, messages)."""
    numbers, messages = [], []
    for i, phone in enumerate(phones, start=1):
        if phone.type and phone.type not in PHONE_TYPES:
            messages.append(f"Phone {i}: unknown type {phone.type} (one of {', '.join(PHONE_TYPES)}).")
        try:
            numbers.append(normalize_phone(phone.number, region))
        except ValidationError as error:
            messages.append(f"Phone {i}: {error.messages[0]}")
    return numbers, messages


def _as_coordinate(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value)).quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


# --- saving a service -----------------------------------------------------------------------------------


def _check(organization: Organization, data: ServiceInput) -> tuple[list[TaxonomyTerm], list[str], list[str]]:
    """Every check of save_service; returns (categories, language codes, phone numbers) or raises."""
    errors = _text_errors(data)
    errors.update(age_errors(data.minimum_age, data.maximum_age))
    codes, unknown = language_codes(data.languages)
    if unknown:
        errors["languages"] = [f"Unknown language: {', '.join(unknown)}. Use ISO codes (en, es) or English names."]
    wanted = list(dict.fromkeys(data.category_ids))
    terms = list(TaxonomyTerm.objects.filter(organization=organization, pk__in=wanted))
    missing = [str(pk) for pk in wanted if pk not in {t.pk for t in terms}]
    if missing:
        errors["categories"] = [f"Unknown category: {', '.join(missing)}. Choose terms of the directory's taxonomy."]
    region = DEFAULT_REGION
    if data.location is not None:
        errors.update(_location_errors(data.location))
        if data.location.country.strip().isalpha() and len(data.location.country.strip()) == 2:
            region = data.location.country.strip().upper()
    numbers, phone_messages = _phone_errors(data.phones, region)
    if phone_messages:
        errors["phones"] = phone_messages
    if data.hours is not None:
        hour_messages = [
            message
            for day in WEEKDAY_CODES
            if day in data.hours and (message := hours_error(day, *data.hours[day])) is not None
        ]
        hour_messages += [f"Unknown weekday: {day}." for day in data.hours if day not in WEEKDAY_CODES]
        if hour_messages:
            errors["hours"] = hour_messages
    if errors:
        raise ValidationError(errors)
    return terms, codes, numbers


def _provider(organization: Organization, name: str) -> ResourceOrganization | None:
    name = name.strip()
    if not name:
        return None
    existing = ResourceOrganization.objects.filter(organization=organization, name__iexact=name).order_by("pk").first()
    return existing or ResourceOrganization.objects.create(organization=organization, name=name)


def weekly_schedules(service: Service) -> list[Schedule]:
    """The schedules the edit form owns: the service's own plain weekly hours (weekday codes only, no
    validity dates). Others (imported monthly rules, seasonal hours) are left alone."""
    return [
        s
        for s in service.schedules.all()
        if s.freq.upper() in ("", "WEEKLY")
        and s.valid_from is None
        and s.valid_to is None
        and s.opens_at is not None
        and s.closes_at is not None
        and all(len(part.strip()) == 2 for part in s.byday.split(",") if part.strip())
    ]


def hours_of(service: Service) -> Hours:
    """Weekday -> (opens, closes) from the weekly schedules (the first range of a day with several)."""
    hours: Hours = {}
    for schedule in weekly_schedules(service):
        assert schedule.opens_at is not None and schedule.closes_at is not None
        for day in schedule_days(schedule.byday):
            hours.setdefault(day, (schedule.opens_at, schedule.closes_at))
    return hours


def _grouped(hours: Hours) -> list[tuple[list[str], time, time]]:
    """Days with the same hours in one schedule ("MO,TU,WE,TH,FR 09:00-17:00"), in weekday order."""
    groups: dict[tuple[time, time], list[str]] = {}
    for day in WEEKDAY_CODES:
        if day in hours:
            groups.setdefault(hours[day], []).append(day)
    return [(days, opens, closes) for (opens, closes), days in groups.items()]


def _save_location(service: Service, organization: Organization, data: LocationInput) -> Location:
    sal = service.service_at_locations.select_related("location").order_by("pk").first()
    location = sal.location if sal is not None else Location(organization=organization)
    location.name = data.name.strip()
    location.address_1 = data.address_1.strip()
    location.address_2 = data.address_2.strip()
    location.city = data.city.strip()
    location.state_province = data.state_province.strip()
    location.postal_code = data.postal_code.strip()
    location.country = data.country.strip().upper()
    location.latitude = _as_coordinate(data.latitude)
    location.longitude = _as_coordinate(data.longitude)
    location.timezone = data.timezone.strip()
    location.transportation = data.transportation.strip()
    location.resource_organization = service.resource_organization
    location.save()
    if sal is None:
        ServiceAtLocation.objects.create(organization=organization, service=service, location=location)
    return location


def save_service(by: User, organization: Organization, data: ServiceInput, service: Service | None = None) -> Service:
    """Create (service=None) or update a directory entry of `organization` with its first location,
    phones (replaced), weekly hours (replaced when given and changed), categories and languages.

    Preconditions: `by` may curate the organization's directory (else PermissionDenied)."""
    if not can_curate(by) or not (by.is_superuser or by.organization_id == organization.pk):
        raise PermissionDenied("Only the organization's administrators and coordinators edit the directory.")
    if service is not None and service.organization_id != organization.pk:
        raise PermissionDenied("This service belongs to another organization's directory.")
    terms, codes, numbers = _check(organization, data)
    now = timezone.now()
    with transaction.atomic():
        service = service or Service(organization=organization)
        service.resource_organization = _provider(organization, data.provider)
        service.name = data.name.strip()
        service.description = data.description.strip()
        service.status = data.status
        service.is_clinical = data.is_clinical
        service.url = data.url.strip()
        service.email = data.email.strip()
        service.eligibility_description = data.eligibility_description.strip()
        service.minimum_age = data.minimum_age
        service.maximum_age = data.maximum_age
        service.fees_description = data.fees_description.strip()
        service.application_process = data.application_process.strip()
        service.languages = codes
        service.last_modified = now
        service.save()
        service.categories.set(terms)
        _sync_languages(service, codes)
        location = _save_location(service, organization, data.location) if data.location is not None else None
        service.phones.all().delete()
        Phone.objects.bulk_create(
            Phone(
                organization=organization,
                service=service,
                number=number,
                extension=phone.extension.strip(),
                type=phone.type or "voice",
                description=phone.description.strip(),
            )
            for number, phone in zip(numbers, data.phones, strict=True)
        )
        if data.hours is not None and data.hours != hours_of(service):
            _replace_hours(service, organization, data.hours, location)
    return service


def _sync_languages(service: Service, codes: list[str]) -> None:
    """ServiceLanguage rows (kept for HSDS export) follow the list: drop the others, add the new."""
    service.language_records.exclude(code__in=codes).delete()
    have = set(service.language_records.values_list("code", flat=True))
    ServiceLanguage.objects.bulk_create(
        ServiceLanguage(organization=service.organization, service=service, code=code, name=LANGUAGE_NAMES[code])
        for code in codes
        if code not in have
    )


def _replace_hours(service: Service, organization: Organization, hours: Hours, location: Location | None) -> None:
    Schedule.objects.filter(pk__in=[s.pk for s in weekly_schedules(service)]).delete()
    if location is None:
        sal = service.service_at_locations.select_related("location").order_by("pk").first()
        location = sal.location if sal is not None else None
    Schedule.objects.bulk_create(
        Schedule(
            organization=organization,
            service=service,
            location=location,
            freq="WEEKLY",
            byday=",".join(days),
            opens_at=opens,
            closes_at=closes,
        )
        for days, opens, closes in _grouped(hours)
    )


def verify_service(by: User, service: Service, on: date | None = None) -> Service:
    """Marks the entry verified by `by` on `on` (default: today on the organization's calendar)."""
    if not may_curate_service(by, service):
        raise PermissionDenied("Only the organization's administrators and coordinators verify directory entries.")
    day = on or timezone.localdate(timezone.now(), ZoneInfo(service.organization.timezone))
    with transaction.atomic():
        service.verified_on = day
        service.verified_by = by
        service.assurer_email = by.email
        service.save(update_fields=["verified_on", "verified_by", "assurer_email", "updated_at"])
    return service


# --- sharing with a participant -------------------------------------------------------------------------


def share_with_participant(
    by: User,
    participant: Participant,
    service: Service,
    *,
    enrollment: Enrollment | None = None,
    note: str = "",
    at: datetime | None = None,
) -> DirectoryLookup:
    """Records that `by` shared `service` with `participant` (counts as linkage delivered on the
    enrolment, and refreshes its follow-up state).

    Preconditions: `by` may share and may see the participant (the caller fetched them through
    people.access). The enrolment must be one of the participant's open enrolments `by` may see (default:
    the active one, else the newest), and the service an active entry of the participant's organization."""
    if not can_share(by):
        raise PermissionDenied("Your role does not share directory entries with participants.")
    errors: dict[str, list[str]] = {}
    open_enrollments = list(shareable_enrollments(by, participant))
    if enrollment is None:
        if not open_enrollments:
            errors["enrollment"] = [
                f"{participant.full_name} has no open enrolment you work on: nothing to record the sharing on."
            ]
        else:
            enrollment = open_enrollments[0]
    elif enrollment.pk not in {e.pk for e in open_enrollments}:
        errors["enrollment"] = ["Choose an open enrolment of this participant that you work on."]
    in_directory = services_visible_to(by).filter(pk=service.pk).exists()
    if service.organization_id != participant.organization_id or not in_directory:
        errors["service"] = ["This service is not in the participant's organization's directory."]
    elif service.status != ServiceStatus.ACTIVE:
        errors["service"] = [f"{service.name} is not active ({service.get_status_display().lower()})."]
    note = note.strip()
    if len(note) > 300:
        errors["note"] = ["At most 300 characters."]
    if errors:
        raise ValidationError(errors)
    assert enrollment is not None
    moment = at or timezone.now()
    with transaction.atomic():
        lookup = DirectoryLookup.objects.create(
            participant=participant,
            enrollment=enrollment,
            service=service,
            shared_by=by,
            shared_at=moment,
            shared_on=moment.astimezone(ZoneInfo(participant.zone)).date(),
            note=note,
        )
        follow_up.refresh([enrollment.pk])
    return lookup
