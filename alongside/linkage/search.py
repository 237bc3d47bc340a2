"""Searching the resource directory: by category (a taxonomy term and the terms under it), language,
"open now", free text, and distance from a point within a radius.

Every filter is SQL on the scoped queryset of services; distance is two steps: a latitude/longitude
bounding box in SQL (the (organization, latitude, longitude) index on locations), then the exact
great-circle (haversine) distance of the few candidates in one tight Python loop (bench/directory.py
measured it: about half a microsecond a location, so even 10,000 candidates cost about 5 ms). A fixed number
of queries whatever the size of the directory: at most four to rank, seven more to load a page of results
(`listings`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Replace, Upper
from django.utils import timezone

from alongside.accounts.models import Organization
from alongside.linkage.hours import LocalMoment, Opening, opening, schedule_zone
from alongside.linkage.models import (
    Location,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    TaxonomyTerm,
)

# The mean Earth radius (IUGG), in km: great-circle distances on a sphere of this radius are within
# about 0.5% of the ellipsoidal (geodesic) distance anywhere on Earth.
EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 20_000.0  # about half the circumference: anything further is everywhere
MAX_TEXT_WORDS = 8
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
# Margin added to the bounding box (about 0.1 m), so coordinates rounded to six decimals on the box's
# edge are not lost to floating-point rounding.
BOX_MARGIN_DEGREES = 1e-6


# --- geometry -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.latitude) and -90 <= self.latitude <= 90):
            raise ValueError(f"Latitude must be between -90 and 90, not {self.latitude}.")
        if not (math.isfinite(self.longitude) and -180 <= self.longitude <= 180):
            raise ValueError(f"Longitude must be between -180 and 180, not {self.longitude}.")

    @classmethod
    def parse(cls, text: str) -> Point:
        """ "40.7128,-74.0060" (latitude first). ValueError with a readable message otherwise."""
        parts = [p.strip() for p in text.replace(";", ",").split(",")]
        if len(parts) != 2:
            raise ValueError("Give a place as latitude,longitude, e.g. 40.7128,-74.0060.")
        try:
            latitude, longitude = float(parts[0]), float(parts[1])
        except ValueError as error:
            raise ValueError("Give a place as latitude,longitude in decimal degrees, e.g. 40.7128,-74.0060.") from error
        return cls(latitude, longitude)

    @classmethod
    def of(cls, latitude: Decimal | float | None, longitude: Decimal | float | None) -> Point | None:
        if latitude is None or longitude is None:
            return None
        return cls(float(latitude), float(longitude))


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance in km between two points (the haversine formula)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distances_km(origin: Point, coordinates: Sequence[tuple[Any, Any]]) -> list[float]:
    """haversine_km from `origin` to each (latitude, longitude), in one tight loop: the same formula with
    the origin's terms computed once and the math functions bound locally."""
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    lat0 = radians(origin.latitude)
    lon0 = radians(origin.longitude)
    cos0 = cos(lat0)
    diameter = 2 * EARTH_RADIUS_KM
    out = []
    for latitude, longitude in coordinates:
        lat = radians(float(latitude))
        h = sin((lat - lat0) / 2) ** 2 + cos0 * cos(lat) * sin((radians(float(longitude)) - lon0) / 2) ** 2
        out.append(diameter * asin(min(1.0, sqrt(h))))
    return out


@dataclass(frozen=True)
class BoundingBox:
    """Latitude range and one or two longitude ranges (two when the box crosses the antimeridian) that
    contain every point within the radius."""

    min_latitude: float
    max_latitude: float
    longitude_ranges: tuple[tuple[float, float], ...]

    def q(self, prefix: str = "") -> Q:
        inside = Q(**{f"{prefix}latitude__gte": self.min_latitude, f"{prefix}latitude__lte": self.max_latitude})
        if self.longitude_ranges == ((-180.0, 180.0),):
            return inside
        across = Q()
        for low, high in self.longitude_ranges:
            across |= Q(**{f"{prefix}longitude__gte": low, f"{prefix}longitude__lte": high})
        return inside & across


