"""python -m bench directory: the resource directory's search at scale.

Builds the data set-based like bench/followup.py (INSERT ... SELECT over generate_series on PostgreSQL, a
recursive CTE on SQLite, deterministic scatter arithmetic instead of random(); nothing is loaded into
Python): `services` services (default 10,000), each at its own location spread evenly over a region of
about 170 x 170 km around New York (one in ten without coordinates, one in ten in another time zone), one
weekly schedule each (four patterns of days and hours) plus Saturday hours at one location in ten, one or
two of 40 taxonomy terms (8 categories of 5), a phone, and languages from five lists.

It measures linkage.search.search (distance within 5 and 25 km of the region's centre, no radius but
everything sorted by distance, 25 km with a category and a language, free text, open now, open now within
25 km), linkage.search.listings for the page of the 20 nearest, the haversine loop alone over every
location, and the whole directory page around a participant, nearest first (Django's test client: the full
stack but the network).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import FloatField, QuerySet
from django.db.models.functions import Cast
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.linkage.access import services_visible_to
from alongside.linkage.models import Location, Phone, Schedule, Service, ServiceAtLocation, TaxonomyTerm
from alongside.linkage.search import DirectoryQuery, Point, distances_km, listings, search
from alongside.people.models import Participant, Supporter
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus
from alongside.programs.services import save_program
from alongside.taxonomy import default_activities
from bench.followup import Measured, Sql, _contiguous_ids, _hash, _result, _timed, insert_select, measured_table
from bench.harness import DEFAULT_OUTPUT, engine_label, fresh_database, publish

BENCH_DATABASE = "alongside_bench_directory"
SCALES = {"default": 10_000, "large": 100_000}
# The region: latitudes 40.0..41.5, longitudes -75.0..-73.0 (about 167 x 168 km); its centre.
SOUTH, WEST, LAT_SPAN, LON_SPAN = 40.0, -75.0, 1.5, 2.0
CENTRE = Point(SOUTH + LAT_SPAN / 2, WEST + LON_SPAN / 2)
CATEGORIES, SUBCATEGORIES = 8, 5
KINDS = (
    ("Food pantry", "Groceries and fresh vegetables"),
    ("Diabetes education", "Classes on food, activity and medicines"),
    ("Counselling", "Talking with a counsellor about stress and low mood"),
    ("Transportation", "Rides to medical appointments"),
    ("Housing help", "Help with rent, repairs and shelter"),
    ("Walking group", "Weekly walks in the park"),
    ("Legal aid", "Advice on benefits and tenancy"),
    ("Community clinic", "Primary care and blood pressure checks"),
)
LANGUAGES = ('["en"]', '["en", "es"]', '["es"]', '["en", "vi"]', '["en", "zh"]')
# Weekly patterns by i % 4: days, opens, closes.
WEEKLY = (
    ("MO,TU,WE,TH,FR", "09:00:00", "17:00:00"),
    ("MO,WE,FR", "08:00:00", "12:00:00"),
    ("TU,TH,SA", "13:00:00", "20:00:00"),
    ("MO,TU,WE,TH,FR,SA,SU", "10:00:00", "16:00:00"),
)
# A Tuesday at 10:30 in New York: three patterns of four are open there.
OPEN_NOW_AT = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)
PAGE = 20


@dataclass(frozen=True)
class DirectorySize:
    services: int

    @property
    def label(self) -> str:
        return f"{self.services:,} services at {self.services:,} locations"


@dataclass(frozen=True)
class DirectoryDataset:
    size: DirectorySize
    organization: Organization
    coordinator: User
    supporter: User
    participant: Participant
    category: TaxonomyTerm  # a top-level category (its five children count)
    schedules: int

    @property
    def label(self) -> str:
        return f"{self.size.label}, {self.schedules:,} schedules"


def _case(selector: str, values: tuple[str, ...]) -> str:
    return "(CASE " + " ".join(f"WHEN {selector} = {k} THEN {v}" for k, v in enumerate(values)) + " END)"


def _typed(sql: Sql, expression: str, pg_type: str) -> str:
    """PostgreSQL wants text cast to the column's type; SQLite stores the text as it is."""
    return f"CAST({expression} AS {pg_type})" if sql.vendor == "postgresql" else expression


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_directory_dataset(size: DirectorySize, quiet: bool = False) -> DirectoryDataset:
    """The data described in the module docstring, in one transaction, then analysed on PostgreSQL."""
    sql = Sql(connection.vendor)
    started = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            print(f"  {message} ({time.perf_counter() - started:.0f} s)", flush=True)

    now = timezone.now()
    n = size.services
    with transaction.atomic():
        org = Organization.objects.create(
            name="Directory Bench", slug=f"directory-bench-{Organization.objects.count()}-{int(time.time())}"
        )
        coordinator = User(username=f"bench-directory-coordinator-{org.pk}", role=Role.COORDINATOR, organization=org)
        coordinator.set_unusable_password()
        coordinator.save()
        supporter = User(username=f"bench-directory-supporter-{org.pk}", role=Role.SUPPORTER, organization=org)
        supporter.set_unusable_password()
        supporter.save()
        supporter_row = Supporter.objects.create(organization=org, user=supporter, kind="peer_coach", languages=["en"])
        program = save_program(
            coordinator,
            org,
            {
                "name": "Community Health Workers",
                "models": [4],
                "conditions": ["type2_diabetes"],
                "languages": ["en", "es"],
                "activities": default_activities([4]),
            },
        )
        participant = Participant.objects.create(
            organization=org,
            preferred_name="Dana",
            family_name="Bench",
            latitude=Decimal(str(round(CENTRE.latitude, 6))),
            longitude=Decimal(str(round(CENTRE.longitude, 6))),
        )
        enrollment = Enrollment.objects.create(
            participant=participant,
            program=program,
            status=EnrollmentStatus.ACTIVE,
            status_changed_at=now,
            enrolled_on=timezone.localdate(now),
            created_by=coordinator,
        )
        Assignment.objects.create(
            enrollment=enrollment, supporter=supporter_row, assigned_at=now, assigned_by=coordinator
        )

        parents = TaxonomyTerm.objects.bulk_create(
            TaxonomyTerm(organization=org, code=f"cat{c}", name=KINDS[c][0], taxonomy="bench", hsds_id=f"bench-cat-{c}")
            for c in range(CATEGORIES)
        )
        TaxonomyTerm.objects.bulk_create(
            TaxonomyTerm(
                organization=org,
                code=f"cat{c}.{s}",
                name=f"{KINDS[c][0]} {s + 1}",
                taxonomy="bench",
                parent=parents[c],
                hsds_id=f"bench-cat-{c}-{s}",
            )
            for c in range(CATEGORIES)
            for s in range(SUBCATEGORIES)
        )
        child_low, _ = _contiguous_ids(TaxonomyTerm, organization=org, parent__isnull=False)
        say(f"{CATEGORIES * (SUBCATEGORIES + 1)} taxonomy terms")

        with_clause, source = sql.series(1, n)
        kind = f"(g.i % {len(KINDS)})"
        insert_select(
            Service,
            {
                "organization": str(org.pk),
                "hsds_id": "'bench-service-' || g.i",
                "name": _case(kind, tuple(_quote(k[0] + " ") for k in KINDS)) + " || g.i",
                "description": _case(kind, tuple(_quote(k[1]) for k in KINDS)),
                "status": "CASE WHEN g.i % 20 = 0 THEN 'inactive' ELSE 'active' END",
                "languages": _typed(sql, _case("(g.i % 5)", tuple(_quote(v) for v in LANGUAGES)), "jsonb"),
                "is_clinical": f"({kind} = 7)",
            },
            source,
            with_clause,
            now,
        )
        service_low, _ = _contiguous_ids(Service, organization=org)
        say(f"{n:,} services")

        with_clause, source = sql.series(1, n)
        has_place = "g.i % 10 <> 3"
        latitude = f"{SOUTH} + {_hash('g.i', 48271, 150_001)} / 100000.0"
        longitude = f"{WEST} + {_hash('g.i', 69621, 200_001)} / 100000.0"
        insert_select(
            Location,
            {
                "organization": str(org.pk),
                "hsds_id": "'bench-location-' || g.i",
                "name": "'Site ' || g.i",
                "address_1": "(g.i % 900 + 1) || ' Main Street'",
                "city": "'Riverside'",
                "latitude": f"CASE WHEN {has_place} THEN {latitude} END",
                "longitude": f"CASE WHEN {has_place} THEN {longitude} END",
                "timezone": "CASE WHEN g.i % 10 = 7 THEN 'America/Chicago' ELSE '' END",
            },
            source,
            with_clause,
            now,
        )
        location_low, _ = _contiguous_ids(Location, organization=org)
        insert_select(
            ServiceAtLocation,
            {
                "organization": str(org.pk),
                "hsds_id": "'bench-sal-' || g.i",
                "service": f"{service_low} + g.i - 1",
                "location": f"{location_low} + g.i - 1",
            },
            source,
            with_clause,
            now,
        )
        say(f"{n:,} locations")

        pattern = "(g.i % 4)"
        insert_select(
            Schedule,
            {
                "organization": str(org.pk),
                "hsds_id": "'bench-schedule-' || g.i",
                "service": f"{service_low} + g.i - 1",
                "location": f"{location_low} + g.i - 1",
                "freq": "'WEEKLY'",
                "byday": _case(pattern, tuple(_quote(w[0]) for w in WEEKLY)),
                "opens_at": _typed(sql, _case(pattern, tuple(_quote(w[1]) for w in WEEKLY)), "time"),
                "closes_at": _typed(sql, _case(pattern, tuple(_quote(w[2]) for w in WEEKLY)), "time"),
            },
            source,
            with_clause,
            now,
        )
        insert_select(
            Schedule,
            {
                "organization": str(org.pk),
                "hsds_id": "'bench-schedule-sa-' || g.i",
                "location": f"{location_low} + g.i - 1",
                "freq": "'WEEKLY'",
                "byday": "'SA'",
                "opens_at": _typed(sql, "'10:00:00'", "time"),
                "closes_at": _typed(sql, "'14:00:00'", "time"),
            },
            f"{source} WHERE g.i % 10 = 5",
            with_clause,
            now,
        )
        schedules = Schedule.objects.filter(organization=org).count()
        say(f"{schedules:,} schedules")

        through = Service.categories.through
        insert_select(
            through,
            {
                "service": f"{service_low} + g.i - 1",
                "taxonomyterm": f"{child_low} + {_hash('g.i', 7919, CATEGORIES * SUBCATEGORIES)}",
            },
            source,
            with_clause,
            now,
        )
        insert_select(
            through,
            {
                "service": f"{service_low} + g.i - 1",
                "taxonomyterm": f"{child_low} + ({_hash('g.i', 7919, CATEGORIES * SUBCATEGORIES)} + 7) "
                f"% {CATEGORIES * SUBCATEGORIES}",
            },
            f"{source} WHERE g.i % 10 < 3",
            with_clause,
            now,
        )
        insert_select(
            Phone,
            {
                "organization": str(org.pk),
                "hsds_id": "'bench-phone-' || g.i",
                "service": f"{service_low} + g.i - 1",
                "number": "'+1202' || (2000000 + g.i % 7000000)",
                "type": "'voice'",
            },
            source,
            with_clause,
            now,
        )
        say(f"{n:,} phones and the categories")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        say("vacuumed and analyzed")
    return DirectoryDataset(size, org, coordinator, supporter, participant, parents[1], schedules)


