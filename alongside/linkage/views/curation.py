"""Curating the resource directory (administrators and coordinators): the entries with the ones to check
first (never verified, or verified longer ago than DIRECTORY_STALE_AFTER_DAYS), the edit page for one
entry with its location, phones and weekly hours, and "mark verified".

The edit form checks what it can beside each field (the same checks linkage.directory runs); the save
goes through linkage.directory.save_service, all or nothing. A form with errors is shown again with
everything typed, and nothing is saved.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alongside.accounts.models import Organization, User
from alongside.linkage import access
from alongside.linkage.directory import (
    PHONE_TYPES,
    LocationInput,
    PhoneInput,
    ServiceInput,
    age_errors,
    coordinate_errors,
    hours_error,
    hours_of,
    language_codes,
    save_service,
    stale_after_days,
    verify_service,
    weekly_schedules,
    zone_error,
)
from alongside.linkage.hours import WEEKDAY_CODES, WEEKDAY_NAMES
from alongside.linkage.models import Service, ServiceAtLocation, ServiceStatus
from alongside.linkage.search import DirectoryQuery, filtered_services
from alongside.linkage.views.directory import safe_next, term_choices
from alongside.people.phones import DEFAULT_REGION, normalize_phone
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require

PAGE_SIZE = 50
MIN_PHONE_ROWS = 3
MAX_PHONE_ROWS = 10

# --- the list -------------------------------------------------------------------------------------------


class CurationFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search by name or description")
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *ServiceStatus.choices])
    category = forms.ChoiceField(required=False, label="Category")
    stale = forms.BooleanField(required=False, label="Only entries to check")

    def __init__(self, *args: Any, category_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Any category"), *category_choices]


def stale_condition(cutoff: Any) -> Q:
    """Service.is_stale in SQL: never verified, or verified before `cutoff` (today minus the threshold)."""
    return Q(verified_on__isnull=True) | Q(verified_on__lt=cutoff)


def entries_for_curation(services: QuerySet[Service], cutoff: Any) -> QuerySet[Service]:
    """Entries to check first (never verified, then the longest unverified), then the rest by name."""
    return (
        services.select_related("resource_organization", "verified_by")
        .annotate(
            stale=Case(
                When(stale_condition(cutoff), then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by(F("stale").desc(), F("verified_on").asc(nulls_first=True), "name", "pk")
    )


@login_required
def curation(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.can_curate(user))
    terms = list(access.terms_visible_to(user).order_by("name", "pk"))
    form = CurationFilterForm(request.GET or None, category_choices=term_choices(terms))
    form.is_valid()  # invalid filters are dropped, never fatal
    data = getattr(form, "cleaned_data", {})
    days = stale_after_days()
    cutoff = timezone.localdate() - timedelta(days=days)
    scope = access.services_visible_to(user)
    counts = scope.aggregate(total=Count("pk"), stale=Count("pk", filter=stale_condition(cutoff)))
    category = data.get("category") or ""
    services = filtered_services(
        scope,
        DirectoryQuery(
            text=data.get("q") or "", category_id=int(category) if category else None, include_inactive=True
        ),
    )
    if data.get("status"):
        services = services.filter(status=data["status"])
    if data.get("stale"):
        services = services.filter(stale_condition(cutoff))
    page = Paginator(entries_for_curation(services, cutoff), PAGE_SIZE).get_page(request.GET.get("page"))
    base = request.GET.copy()
    base.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "days": days,
        "total": counts["total"],
        "stale_total": counts["stale"],
        "filtered": any(data.get(k) for k in ("q", "status", "category", "stale")),
        "query_string": base.urlencode(),
        "here": request.get_full_path(),
    }
    return render(request, "linkage/curation.html", context)


# --- the edit form --------------------------------------------------------------------------------------


def hour_fields(day: str) -> tuple[str, str]:
    return f"opens_{day.lower()}", f"closes_{day.lower()}"


class ServiceForm(forms.Form):
    """One directory entry with one location, up to MAX_PHONE_ROWS phones and weekly hours."""

    name = forms.CharField(max_length=300, label="Name of the service")
    provider = forms.CharField(required=False, max_length=300, label="Provided by (organization)")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Description")
    status = forms.ChoiceField(choices=ServiceStatus.choices, initial=ServiceStatus.ACTIVE, label="Status")
    is_clinical = forms.BooleanField(required=False, label="Clinical care (referrals to it are clinical referrals)")
    url = forms.CharField(
        required=False, max_length=500, label="Website", widget=forms.URLInput(attrs={"placeholder": "https://"})
    )
    email = forms.CharField(required=False, max_length=254, label="Email", widget=forms.EmailInput())
    languages = forms.CharField(
        required=False,
        max_length=300,
        label="Languages offered",
        help_text="ISO codes or English names, separated by commas: en, es, Vietnamese.",
    )
    categories = forms.MultipleChoiceField(
        required=False, label="Categories", widget=forms.CheckboxSelectMultiple(attrs={"class": "dir-categories"})
    )
    eligibility_description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Who is eligible"
    )
    minimum_age = forms.IntegerField(required=False, min_value=0, max_value=120, label="Minimum age")
    maximum_age = forms.IntegerField(required=False, min_value=0, max_value=120, label="Maximum age")
    fees_description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Fees")
    application_process = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="How to apply"
    )
    # The location.
    location_name = forms.CharField(required=False, max_length=300, label="Place name")
    address_1 = forms.CharField(required=False, max_length=300, label="Street address")
    address_2 = forms.CharField(required=False, max_length=300, label="Address line 2")
    city = forms.CharField(required=False, max_length=120, label="City or town")
    state_province = forms.CharField(required=False, max_length=120, label="State or province")
    postal_code = forms.CharField(required=False, max_length=30, label="Postal code")
    country = forms.CharField(required=False, max_length=2, label="Country code", help_text="Two letters, e.g. US.")
    latitude = forms.CharField(
        required=False,
        max_length=20,
        label="Latitude",
        help_text="Decimal degrees, -90 to 90 (e.g. 40.7128).",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.CharField(
        required=False,
        max_length=20,
        label="Longitude",
        help_text="Decimal degrees, -180 to 180 (e.g. -74.0060).",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    timezone = forms.CharField(
        required=False,
        max_length=64,
        label="Time zone",
        help_text="Only if not the organization's, e.g. America/Chicago.",
    )
    transportation = forms.CharField(required=False, max_length=500, label="Getting there")

    def __init__(self, *args: Any, category_choices: list[tuple[str, str]], phone_rows: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = category_choices
        self.phone_rows = phone_rows
        for i in range(1, phone_rows + 1):
            self.fields[f"phone_{i}"] = forms.CharField(
                required=False, max_length=40, label=f"Phone {i}", widget=forms.TextInput(attrs={"type": "tel"})
            )
            self.fields[f"phone_{i}_type"] = forms.ChoiceField(
                required=False, label=f"Phone {i} type", choices=[(t, t.capitalize()) for t in PHONE_TYPES]
            )
            self.fields[f"phone_{i}_extension"] = forms.CharField(
                required=False, max_length=20, label=f"Phone {i} extension"
            )
        for day in WEEKDAY_CODES:
            opens, closes = hour_fields(day)
            for name, label in ((opens, "opens"), (closes, "closes")):
                self.fields[name] = forms.TimeField(
                    required=False,
                    label=f"{WEEKDAY_NAMES[day]} {label}",
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                )

    @property
    def phone_fields(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"phone_{i}"], self[f"phone_{i}_type"], self[f"phone_{i}_extension"])
            for i in range(1, self.phone_rows + 1)
        ]

    @property
    def hour_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        rows = []
        for day in WEEKDAY_CODES:
            opens, closes = hour_fields(day)
            rows.append((WEEKDAY_NAMES[day], self[opens], self[closes]))
        return rows

    def clean_languages(self) -> list[str]:
        text = self.cleaned_data.get("languages") or ""
        codes, unknown = language_codes(text.replace(";", ",").split(","))
        if unknown:
            raise ValidationError(f"Unknown language: {', '.join(unknown)}. Use ISO codes (en, es) or English names.")
        return codes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, messages_ in coordinate_errors(data.get("latitude"), data.get("longitude")).items():
            self.add_error(name, messages_)
        zone = zone_error((data.get("timezone") or "").strip())
        if zone:
            self.add_error("timezone", zone)
        for name, messages_ in age_errors(data.get("minimum_age"), data.get("maximum_age")).items():
            if name not in self.errors:
                self.add_error(name, messages_)
        country = (data.get("country") or "").strip().upper()
        region = country if len(country) == 2 and country.isalpha() else DEFAULT_REGION
        for i in range(1, self.phone_rows + 1):
            number = (data.get(f"phone_{i}") or "").strip()
            if number:
                try:
                    normalize_phone(number, region)
                except ValidationError as error:
                    self.add_error(f"phone_{i}", error)
        for day in WEEKDAY_CODES:
            opens, closes = hour_fields(day)
            if opens in self.errors or closes in self.errors:
                continue
            message = hours_error(day, data.get(opens), data.get(closes))
            if message:
                self.add_error(closes, message)
        return data

    def service_input(self) -> ServiceInput:
        d = self.cleaned_data
        hours: dict[str, tuple[time, time]] = {}
        for day in WEEKDAY_CODES:
            opens, closes = (d.get(name) for name in hour_fields(day))
            if opens is not None and closes is not None:
                hours[day] = (opens, closes)
        return ServiceInput(
            name=d["name"],
            provider=d.get("provider", ""),
            description=d.get("description", ""),
            status=d["status"],
            is_clinical=bool(d.get("is_clinical")),
            url=d.get("url", "").strip(),
            email=d.get("email", "").strip(),
            eligibility_description=d.get("eligibility_description", ""),
            minimum_age=d.get("minimum_age"),
            maximum_age=d.get("maximum_age"),
            fees_description=d.get("fees_description", ""),
            application_process=d.get("application_process", ""),
            languages=d.get("languages") or [],
            category_ids=[int(pk) for pk in d.get("categories") or []],
            location=LocationInput(
                name=d.get("location_name", ""),
                address_1=d.get("address_1", ""),
                address_2=d.get("address_2", ""),
                city=d.get("city", ""),
                state_province=d.get("state_province", ""),
                postal_code=d.get("postal_code", ""),
                country=d.get("country", ""),
                latitude=(d.get("latitude") or "").strip() or None,
                longitude=(d.get("longitude") or "").strip() or None,
                timezone=d.get("timezone", ""),
                transportation=d.get("transportation", ""),
            ),
            phones=[
                PhoneInput(
                    number=d[f"phone_{i}"].strip(),
                    type=d.get(f"phone_{i}_type") or "voice",
                    extension=d.get(f"phone_{i}_extension", ""),
                )
                for i in range(1, self.phone_rows + 1)
                if (d.get(f"phone_{i}") or "").strip()
            ],
            hours=hours,
        )


def initial_for(service: Service) -> dict[str, Any]:
    """The form's values for an existing entry."""
    sal = service.service_at_locations.select_related("location").order_by("pk").first()
    location = sal.location if sal is not None else None
    initial: dict[str, Any] = {
        "name": service.name,
        "provider": service.resource_organization.name if service.resource_organization else "",
        "description": service.description,
        "status": service.status,
        "is_clinical": service.is_clinical,
        "url": service.url,
        "email": service.email,
        "languages": ", ".join(service.languages),
        "categories": [str(pk) for pk in service.categories.values_list("pk", flat=True)],
        "eligibility_description": service.eligibility_description,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "fees_description": service.fees_description,
        "application_process": service.application_process,
    }
    if location is not None:
        initial.update(
            location_name=location.name,
            address_1=location.address_1,
            address_2=location.address_2,
            city=location.city,
            state_province=location.state_province,
            postal_code=location.postal_code,
            country=location.country,
            latitude="" if location.latitude is None else str(location.latitude),
            longitude="" if location.longitude is None else str(location.longitude),
            timezone=location.timezone,
            transportation=location.transportation,
        )
    for i, phone in enumerate(service.phones.order_by("pk"), start=1):
        initial.update(
            {f"phone_{i}": phone.number, f"phone_{i}_type": phone.type, f"phone_{i}_extension": phone.extension}
        )
    for day, (opens, closes) in hours_of(service).items():
        opens_name, closes_name = hour_fields(day)
        initial.update({opens_name: opens, closes_name: closes})
    return initial