def bounding_box(center: Point, radius_km: float) -> BoundingBox:
    """The smallest latitude/longitude box around the circle (J. P. Matuschek, "Finding points within a
    distance of a latitude/longitude using bounding coordinates"); the whole band of longitudes when the
    circle reaches a pole."""
    angular = radius_km / EARTH_RADIUS_KM
    lat = math.radians(center.latitude)
    lon = math.radians(center.longitude)
    low, high = lat - angular, lat + angular
    margin = BOX_MARGIN_DEGREES
    if low <= -math.pi / 2 or high >= math.pi / 2:
        return BoundingBox(
            max(-90.0, math.degrees(low) - margin), min(90.0, math.degrees(high) + margin), ((-180.0, 180.0),)
        )
    delta = math.asin(min(1.0, math.sin(angular) / math.cos(lat)))
    west, east = math.degrees(lon - delta) - margin, math.degrees(lon + delta) + margin
    if east - west >= 360:
        ranges: tuple[tuple[float, float], ...] = ((-180.0, 180.0),)
    elif west < -180:
        ranges = ((west + 360, 180.0), (-180.0, east))
    elif east > 180:
        ranges = ((west, 180.0), (-180.0, east - 360))
    else:
        ranges = ((west, east),)
    return BoundingBox(math.degrees(low) - margin, math.degrees(high) + margin, ranges)


# --- the query ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryQuery:
    """What a search asks for. Empty fields do not filter. `within_km` needs `near`; without it the
    results are every match, nearest first, with those that have no coordinates last."""

    text: str = ""
    category_id: int | None = None
    language: str = ""
    open_now: bool = False
    near: Point | None = None
    within_km: float | None = None
    include_inactive: bool = False
    at: datetime | None = None  # the moment "open now" refers to; default: now

    @property
    def filtered(self) -> bool:
        return bool(self.text or self.category_id or self.language or self.open_now or self.within_km)


@dataclass(frozen=True)
class Hit:
    service_id: int
    distance_km: float | None  # to the nearest of its locations; None without a point or coordinates
    location_id: int | None  # that nearest location


def check_language(code: str) -> str:
    """A language code as stored (lower case); ValueError for anything that is not one."""
    code = code.strip().lower()
    if not LANGUAGE_CODE.match(code):
        raise ValueError(f"“{code}” is not a language code (ISO 639, e.g. en, es, vi).")
    return code


def check_radius(within_km: float) -> float:
    if not (math.isfinite(within_km) and 0 < within_km <= MAX_RADIUS_KM):
        raise ValueError(f"The distance must be more than 0 and at most {MAX_RADIUS_KM:,.0f} km.")
    return within_km


def term_with_descendants(term_id: int) -> set[int]:
    """The term and every term under it, at any depth (one query over the tenant's terms)."""
    tenant = TaxonomyTerm.objects.filter(pk=term_id).values("organization_id")[:1]
    rows = TaxonomyTerm.objects.filter(organization_id=Subquery(tenant)).values_list("pk", "parent_id")
    children: dict[int, list[int]] = defaultdict(list)
    known = set()
    for pk, parent in rows:
        known.add(pk)
        if parent is not None:
            children[parent].append(pk)
    if term_id not in known:
        return set()
    found, frontier = {term_id}, [term_id]
    while frontier:
        nxt = [child for pk in frontier for child in children[pk] if child not in found]
        found.update(nxt)
        frontier = nxt
    return found


def _language_q(code: str) -> Q:
    from django.db import connection

    if connection.features.supports_json_field_contains:
        return Q(languages__contains=[code])  # jsonb @> on PostgreSQL
    # SQLite keeps the list as JSON text: match the quoted code (check_language allows no quotes).
    return Q(languages__icontains=f'"{code}"')


def _schedule_zone_sql() -> Case:
    """hours.schedule_zone in SQL, on a Schedule row."""
    first_location_zone = Subquery(
        ServiceAtLocation.objects.filter(service_id=OuterRef("service_id"))
        .order_by("pk")
        .values("location__timezone")[:1]
    )
    return Case(
        When(
            location__isnull=False,
            then=Coalesce(NullIf(F("location__timezone"), Value("")), F("organization__timezone")),
        ),
        default=Coalesce(NullIf(first_location_zone, Value("")), F("organization__timezone")),
        output_field=CharField(),
    )