# ---- measuring ----


def _measure(name: str, operation: Callable[[], Any], repeat: int) -> Measured:
    operation()  # warm-up
    with CaptureQueriesContext(connection) as captured:
        operation()
    return _result(name, len(captured), _timed(operation, repeat))


def _searches(dataset: DirectoryDataset) -> dict[str, DirectoryQuery]:
    return {
        "within 5 km": DirectoryQuery(near=CENTRE, within_km=5),
        "within 25 km": DirectoryQuery(near=CENTRE, within_km=25),
        "no radius, every service sorted by distance": DirectoryQuery(near=CENTRE),
        "within 25 km, a category (5 terms under it) and a language": DirectoryQuery(
            near=CENTRE, within_km=25, category_id=dataset.category.pk, language="es"
        ),
        "free text “diabetes”, no point": DirectoryQuery(text="diabetes"),
        "open now, no point": DirectoryQuery(open_now=True, at=OPEN_NOW_AT),
        "open now within 25 km": DirectoryQuery(near=CENTRE, within_km=25, open_now=True, at=OPEN_NOW_AT),
    }


def _searching(scope: QuerySet[Service], query: DirectoryQuery, org_id: int) -> Callable[[], Any]:
    return lambda: search(scope, query, org_id)


def measure_searches(dataset: DirectoryDataset, repeat: int) -> list[Measured]:
    scope = services_visible_to(dataset.coordinator)
    org_id = dataset.organization.pk
    results = []
    for name, query in _searches(dataset).items():
        found = len(search(scope, query, org_id))
        results.append(_measure(f"search: {name} ({found:,} found)", _searching(scope, query, org_id), repeat))
    hits = search(scope, DirectoryQuery(near=CENTRE), org_id)[:PAGE]
    results.append(_measure(f"listings: the {len(hits)} nearest (a page)", lambda: listings(hits, OPEN_NOW_AT), repeat))
    coordinates = list(
        Location.objects.filter(organization=dataset.organization, latitude__isnull=False)
        .annotate(lat=Cast("latitude", FloatField()), lon=Cast("longitude", FloatField()))
        .values_list("lat", "lon")
    )
    results.append(
        _measure(
            f"haversine loop alone ({len(coordinates):,} locations, no database)",
            lambda: distances_km(CENTRE, coordinates),
            repeat,
        )
    )
    return results


