"""The organization's resource directory as HSDS 3.0: a JSON list of services (each with its organization,
locations, phones, schedules, languages and taxonomy terms nested, as the published service example), and
the tabular form (the CSV tables and a datapackage.json, zipped).

The JSON is service-centred, as the specification's service schema is: an organization, location or term
that no service uses is not in it. The CSV tables hold the whole directory. Both re-import into an
identical directory (the round-trip tests check counts and values).

Two HSDS records have no row of their own here, so their ids are derived (stable across exports, UUID 5):
a location's address, and the attribute linking a service to a taxonomy term. Alongside's own fields travel
as extension properties (`x_alongside_is_clinical`, `x_alongside_timezone`); HSDS allows additional data.

Every table is read once (one query per table), then assembled in memory.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone

from alongside.accounts.models import Organization
from alongside.linkage.hsds.clean import ISO639_3_TO_1
from alongside.linkage.hsds.spec import EXTENSION_COLUMNS, KEPT_TABLES, csv_name
from alongside.linkage.models import (
    Location,
    Phone,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    TaxonomyTerm,
)

# Namespace of the derived ids (addresses, attributes, taxonomies).
ID_NAMESPACE = uuid.UUID("0b6d3f52-3c1e-4f57-9a53-5b2f0f4c8a11")

NUMBER_COLUMNS = frozenset(
    {"latitude", "longitude", "minimum_age", "maximum_age", "year_incorporated", "extension", "timezone"}
    | {"count", "interval"}
)
DATE_COLUMNS = frozenset({"assured_date", "valid_from", "valid_to", "dtstart", "until", "last_action_date"})


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


@dataclass
class Snapshot:
    """The whole directory of one organization, each table read once."""

    organizations: dict[int, ResourceOrganization]
    services: list[Service]
    locations: dict[int, Location]
    terms: dict[int, TaxonomyTerm]
    service_at_locations: list[ServiceAtLocation]
    phones: list[Phone]
    schedules: list[Schedule]
    languages: list[ServiceLanguage]
    categories: dict[int, list[int]]  # service pk -> term pks

    @classmethod
    def of(cls, organization: Organization) -> Snapshot:
        scope = {"organization": organization}
        categories: dict[int, list[int]] = defaultdict(list)
        through = Service.categories.through.objects.filter(service__organization=organization)
        for service_id, term_id in through.order_by("service_id", "taxonomyterm_id").values_list(
            "service_id", "taxonomyterm_id"
        ):
            categories[service_id].append(term_id)
        return cls(
            organizations={o.pk: o for o in ResourceOrganization.objects.filter(**scope).order_by("name", "pk")},
            services=list(Service.objects.filter(**scope).order_by("name", "pk")),
            locations={loc.pk: loc for loc in Location.objects.filter(**scope).order_by("name", "pk")},
            terms={t.pk: t for t in TaxonomyTerm.objects.filter(**scope).order_by("name", "pk")},
            service_at_locations=list(ServiceAtLocation.objects.filter(**scope).order_by("pk")),
            phones=list(Phone.objects.filter(**scope).order_by("pk")),
            schedules=list(Schedule.objects.filter(**scope).order_by("pk")),
            languages=list(ServiceLanguage.objects.filter(**scope).order_by("pk")),
            categories=categories,
        )

    def grouped(self, records: list[Any], attname: str) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = defaultdict(list)
        for record in records:
            key = getattr(record, attname)
            if key is not None:
                out[key].append(record)
        return out


def _value(value: Any) -> Any:
    """A model value as JSON: dates and times as ISO text, coordinates as numbers."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _compact(record: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Drops empty values (HSDS formats such as email refuse an empty string), except the `keep` keys (required
    by the schema)."""
    return {k: _value(v) for k, v in record.items() if k in keep or v not in (None, "")}


# --- record builders (shared by JSON and CSV) ------------------------------------------------------------


def organization_record(o: ResourceOrganization) -> dict[str, Any]:
    return _compact(
        {
            "id": o.hsds_id,
            "name": o.name,
            "alternate_name": o.alternate_name,
            "description": o.description,
            "email": o.email,
            "website": o.website,
            "tax_status": o.tax_status,
            "year_incorporated": o.year_incorporated,
            "legal_status": o.legal_status,
        },
        keep=("id", "name", "description"),
    )


def service_record(s: Service, snapshot: Snapshot) -> dict[str, Any]:
    organization = snapshot.organizations.get(s.resource_organization_id or 0)
    return _compact(
        {
            "id": s.hsds_id,
            "organization_id": organization.hsds_id if organization else None,
            "name": s.name,
            "alternate_name": s.alternate_name,
            "description": s.description,
            "url": s.url,
            "email": s.email,
            "status": s.status,
            "interpretation_services": s.interpretation_services,
            "application_process": s.application_process,
            "fees_description": s.fees_description,
            "eligibility_description": s.eligibility_description,
            "minimum_age": s.minimum_age,
            "maximum_age": s.maximum_age,
            "assured_date": s.verified_on,
            "assurer_email": s.assurer_email,
            "alert": s.alert,
            "last_modified": s.last_modified,
            "x_alongside_is_clinical": s.is_clinical,
        },
        keep=("id", "name", "status"),
    )


def location_record(loc: Location, snapshot: Snapshot) -> dict[str, Any]:
    organization = snapshot.organizations.get(loc.resource_organization_id or 0)
    return _compact(
        {
            "id": loc.hsds_id,
            "location_type": loc.location_type,
            "organization_id": organization.hsds_id if organization else None,
            "name": loc.name,
            "alternate_name": loc.alternate_name,
            "description": loc.description,
            "transportation": loc.transportation,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "x_alongside_timezone": loc.timezone,
        },
        keep=("id", "location_type"),
    )


def address_record(loc: Location) -> dict[str, Any] | None:
    fields = ("address_1", "address_2", "city", "region", "state_province", "postal_code", "country")
    if not any(getattr(loc, f) for f in fields):
        return None
    record: dict[str, Any] = {"id": derived_id("address", loc.hsds_id), "location_id": loc.hsds_id}
    record.update({f: getattr(loc, f) for f in fields})
    record["address_type"] = "postal" if loc.location_type == "postal" else "physical"
    # The schema requires these keys (empty text is allowed); address_2 and region are optional.
    return _compact(record, keep=("id", "address_1", "city", "state_province", "postal_code", "country"))


def phone_record(p: Phone, snapshot: Snapshot, services: dict[int, Service]) -> dict[str, Any]:
    service = services.get(p.service_id or 0)
    location = snapshot.locations.get(p.location_id or 0)
    organization = snapshot.organizations.get(p.resource_organization_id or 0)
    return _compact(
        {
            "id": p.hsds_id,
            "location_id": location.hsds_id if location else None,
            "service_id": service.hsds_id if service else None,
            "organization_id": organization.hsds_id if organization else None,
            "number": p.number,
            # HSDS 3.0 types the extension as a number; one that is not (kept as written on import) is left out.
            "extension": int(p.extension) if p.extension.isdigit() else None,
            "type": p.type,
            "description": p.description,
        },
        keep=("id", "number"),
    )


def schedule_record(s: Schedule, snapshot: Snapshot, services: dict[int, Service]) -> dict[str, Any]:
    service = services.get(s.service_id or 0)
    location = snapshot.locations.get(s.location_id or 0)
    return _compact(
        {
            "id": s.hsds_id,
            "service_id": service.hsds_id if service else None,
            "location_id": location.hsds_id if location else None,
            "valid_from": s.valid_from,
            "valid_to": s.valid_to,
            "freq": s.freq,
            "byday": s.byday,
            "description": s.description,
            "opens_at": s.opens_at,
            "closes_at": s.closes_at,
            "notes": s.notes,
        },
        keep=("id",),
    )


def language_record(lang: ServiceLanguage, service: Service) -> dict[str, Any]:
    return _compact(
        {"id": lang.hsds_id, "service_id": service.hsds_id, "name": lang.name, "code": lang.code, "note": lang.note},
        keep=("id",),
    )


def language_records(service: Service, records: list[ServiceLanguage]) -> list[dict[str, Any]]:
    """The service's language records, plus one for each code in its list that has none (a code added on the
    curation page), so the list re-imports whole."""
    out = [language_record(lang, service) for lang in records]
    listed = {ISO639_3_TO_1.get(base, base) for base in (lang.code.split("-")[0] for lang in records)}
    out += [
        {"id": derived_id("language", service.hsds_id, code), "service_id": service.hsds_id, "code": code}
        for code in service.languages
        if code not in listed
    ]
    return out


def term_record(t: TaxonomyTerm, snapshot: Snapshot) -> dict[str, Any]:
    parent = snapshot.terms.get(t.parent_id or 0)
    return _compact(
        {
            "id": t.hsds_id,
            "code": t.code,
            "name": t.name,
            "description": t.description,
            "parent_id": parent.hsds_id if parent else None,
            "taxonomy": t.taxonomy,
            "language": t.language,
            "taxonomy_id": derived_id("taxonomy", t.taxonomy) if t.taxonomy else None,
            "term_uri": t.term_uri,
        },
        keep=("id", "name", "description"),
    )


def attribute_record(service: Service, term: TaxonomyTerm) -> dict[str, Any]:
    return {
        "id": derived_id("attribute", service.hsds_id, term.hsds_id),
        "link_id": service.hsds_id,
        "taxonomy_term_id": term.hsds_id,
        "link_type": "service_category",
        "link_entity": "service",
    }


# --- JSON -----------------------------------------------------------------------------------------------


def export_json(organization: Organization) -> list[dict[str, Any]]:
    """The directory's services, each with everything about it nested (HSDS 3.0 service objects). Nested
    lists are always present, empty or not, so a re-import states each service in full."""
    snap = Snapshot.of(organization)
    services = {s.pk: s for s in snap.services}
    phones_of_service = snap.grouped(snap.phones, "service_id")
    phones_of_location = snap.grouped(snap.phones, "location_id")
    phones_of_organization = snap.grouped(snap.phones, "resource_organization_id")
    schedules_of_service = snap.grouped(snap.schedules, "service_id")
    schedules_of_location = snap.grouped(snap.schedules, "location_id")
    languages_of_service = snap.grouped(snap.languages, "service_id")
    sals_of_service = snap.grouped(snap.service_at_locations, "service_id")

    def location_object(loc: Location) -> dict[str, Any]:
        address = address_record(loc)
        return {
            **location_record(loc, snap),
            "addresses": [address] if address else [],
            "phones": [phone_record(p, snap, services) for p in phones_of_location.get(loc.pk, [])],
            "schedules": [schedule_record(s, snap, services) for s in schedules_of_location.get(loc.pk, [])],
        }

    out: list[dict[str, Any]] = []
    for service in snap.services:
        record = service_record(service, snap)
        organization_obj = snap.organizations.get(service.resource_organization_id or 0)
        if organization_obj is not None:
            record["organization"] = {
                **organization_record(organization_obj),
                "phones": [
                    phone_record(p, snap, services) for p in phones_of_organization.get(organization_obj.pk, [])
                ],
            }
        record["service_at_locations"] = [
            _compact(
                {
                    "id": sal.hsds_id,
                    "service_id": service.hsds_id,
                    "location_id": snap.locations[sal.location_id].hsds_id,
                    "description": sal.description,
                },
                keep=("id",),
            )
            | {"location": location_object(snap.locations[sal.location_id])}
            for sal in sals_of_service.get(service.pk, [])
        ]
        record["phones"] = [phone_record(p, snap, services) for p in phones_of_service.get(service.pk, [])]
        record["schedules"] = [schedule_record(s, snap, services) for s in schedules_of_service.get(service.pk, [])]
        record["languages"] = language_records(service, languages_of_service.get(service.pk, []))
        record["attributes"] = [
            attribute_record(service, snap.terms[term_id]) | {"taxonomy_term": term_record(snap.terms[term_id], snap)}
            for term_id in snap.categories.get(service.pk, [])
        ]
        out.append(record)
    return out


def export_json_bytes(organization: Organization) -> bytes:
    return json.dumps(export_json(organization), ensure_ascii=False, indent=2).encode()


# --- CSV ------------------------------------------------------------------------------------------------


def export_tables(organization: Organization) -> dict[str, list[dict[str, Any]]]:
    """The whole directory as the HSDS 3.0 tables (rows as dicts keyed by column)."""
    snap = Snapshot.of(organization)
    services = {s.pk: s for s in snap.services}
    languages_of_service = snap.grouped(snap.languages, "service_id")
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in KEPT_TABLES}
    tables["organizations"] = [organization_record(o) for o in snap.organizations.values()]
    for loc in snap.locations.values():
        tables["locations"].append(location_record(loc, snap))
        address = address_record(loc)
        if address is not None:
            tables["addresses"].append(address)
    for service in snap.services:
        tables["services"].append(service_record(service, snap))
        tables["languages"] += language_records(service, languages_of_service.get(service.pk, []))
        for term_id in snap.categories.get(service.pk, []):
            tables["attributes"].append(attribute_record(service, snap.terms[term_id]))
    tables["service_at_location"] = [
        _compact(
            {
                "id": sal.hsds_id,
                "service_id": services[sal.service_id].hsds_id,
                "location_id": snap.locations[sal.location_id].hsds_id,
                "description": sal.description,
            }
        )
        for sal in snap.service_at_locations
    ]
    tables["phones"] = [phone_record(p, snap, services) for p in snap.phones]
    tables["schedules"] = [schedule_record(s, snap, services) for s in snap.schedules]
    tables["taxonomy_terms"] = [term_record(t, snap) for t in snap.terms.values()]
    names = sorted({t.taxonomy for t in snap.terms.values() if t.taxonomy})
    tables["taxonomies"] = [{"id": derived_id("taxonomy", name), "name": name} for name in names]
    return tables


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def columns(table: str) -> tuple[str, ...]:
    return KEPT_TABLES[table] + EXTENSION_COLUMNS.get(table, ())


def column_type(name: str) -> str:
    if name in NUMBER_COLUMNS:
        return "number"
    if name in DATE_COLUMNS:
        return "date"
    if name == "last_modified":
        return "datetime"
    if name in ("opens_at", "closes_at"):
        return "time"
    if name.startswith("x_alongside_is_"):
        return "boolean"
    return "string"


def datapackage(organization: Organization) -> dict[str, Any]:
    """The Frictionless data package descriptor the HSDS tabular form ships with."""
    return {
        "profile": "tabular-data-package",
        "name": f"hsds-{organization.slug}",
        "title": f"{organization.name}: resource directory (HSDS 3.0)",
        "created": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "resources": [
            {
                "name": table,
                "path": csv_name(table),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": c, "type": column_type(c)} for c in columns(table)],
                    "primaryKey": "id",
                },
            }
            for table in KEPT_TABLES
        ],
    }


def export_csv_files(organization: Organization) -> dict[str, bytes]:
    """File name -> content: one CSV per table (every HSDS column, empty where there is no value) and the
    datapackage.json."""
    files: dict[str, bytes] = {}
    for table, rows in export_tables(organization).items():
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        header = columns(table)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in header])
        files[csv_name(table)] = buffer.getvalue().encode()
    files["datapackage.json"] = json.dumps(datapackage(organization), indent=2).encode()
    return files


def export_csv_zip(organization: Organization) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in export_csv_files(organization).items():
            archive.writestr(name, content)
    return buffer.getvalue()