def zones_in_use(organization_id: int | None) -> list[str]:
    """Every zone a schedule of the tenant can be in: its locations' and its own (one query)."""
    locations = Location.objects.exclude(timezone="")
    organizations = Organization.objects.all()
    if organization_id is not None:
        locations = locations.filter(organization_id=organization_id)
        organizations = organizations.filter(pk=organization_id)
    rows = (
        locations.order_by().values_list("timezone").distinct().union(organizations.order_by().values_list("timezone"))
    )
    return sorted({zone for (zone,) in rows})


def open_at_filter(at: datetime, zones: Iterable[str]) -> Q:
    """Services open at `at`: a schedule of their own or of one of their locations (hours.is_open_at) in
    that schedule's zone, for each zone in `zones`.

    Two uncorrelated subqueries of service ids (schedules of services, schedules of locations), each
    evaluated once over the schedules open at that moment: a correlated EXISTS per service made SQLite,
    which has no statistics, scan every location schedule for every service (bench/directory.py)."""
    branches = Q()
    for zone in zones:
        moment = LocalMoment.of(at, zone)
        if moment is None:
            continue
        branches |= (
            Q(zone=moment.zone, days__contains=f"{moment.weekday},")
            & Q(opens_at__lte=moment.time, closes_at__gt=moment.time)
            & (Q(valid_from__isnull=True) | Q(valid_from__lte=moment.day))
            & (Q(valid_to__isnull=True) | Q(valid_to__gte=moment.day))
        )
    if not branches:
        return Q(pk__in=[])
    schedules = Schedule.objects.annotate(
        zone=_schedule_zone_sql(),
        days=Concat(Value(","), Replace(Upper("byday"), Value(" "), Value("")), Value(","), output_field=CharField()),
    ).filter(branches)
    own = schedules.filter(service__isnull=False).values("service_id")
    at_location = ServiceAtLocation.objects.filter(
        location_id__in=schedules.filter(service__isnull=True).values("location_id")
    ).values("service_id")
    return Q(pk__in=own) | Q(pk__in=at_location)


def filtered_services(
    services: QuerySet[Service], query: DirectoryQuery, organization_id: int | None = None
) -> QuerySet[Service]:
    """`services` narrowed by every filter except distance."""
    qs = services
    if not query.include_inactive:
        qs = qs.filter(status=ServiceStatus.ACTIVE)
    for word in query.text.split()[:MAX_TEXT_WORDS]:
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(alternate_name__icontains=word)
            | Q(description__icontains=word)
            | Q(resource_organization__name__icontains=word)
        )
    if query.language:
        qs = qs.filter(_language_q(check_language(query.language)))
    if query.category_id is not None:
        terms = term_with_descendants(query.category_id)
        through = Service.categories.through
        qs = qs.filter(Exists(through.objects.filter(service_id=OuterRef("pk"), taxonomyterm_id__in=terms)))
    if query.open_now:
        qs = qs.filter(open_at_filter(query.at or timezone.now(), zones_in_use(organization_id)))
    return qs


def search(services: QuerySet[Service], query: DirectoryQuery, organization_id: int | None = None) -> list[Hit]:
    """The services matching `query` among `services` (the caller's scope, access.services_visible_to),
    in order: nearest first with their distance when there is a point, else by name.

    `organization_id` is the tenant of `services` (None for several): it lets the bounding box use the
    (organization, latitude, longitude) index. A radius without a point is ignored.
    """
    qs = filtered_services(services, query, organization_id)
    if query.near is None:
        return [Hit(pk, None, None) for pk in qs.order_by("name", "pk").values_list("pk", flat=True)]

    # EXISTS per candidate location rather than service_id IN (...): given the IN list, SQLite (no
    # statistics) probed every listed service for every location in the box (bench/directory.py).
    places = ServiceAtLocation.objects.filter(
        Exists(qs.filter(pk=OuterRef("service_id"))),
        location__latitude__isnull=False,
        location__longitude__isnull=False,
    )
    if organization_id is not None:
        places = places.filter(location__organization_id=organization_id)
    if query.within_km is not None:
        places = places.filter(bounding_box(query.near, check_radius(query.within_km)).q("location__"))
    # Cast to floating point in SQL: converting every value to Decimal and back cost more than the distances.
    rows = list(
        places.annotate(
            lat=Cast("location__latitude", FloatField()), lon=Cast("location__longitude", FloatField())
        ).values_list("service_id", "location_id", "lat", "lon")
    )
    nearest: dict[int, tuple[float, int]] = {}
    for (service_id, location_id, _, _), km in zip(
        rows, distances_km(query.near, [(r[2], r[3]) for r in rows]), strict=True
    ):
        best = nearest.get(service_id)
        if best is None or km < best[0] or (km == best[0] and location_id < best[1]):
            nearest[service_id] = (km, location_id)
    if query.within_km is not None:
        nearest = {pk: best for pk, best in nearest.items() if best[0] <= query.within_km}
    ranked = sorted(nearest.items(), key=lambda item: (item[1][0], item[0]))
    hits = [Hit(pk, km, location_id) for pk, (km, location_id) in ranked]
    if query.within_km is None:
        # Services without coordinates cannot be placed: after the others, by name.
        hits += [
            Hit(pk, None, None) for pk in qs.order_by("name", "pk").values_list("pk", flat=True) if pk not in nearest
        ]
    return hits