def measure_page(dataset: DirectoryDataset, repeat: int) -> list[Measured]:
    """GET the directory page around a participant (everything, nearest first), as their supporter."""
    client = Client()
    client.force_login(dataset.supporter)
    url = f"{reverse('linkage:directory')}?participant={dataset.participant.pk}"

    def get() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"bench: {url} answered {response.status_code}: {response.content[:300]!r}")

    get()
    # Counted with a wrapper: a request resets connection.queries, which CaptureQueriesContext reads.
    queries: list[str] = []

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        get()
    samples = _timed(get, repeat, before=cache.clear)
    return [_result(f"GET directory page around a participant, nearest first ({PAGE} shown)", len(queries), samples)]


def run_directory_benchmarks(dataset: DirectoryDataset, repeat: int) -> list[Measured]:
    return [*measure_searches(dataset, repeat), *measure_page(dataset, max(3, repeat // 2))]


def directory_table(results: list[Measured], engine_name: str, dataset_label: str, day: date, cores: str) -> str:
    return measured_table(results, engine_name, dataset_label, day, cores)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench directory", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="default")
    parser.add_argument("--services", type=int, help="override the scale's number of services")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per operation (default %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown report to update")
    parser.add_argument("--no-output", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    size = DirectorySize(args.services or SCALES[args.scale])
    if size.services < 20 or args.repeat < 1:
        parser.error("at least 20 services and 1 repeat")
    settings.DEBUG = False
    with fresh_database(BENCH_DATABASE):
        print(f"{engine_label()}: building {size.label} ...", flush=True)
        started = time.perf_counter()
        dataset = build_directory_dataset(size)
        print(f"built in {time.perf_counter() - started:.0f} s; measuring ...", flush=True)
        results = run_directory_benchmarks(dataset, args.repeat)
        table = directory_table(results, engine_label(), dataset.label, date.today(), str(os.cpu_count() or "?"))
    publish(table, None if args.no_output else args.output, f"directory-{connection.vendor}")
    return 0