def _organization_of(user: User, service: Service | None) -> Organization:
    if service is not None:
        return service.organization
    require(user.organization is not None)
    assert user.organization is not None
    return user.organization


@login_required
def service_edit(request: HttpRequest, service_id: int | None = None) -> HttpResponse:
    user = current_user(request)
    require(access.can_curate(user))
    service = access.access_service(user, service_id) if service_id is not None else None
    if service is not None:
        require(access.may_curate_service(user, service))
    organization = _organization_of(user, service)
    terms = list(access.terms_visible_to(user).filter(organization=organization).order_by("name", "pk"))
    existing_phones = service.phones.count() if service is not None else 0
    rows = min(MAX_PHONE_ROWS, max(MIN_PHONE_ROWS, existing_phones + 1))
    choices = term_choices(terms)
    if request.method == "POST":
        form = ServiceForm(request.POST, category_choices=choices, phone_rows=rows)
        if form.is_valid():
            try:
                saved = save_service(user, organization, form.service_input(), service)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Saved {saved.name}.")
                return redirect("linkage:service", saved.pk)
    else:
        initial = initial_for(service) if service is not None else {"status": ServiceStatus.ACTIVE}
        form = ServiceForm(initial=initial, category_choices=choices, phone_rows=rows)
    context = {
        "form": form,
        "service": service,
        "other_locations": max(0, service.service_at_locations.count() - 1) if service is not None else 0,
        "sharing_location": services_sharing_the_location(service) if service is not None else 0,
        "zone": organization.timezone,
        "has_other_schedules": service is not None and has_other_schedules(service),
    }
    return render(request, "linkage/service_edit.html", context)


def services_sharing_the_location(service: Service) -> int:
    """Other services at the location the form edits (changing its address changes theirs too)."""
    first = service.service_at_locations.order_by("pk").first()
    if first is None:
        return 0
    return ServiceAtLocation.objects.filter(location_id=first.location_id).exclude(service_id=service.pk).count()


def has_other_schedules(service: Service) -> bool:
    """Schedules the form does not edit (seasonal, monthly, several ranges a day): kept as they are."""
    owned = {s.pk for s in weekly_schedules(service)}
    return service.schedules.exclude(pk__in=owned).exists()


@login_required
@require_POST
def verify(request: HttpRequest, service_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_curate(user))
    service = access.access_service(user, service_id)
    require(access.may_curate_service(user, service))
    verify_service(user, service)
    messages.success(request, f"Marked {service.name} verified today.")
    return redirect(safe_next(request, reverse("linkage:curation")))


urlpatterns: list[URLPattern] = [
    path("directory/curation/", curation, name="curation"),
    path("directory/services/new/", service_edit, name="service_edit"),
    path("directory/services/<int:service_id>/edit/", service_edit, name="service_edit"),
    path("directory/services/<int:service_id>/verify/", verify, name="verify"),
]