# --- a page of results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """One result as the directory page and the API show it."""

    service: Service
    distance_km: float | None
    location: Location | None  # the nearest location, else the first
    locations: tuple[Location, ...]
    phones: tuple[Phone, ...]  # the service's, then its locations'
    schedules: tuple[tuple[Schedule, str], ...]  # with the zone each is in
    opening: Opening


def with_details(services: QuerySet[Service]) -> QuerySet[Service]:
    """Services with what a listing shows, prefetched (four queries beyond the services)."""
    return services.select_related("resource_organization", "organization", "verified_by").prefetch_related(
        Prefetch(
            "service_at_locations",
            ServiceAtLocation.objects.select_related("location").order_by("pk"),
        ),
        Prefetch("phones", Phone.objects.order_by("pk")),
        Prefetch("schedules", Schedule.objects.select_related("location").order_by("pk")),
        "categories",
    )


def listings(hits: Sequence[Hit], at: datetime | None = None) -> list[Listing]:
    """The services of `hits` (already in scope and ranked) with locations, phones and today's hours, in
    the hits' order. Seven queries whatever the number of hits."""
    at = at or timezone.now()
    by_pk = {s.pk: s for s in with_details(Service.objects.filter(pk__in=[h.service_id for h in hits]))}
    location_ids = {sal.location_id for s in by_pk.values() for sal in s.service_at_locations.all()}
    location_schedules: dict[int, list[Schedule]] = defaultdict(list)
    location_phones: dict[int, list[Phone]] = defaultdict(list)
    if location_ids:
        places = {sal.location_id: sal.location for s in by_pk.values() for sal in s.service_at_locations.all()}
        for schedule in Schedule.objects.filter(service__isnull=True, location_id__in=location_ids).order_by("pk"):
            schedule.location = places[schedule.location_id]  # type: ignore[index]  # already loaded
            location_schedules[schedule.location_id].append(schedule)  # type: ignore[index]
        for phone in Phone.objects.filter(service__isnull=True, location_id__in=location_ids).order_by("pk"):
            location_phones[phone.location_id].append(phone)  # type: ignore[index]
    out = []
    for hit in hits:
        service = by_pk.get(hit.service_id)
        if service is None:
            continue
        locations = tuple(sal.location for sal in service.service_at_locations.all())
        first = locations[0] if locations else None
        zone = service.organization.timezone
        pairs = [(s, schedule_zone(s, first, zone)) for s in service.schedules.all()]
        pairs += [(s, schedule_zone(s, first, zone)) for loc in locations for s in location_schedules[loc.pk]]
        nearest = next((loc for loc in locations if loc.pk == hit.location_id), first)
        phones = (*service.phones.all(), *(p for loc in locations for p in location_phones[loc.pk]))
        out.append(
            Listing(
                service=service,
                distance_km=hit.distance_km,
                location=nearest,
                locations=locations,
                phones=phones,
                schedules=tuple(pairs),
                opening=opening(pairs, at),
            )
        )
    return out


def listing_for(service: Service, at: datetime | None = None) -> Listing:
    """One service's listing (the detail page)."""
    return listings([Hit(service.pk, None, None)], at)[0]
