"""Builders for directory tests: taxonomy terms and services with a location, hours and phones, written
directly (not through linkage.directory) so tests can build any state, including imported shapes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from decimal import Decimal
from typing import Any

from alongside.accounts.models import Organization
from alongside.linkage.models import (
    Location,
    Phone,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

WEEKDAYS = "MO,TU,WE,TH,FR"

# Published coordinates (city halls / centres), decimal degrees.
NEW_YORK = (40.7128, -74.0060)
LOS_ANGELES = (34.0522, -118.2437)
LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
SYDNEY = (-33.8688, 151.2093)
MELBOURNE = (-37.8136, 144.9631)


def make_term(organization: Organization, name: str, parent: TaxonomyTerm | None = None) -> TaxonomyTerm:
    code = name.lower().replace(" ", "_")
    return TaxonomyTerm.objects.create(organization=organization, code=code, name=name, parent=parent)


def make_service(
    organization: Organization,
    name: str,
    *,
    at: tuple[float, float] | None = None,
    zone: str = "",
    languages: Iterable[str] = ("en",),
    categories: Iterable[TaxonomyTerm] = (),
    byday: str = WEEKDAYS,
    opens: time | None = time(9),
    closes: time | None = time(17),
    schedule_on: str = "service_at_location",
    provider: str = "",
    phone: str = "",
    **fields: Any,
) -> Service:
    """A service at one location (with coordinates when `at` is given), open `byday` from `opens` to
    `closes` (no schedule when opens is None). `schedule_on`: "service_at_location" (the service's schedule
    at its location), "service" (the service alone, no location) or "location" (the location's hours)."""
    resource = ResourceOrganization.objects.create(organization=organization, name=provider) if provider else None
    service = Service.objects.create(
        organization=organization,
        resource_organization=resource,
        name=name,
        languages=list(languages),
        **fields,
    )
    service.categories.set(list(categories))
    location = Location.objects.create(
        organization=organization,
        name=f"{name} site",
        address_1="1 Main Street",
        city="Riverside",
        latitude=Decimal(str(at[0])) if at else None,
        longitude=Decimal(str(at[1])) if at else None,
        timezone=zone,
    )
    ServiceAtLocation.objects.create(organization=organization, service=service, location=location)
    if opens is not None:
        owners: dict[str, dict[str, Any]] = {
            "service_at_location": {"service": service, "location": location},
            "service": {"service": service},
            "location": {"location": location},
        }
        owner = owners[schedule_on]
        Schedule.objects.create(
            organization=organization, freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes, **owner
        )
    if phone:
        Phone.objects.create(organization=organization, service=service, number=phone, type="voice")
    return service
