"""Importing HSDS 3.0 data into an organization's resource directory, record by record.

    read (reader.py)  ->  check every value (clean.py)  ->  group into top-level records  ->  write each in
    its own savepoint, updating what the organization already has with the same HSDS id

A *top-level record* is a taxonomy term, an organization, a location or a service, with the records that
belong to it: a service's phones, schedules, languages, service-at-locations and attributes (its
categories); a location's address and its own phones and schedules; an organization's own phones. One bad
value anywhere in a top-level record skips it with everything that belongs to it; nothing is half-written.

Locations, organizations and taxonomy terms are shared (many services point at one location), so they are
top-level records of their own even when nested in a service. When one is rejected (the published example's
latitude of 100), whatever points at it is still imported *without that link*, and the report says so: the
service stays findable, and the link comes back when the location is corrected and imported again. A
service-at-location whose location is rejected is not imported (it is nothing but that link).

Re-importing the same data updates rather than duplicates: records are matched on (tenant, hsds_id). A
service that states its phones, schedules, languages, locations or attributes in full (the JSON key is
present, or the CSV table is in the upload) loses those it no longer lists ("removed" in the report); a
table left out of an upload leaves those records as they are. Two things the source does not override: a
verification made here that is later than the source's assured_date (or when it states none), and a
location's time zone when the source does not carry Alongside's `x_alongside_timezone`.

Existing records are fetched a table at a time for all the ids an upload names, not one query per field.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from django.db import DatabaseError, IntegrityError, transaction

from alongside.accounts.models import Organization
from alongside.linkage.hsds.clean import (
    Planned,
    clean_attribute,
    clean_language,
    clean_location,
    clean_organization,
    clean_phone,
    clean_schedule,
    clean_service,
    clean_service_at_location,
    clean_term,
)
from alongside.linkage.hsds.reader import Dataset, HsdsFormatError, SourceRow, read_path, read_upload
from alongside.linkage.hsds.report import ImportReport
from alongside.linkage.hsds.spec import KIND_LABELS
from alongside.linkage.models import (
    DirectoryRecord,
    Location,
    Phone,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    TaxonomyTerm,
)

R = TypeVar("R", bound=DirectoryRecord)

MODELS: dict[str, type[DirectoryRecord]] = {
    "taxonomy_terms": TaxonomyTerm,
    "organizations": ResourceOrganization,
    "locations": Location,
    "services": Service,
    "service_at_location": ServiceAtLocation,
    "phones": Phone,
    "schedules": Schedule,
    "languages": ServiceLanguage,
}
HEAD_TABLES = ("taxonomy_terms", "organizations", "locations", "services")
PART_TABLES = ("service_at_location", "phones", "schedules", "languages", "attributes")
# link_entity values (singular or plural table names) -> table.
ENTITIES = {
    "service": "services",
    "services": "services",
    "organization": "organizations",
    "organizations": "organizations",
    "location": "locations",
    "locations": "locations",
    "service_at_location": "service_at_location",
    "phone": "phones",
    "phones": "phones",
}
CHUNK = 500


def _chunks(values: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Directory:
    """The tenant's existing records by HSDS id, fetched a table at a time for the ids an upload names."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.cache: dict[type[DirectoryRecord], dict[str, DirectoryRecord]] = defaultdict(dict)
        self.fetched: dict[type[DirectoryRecord], set[str]] = defaultdict(set)

    def prefetch(self, model: type[DirectoryRecord], ids: Iterable[str]) -> None:
        wanted = sorted({i for i in ids if i} - self.fetched[model])
        for chunk in _chunks(wanted):
            for obj in model._default_manager.filter(organization=self.organization, hsds_id__in=chunk):
                self.cache[model][obj.hsds_id] = obj
        self.fetched[model].update(wanted)

    def get(self, model: type[R], hsds_id: str) -> R | None:
        if not hsds_id:
            return None
        if hsds_id not in self.fetched[model]:
            self.prefetch(model, [hsds_id])
        return cast("R | None", self.cache[model].get(hsds_id))

    def put(self, obj: DirectoryRecord) -> None:
        self.cache[type(obj)][obj.hsds_id] = obj
        self.fetched[type(obj)].add(obj.hsds_id)

    def forget(self, objs: Iterable[DirectoryRecord]) -> None:
        """After a rolled-back savepoint: these objects' in-memory state is not the database's any more."""
        for obj in objs:
            self.cache[type(obj)].pop(obj.hsds_id, None)
            self.fetched[type(obj)].discard(obj.hsds_id)


@dataclass
class Unit:
    """A top-level record and what belongs to it; `owner` is set for a part whose owner is not in the upload
    (a phones.csv on its own, adding phones to services already in the directory)."""

    head: Planned
    parts: list[Planned] = field(default_factory=list)
    given: set[str] = field(default_factory=set)
    owner: tuple[str, str] | None = None


@dataclass
class _Pending:
    """What a unit's writing produced, applied to the report only once its savepoint is committed."""

    counts: list[tuple[str, str]] = field(default_factory=list)
    issues: list[tuple[str, Planned, str, str]] = field(default_factory=list)  # severity, plan, field, message
    touched: list[DirectoryRecord] = field(default_factory=list)
    rejected: list[Planned] = field(default_factory=list)


@dataclass
class _Children:
    """What one service had before this import: its categories (term pks), the HSDS ids of its languages,
    service-at-locations, phones and schedules, and its links to locations (location pk -> HSDS id)."""

    categories: set[int] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    service_at_locations: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    schedules: set[str] = field(default_factory=set)
    location_links: dict[int, str] = field(default_factory=dict)

    @staticmethod
    def fetch(service_pks: list[int]) -> _ServiceChildren:
        """One query per kind for all the services an upload names that exist already."""
        out = _ServiceChildren()
        for start in range(0, len(service_pks), CHUNK):
            chunk = service_pks[start : start + CHUNK]
            through = Service.categories.through.objects.filter(service_id__in=chunk)
            for service_id, term_id in through.values_list("service_id", "taxonomyterm_id"):
                out.of(service_id).categories.add(term_id)
            for service_id, hsds_id in ServiceLanguage.objects.filter(service_id__in=chunk).values_list(
                "service_id", "hsds_id"
            ):
                out.of(service_id).languages.add(hsds_id)
            for service_id, hsds_id, location_id in ServiceAtLocation.objects.filter(service_id__in=chunk).values_list(
                "service_id", "hsds_id", "location_id"
            ):
                out.of(service_id).service_at_locations.add(hsds_id)
                out.of(service_id).location_links[location_id] = hsds_id
            for model, attr in ((Phone, "phones"), (Schedule, "schedules")):
                for service_id, hsds_id in model._default_manager.filter(service_id__in=chunk).values_list(
                    "service_id", "hsds_id"
                ):
                    getattr(out.of(service_id), attr).add(hsds_id)
        return out


class _ServiceChildren(dict[int, _Children]):
    def of(self, service_pk: int) -> _Children:
        return self.setdefault(service_pk, _Children())


class Importer:
    def __init__(self, organization: Organization, dataset: Dataset, report: ImportReport) -> None:
        self.organization = organization
        self.dataset = dataset
        self.report = report
        self.directory = Directory(organization)
        self.rejected: dict[str, dict[str, str]] = defaultdict(dict)  # table -> id -> where
        self.in_upload: dict[str, set[str]] = {}
        self.not_kept_fields: dict[str, set[str]] = defaultdict(set)
        self.not_kept_links: dict[str, int] = defaultdict(int)
        self.pending = _Pending()
        self.children = _ServiceChildren()

    # --- checking and grouping ----------------------------------------------------------------------

    def run(self) -> None:
        plans = self.clean_all()
        self.in_upload = {t: {p.hsds_id for p in ps if p.hsds_id} for t, ps in plans.items()}
        for table, model in MODELS.items():
            self.directory.prefetch(model, self.in_upload.get(table, set()))
        self.prefetch_references(plans)
        existing_services = [self.directory.get(Service, i) for i in self.in_upload.get("services", set())]
        self.children = _Children.fetch([s.pk for s in existing_services if s is not None])
        units = self.assemble(plans)
        for unit in units:
            self.write(unit)
        self.summarise()

    def clean_all(self) -> dict[str, list[Planned]]:
        ds = self.dataset
        self.fill_links_from_service_at_location()
        taxonomy_names = {r.hsds_id: str(r.values.get("name") or "").strip() for r in ds.rows("taxonomies")}
        addresses: dict[str, list[SourceRow]] = defaultdict(list)
        for row in ds.rows("addresses"):
            location_id = str(row.values.get("location_id") or "").strip()
            if location_id in ds.tables["locations"]:
                addresses[location_id].append(row)
            else:
                self.report.add(
                    "error",
                    row.where,
                    "addresses",
                    row.hsds_id,
                    "location_id",
                    f"refers to location {location_id or '(none)'}, which is not in the upload; an address is "
                    "imported with its location",
                )
        plans: dict[str, list[Planned]] = {
            "taxonomy_terms": [clean_term(r, taxonomy_names) for r in ds.rows("taxonomy_terms")],
            "organizations": [clean_organization(r) for r in ds.rows("organizations")],
            "locations": [clean_location(r, addresses.get(r.hsds_id, [])) for r in ds.rows("locations")],
            "services": [clean_service(r) for r in ds.rows("services")],
            "service_at_location": [clean_service_at_location(r) for r in ds.rows("service_at_location")],
            "schedules": [clean_schedule(r) for r in ds.rows("schedules")],
            "languages": [clean_language(r) for r in ds.rows("languages")],
            "attributes": [clean_attribute(r) for r in ds.rows("attributes")],
        }
        countries = {p.hsds_id: p.fields.get("country", "") for p in plans["locations"]}
        plans["phones"] = [
            clean_phone(r, countries.get(str(r.values.get("location_id") or "").strip()) or None)
            for r in ds.rows("phones")
        ]
        for table, table_plans in plans.items():
            for plan in table_plans:
                self.not_kept_fields[table] |= plan.not_kept
        plans["taxonomy_terms"] = _parents_first(plans["taxonomy_terms"])
        return plans

    def fill_links_from_service_at_location(self) -> None:
        """A phone or schedule of a service-at-location belongs to that service, at that location."""
        ds = self.dataset
        rows = [r for t in ("phones", "schedules") for r in ds.rows(t) if r.values.get("service_at_location_id")]
        known = {
            sal_id: (str(r.values.get("service_id") or ""), str(r.values.get("location_id") or ""))
            for sal_id, r in ds.tables["service_at_location"].items()
        }
        missing = {str(r.values["service_at_location_id"]).strip() for r in rows} - set(known)
        for chunk in _chunks(sorted(missing)):
            for sal_id, service_id, location_id in ServiceAtLocation.objects.filter(
                organization=self.organization, hsds_id__in=chunk
            ).values_list("hsds_id", "service__hsds_id", "location__hsds_id"):
                known[sal_id] = (service_id, location_id)
        for row in rows:
            service_id, location_id = known.get(str(row.values["service_at_location_id"]).strip(), ("", ""))
            for column, value in (("service_id", service_id), ("location_id", location_id)):
                if value and row.values.get(column) in (None, ""):
                    row.values[column] = value

    def prefetch_references(self, plans: dict[str, list[Planned]]) -> None:
        wanted: dict[type[DirectoryRecord], set[str]] = defaultdict(set)
        targets: dict[str, type[DirectoryRecord]] = {
            "organization": ResourceOrganization,
            "location": Location,
            "service": Service,
            "term": TaxonomyTerm,
            "parent": TaxonomyTerm,
            "link": Service,
        }
        for table_plans in plans.values():
            for plan in table_plans:
                for name, hsds_id in plan.refs.items():
                    if name in targets:
                        wanted[targets[name]].add(hsds_id)
        for model, ids in wanted.items():
            self.directory.prefetch(model, ids)

    def assemble(self, plans: dict[str, list[Planned]]) -> list[Unit]:
        heads: dict[tuple[str, str], Unit] = {}
        units: list[Unit] = []
        for table in HEAD_TABLES:
            for plan in plans[table]:
                row = self.dataset.tables[table].get(plan.hsds_id)
                unit = Unit(plan, given=set(row.given) if row else set())
                units.append(unit)
                if plan.hsds_id:
                    heads[(table, plan.hsds_id)] = unit
        standalone: list[Unit] = []
        for table in PART_TABLES:
            for plan in plans[table]:
                owner = self.owner(plan)
                if owner is None:
                    continue
                owning = heads.get(owner)
                if owning is not None:
                    owning.parts.append(plan)
                else:
                    standalone.append(Unit(plan, owner=owner))
        return units + standalone

    def owner(self, plan: Planned) -> tuple[str, str] | None:
        """The top-level record a part belongs to, or None when it belongs to nothing kept here (reported)."""
        refs = plan.refs
        if plan.table == "service_at_location":
            if "service" not in refs:
                plan.errors.append(("service_id", "is missing: a service at location needs its service"))
            return ("services", refs.get("service", ""))
        if plan.table in ("phones", "schedules"):
            for name, table in (("service", "services"), ("location", "locations"), ("organization", "organizations")):
                if name in refs:
                    return (table, refs[name])
            if "service_at_location" in refs:
                plan.errors.append(
                    (
                        "service_at_location_id",
                        f"refers to service at location {refs['service_at_location']}, which is neither in this "
                        "upload nor in the directory",
                    )
                )
                return ("services", "")
            if plan.table == "schedules":
                plan.errors.append(("service_id", "is missing: a schedule belongs to a service or a location"))
                return ("services", "")
            self.not_kept_links["phones of contacts"] += 1
            return None
        if plan.table == "languages":
            if "service" in refs:
                return ("services", refs["service"])
            self.not_kept_links["languages of locations and phones"] += 1
            return None
        # attributes
        entity = plan.fields["nested_in"] or ENTITIES.get(plan.fields["link_entity"], "")
        link = refs.get("link", "")
        if entity == "services" or (
            not entity and (link in self.in_upload["services"] or self.directory.get(Service, link) is not None)
        ):
            if not link:
                plan.errors.append(("link_id", "is missing: an attribute links a service to a taxonomy term"))
            return ("services", link)
        if entity:
            self.not_kept_links[f"attributes of {entity.replace('_', ' ')}"] += 1
            return None
        self.report.add(
            "warning",
            plan.where,
            "attributes",
            plan.hsds_id,
            "link_id",
            f"links “{plan.fields['link_entity'] or '(no link_entity)'}” {link or '(no link_id)'}, which is not a "
            "service in this upload or the directory; only services' taxonomy terms are kept, so it was not imported",
        )
        return None

    # --- writing ------------------------------------------------------------------------------------

    def write(self, unit: Unit) -> None:
        head = unit.head
        failed = [p for p in (head, *unit.parts) if p.errors]
        if failed:
            self.skip(unit, failed)
            return
        self.pending = _Pending()
        try:
            with transaction.atomic():
                if unit.owner is not None:
                    self.write_standalone(unit)
                else:
                    getattr(self, f"write_{head.table}")(unit)
        except DatabaseError as error:
            self.directory.forget(self.pending.touched)
            why = (
                "it clashes with a record saved at the same moment (another import?); import the file again"
                if isinstance(error, IntegrityError)
                else f"the database refused it ({error})"
            )
            self.report.add("error", head.where, head.table, head.hsds_id, "", f"not saved: {why}")
            for plan in (head, *unit.parts):
                self.report.count(plan.table, "skipped")
                self.rejected[plan.table][plan.hsds_id] = plan.where
            return
        for table, outcome in self.pending.counts:
            self.report.count(table, outcome)
        for severity, plan, field_name, message in self.pending.issues:
            self.report.add(severity, plan.where, plan.table, plan.hsds_id, field_name, message)  # type: ignore[arg-type]
        for plan in self.pending.rejected:
            self.rejected[plan.table][plan.hsds_id] = plan.where

    def skip(self, unit: Unit, failed: list[Planned]) -> None:
        head = unit.head
        for plan in failed:
            for field_name, message in plan.errors:
                self.report.add("error", plan.where, plan.table, plan.hsds_id, field_name, message)
        if head not in failed:
            kinds = sorted({KIND_LABELS[p.table] for p in failed})
            self.report.add(
                "error",
                head.where,
                head.table,
                head.hsds_id,
                "",
                f"not imported, with everything that belongs to it, because of the error in its {' and '.join(kinds)}",
            )
        elif unit.parts:
            self.report.add(
                "error",
                head.where,
                head.table,
                head.hsds_id,
                "",
                f"the {len(unit.parts)} record(s) belonging to it were not imported either",
            )
        for plan in (head, *unit.parts):
            self.report.count(plan.table, "skipped")
            self.rejected[plan.table][plan.hsds_id] = plan.where

    def note(self, plan: Planned, field_name: str, message: str, severity: str = "warning") -> None:
        self.pending.issues.append((severity, plan, field_name, message))

    def drop(self, plan: Planned, field_name: str, message: str) -> None:
        """A part that cannot be written although its top-level record is (its link target is missing)."""
        self.note(plan, field_name, message, "error")
        self.pending.counts.append((plan.table, "skipped"))
        self.pending.rejected.append(plan)

    def missing(self, table: str, hsds_id: str) -> str:
        label = f"{KIND_LABELS[table]} {hsds_id}"
        where = self.rejected[table].get(hsds_id)
        if where is not None:
            return f"{label} was not imported (see its error at {where})"
        return f"{label} is neither in this upload nor in the directory"

    def resolve(self, model: type[R], table: str, plan: Planned, ref: str) -> tuple[R | None, str]:
        hsds_id = plan.refs.get(ref, "")
        if not hsds_id:
            return None, ""
        obj = self.directory.get(model, hsds_id)
        return (obj, "") if obj is not None else (None, self.missing(table, hsds_id))

    def upsert(self, model: type[R], plan: Planned, values: dict[str, Any]) -> tuple[R, str]:
        """Creates or updates the record with the plan's HSDS id; "created", "updated" or "unchanged"."""
        obj = self.directory.get(model, plan.hsds_id)
        if obj is None:
            obj = model(organization=self.organization, hsds_id=plan.hsds_id, **values)
            obj.save()
            outcome = "created"
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            outcome = "updated" if changed else "unchanged"
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                auto = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
                obj.save(update_fields=[*changed, *auto])
        self.pending.touched.append(obj)
        self.directory.put(obj)
        return obj, outcome

    def counted(self, plan: Planned, outcome: str) -> None:
        self.pending.counts.append((plan.table, outcome))
        for field_name, message in plan.warnings:
            self.note(plan, field_name, message)

    def linked(self, model: type[R], table: str, plan: Planned, ref: str, what: str) -> int | None:
        """The pk of an optional link, or None with a warning when the record it names is missing."""
        obj, reason = self.resolve(model, table, plan, ref)
        if reason:
            self.note(plan, f"{ref}_id", f"{reason}; {what} was imported without that link")
        return obj.pk if obj is not None else None

    def write_taxonomy_terms(self, unit: Unit) -> None:
        plan = unit.head
        parent_id: int | None = None
        if plan.refs.get("parent") == plan.hsds_id:
            self.note(plan, "parent_id", "names the term itself as its parent; imported without a parent")
        else:
            parent_id = self.linked(TaxonomyTerm, "taxonomy_terms", plan, "parent", "the term")
        _, outcome = self.upsert(TaxonomyTerm, plan, {**plan.fields, "parent_id": parent_id})
        self.counted(plan, outcome)

    def write_organizations(self, unit: Unit) -> None:
        plan = unit.head
        organization, outcome = self.upsert(ResourceOrganization, plan, plan.fields)
        self.counted(plan, outcome)
        for part in unit.parts:
            self.write_phone(part, {"resource_organization_id": organization.pk})

    def write_locations(self, unit: Unit) -> None:
        plan = unit.head
        organization_id = self.linked(ResourceOrganization, "organizations", plan, "organization", "the location")
        location, outcome = self.upsert(Location, plan, {**plan.fields, "resource_organization_id": organization_id})
        self.counted(plan, outcome)
        for part in unit.parts:
            if part.table == "phones":
                self.write_phone(part, {"location_id": location.pk})
            else:
                self.write_schedule(part, {"location_id": location.pk})

    def write_services(self, unit: Unit) -> None:
        plan = unit.head
        organization_id = self.linked(ResourceOrganization, "organizations", plan, "organization", "the service")
        values = {**plan.fields, "resource_organization_id": organization_id}
        existing = self.directory.get(Service, plan.hsds_id)
        if existing is not None and existing.verified_on is not None:
            # A verification is not undone by an older one, or by a source that states none (a feed
            # re-imported after a coordinator checked the entry here): the later check stands, with its
            # checker.
            imported = values["verified_on"]
            if imported is None or imported < existing.verified_on:
                values["verified_on"] = existing.verified_on
                values["assurer_email"] = existing.assurer_email
            elif imported > existing.verified_on:
                values["verified_by_id"] = None
        parts: dict[str, list[Planned]] = defaultdict(list)
        for part in unit.parts:
            parts[part.table].append(part)
        if parts["languages"] or "languages" in unit.given:
            values["languages"] = list(dict.fromkeys(p.refs["base"] for p in parts["languages"]))
        service, outcome = self.upsert(Service, plan, values)
        had = self.children.of(service.pk)

        term_ids = self.write_attributes(parts["attributes"], had.categories)
        gone = had.categories - term_ids if parts["attributes"] or "attributes" in unit.given else set()
        if term_ids - had.categories:
            service.categories.add(*(term_ids - had.categories))
        if gone:
            service.categories.remove(*gone)
            self.pending.counts.extend([("attributes", "removed")] * len(gone))
        if outcome == "unchanged" and (gone or term_ids - had.categories):
            outcome = "updated"
        self.counted(plan, outcome)

        # Those no longer listed go first, so a link moved to another location does not clash with the old one.
        listed = {table: {p.hsds_id for p in parts[table]} for table in PART_TABLES}
        self.remove_unlisted(service, had, unit.given, listed)
        for part in parts["languages"]:
            self.write_language(part, service)
        seen_locations: dict[int, Planned] = {}
        for part in parts["service_at_location"]:
            self.write_service_at_location(part, service, seen_locations)
        for part in parts["phones"]:
            self.write_phone(part, {"service_id": service.pk})
        for part in parts["schedules"]:
            self.write_schedule(part, {"service_id": service.pk})

    def remove_unlisted(self, service: Service, had: _Children, given: set[str], listed: dict[str, set[str]]) -> None:
        """A service that lists its languages, locations, phones or schedules in full loses those it no longer
        lists. A phone or schedule also linked to a location or organization is only unlinked from it. Queries
        run only when something is to go (what the service had was fetched for the whole upload at once)."""
        if "languages" in given and (gone := had.languages - listed["languages"]):
            removed, _ = ServiceLanguage.objects.filter(service=service, hsds_id__in=gone).delete()
            self.pending.counts.extend([("languages", "removed")] * removed)
        if "service_at_location" in given and (gone := had.service_at_locations - listed["service_at_location"]):
            removed, _ = ServiceAtLocation.objects.filter(service=service, hsds_id__in=gone).delete()
            self.pending.counts.extend([("service_at_location", "removed")] * removed)
        if "phones" in given and (gone := had.phones - listed["phones"]):
            phones = Phone.objects.filter(service=service, hsds_id__in=gone)
            removed, _ = phones.filter(location__isnull=True, resource_organization__isnull=True).delete()
            phones.update(service=None)
            self.pending.counts.extend([("phones", "removed")] * removed)
        if "schedules" in given and (gone := had.schedules - listed["schedules"]):
            schedules = Schedule.objects.filter(service=service, hsds_id__in=gone)
            removed, _ = schedules.filter(location__isnull=True).delete()
            schedules.update(service=None)
            self.pending.counts.extend([("schedules", "removed")] * removed)

    def write_attributes(self, plans: list[Planned], current: set[int]) -> set[int]:
        """The taxonomy terms the service's attributes name (its categories); `current` are those it has. An
        attribute naming a term that is neither in the upload nor in the directory is dropped."""
        term_ids: set[int] = set()
        for plan in plans:
            term, reason = self.resolve(TaxonomyTerm, "taxonomy_terms", plan, "term")
            if term is None:
                self.drop(plan, "taxonomy_term_id", f"{reason}; the service was imported without this category")
                continue
            term_ids.add(term.pk)
            self.counted(plan, "unchanged" if term.pk in current else "created")
        return term_ids

    def write_language(self, plan: Planned, service: Service) -> None:
        _, outcome = self.upsert(ServiceLanguage, plan, {**plan.fields, "service_id": service.pk})
        self.counted(plan, outcome)

    def write_service_at_location(self, plan: Planned, service: Service, seen: dict[int, Planned]) -> None:
        location, reason = self.resolve(Location, "locations", plan, "location")
        if location is None:
            self.drop(plan, "location_id", f"{reason}; the service was imported without this location")
            return
        if location.pk in seen:
            self.drop(plan, "location_id", f"repeats the location of service at location {seen[location.pk].hsds_id}")
            return
        seen[location.pk] = plan
        linked_as = self.children.of(service.pk).location_links.get(location.pk)
        if linked_as is not None and linked_as != plan.hsds_id:
            # The same service and location linked before under another id (by hand, or by another source):
            # that link takes this id rather than a second one being added.
            existing = ServiceAtLocation.objects.filter(service=service, location=location).first()
            if existing is not None and self.directory.get(ServiceAtLocation, plan.hsds_id) is None:
                self.directory.forget([existing])
                existing.hsds_id = plan.hsds_id
                existing.save(update_fields=["hsds_id"])
                self.directory.put(existing)
        _, outcome = self.upsert(
            ServiceAtLocation, plan, {**plan.fields, "service_id": service.pk, "location_id": location.pk}
        )
        self.counted(plan, outcome)

    def write_phone(self, plan: Planned, owner: dict[str, int]) -> None:
        links: dict[str, int | None] = {"service_id": None, "location_id": None, "resource_organization_id": None}
        links.update(owner)
        optional: tuple[tuple[str, type[DirectoryRecord], str, str], ...] = (
            ("service_id", Service, "services", "service"),
            ("location_id", Location, "locations", "location"),
            ("resource_organization_id", ResourceOrganization, "organizations", "organization"),
        )
        for attname, model, table, ref in optional:
            if links[attname] is None and ref in plan.refs:
                links[attname] = self.linked(model, table, plan, ref, "the phone")
        _, outcome = self.upsert(Phone, plan, {**plan.fields, **links})
        self.counted(plan, outcome)

    def write_schedule(self, plan: Planned, owner: dict[str, int]) -> None:
        links: dict[str, int | None] = {"service_id": None, "location_id": None}
        links.update(owner)
        if links["location_id"] is None and "location" in plan.refs:
            links["location_id"] = self.linked(Location, "locations", plan, "location", "the schedule")
        _, outcome = self.upsert(Schedule, plan, {**plan.fields, **links})
        self.counted(plan, outcome)

    def write_standalone(self, unit: Unit) -> None:
        """A part whose top-level record is not in the upload: it is added to the one in the directory."""
        plan = unit.head
        assert unit.owner is not None
        table, hsds_id = unit.owner
        owner = self.directory.get(MODELS[table], hsds_id)
        if owner is None:
            self.drop(plan, f"{table[:-1]}_id", f"{self.missing(table, hsds_id)}; not imported")
            return
        key = {"services": "service_id", "locations": "location_id", "organizations": "resource_organization_id"}
        if plan.table == "phones":
            self.write_phone(plan, {key[table]: owner.pk})
        elif plan.table == "schedules":
            self.write_schedule(plan, {key[table]: owner.pk})
        elif isinstance(owner, Service):
            if plan.table == "languages":
                self.write_language(plan, owner)
                if plan.refs["base"] not in owner.languages:
                    owner.languages = [*owner.languages, plan.refs["base"]]
                    owner.save(update_fields=["languages", "updated_at"])
            elif plan.table == "service_at_location":
                self.write_service_at_location(plan, owner, {})
            else:
                current = set(owner.categories.values_list("pk", flat=True))
                owner.categories.add(*self.write_attributes([plan], current))

    def summarise(self) -> None:
        """What the directory has no place for, said once per table rather than on every row."""
        source = self.dataset.source
        if self.dataset.not_kept:
            self.report.add(
                "warning",
                source,
                "",
                "",
                "",
                "HSDS tables with no place in this directory were not imported: "
                + ", ".join(sorted(self.dataset.not_kept)),
            )
        for table, names in self.not_kept_fields.items():
            if names:
                self.report.add(
                    "warning",
                    source,
                    table,
                    "",
                    ", ".join(sorted(names)),
                    "no place for these fields in this directory; not kept",
                )
        for what, count in self.not_kept_links.items():
            self.report.add("warning", source, "", "", "", f"{count} {what} not kept (only services' are)")


def _parents_first(plans: list[Planned]) -> list[Planned]:
    """Taxonomy terms ordered so a parent in the same upload is written before its children."""
    by_id = {p.hsds_id: p for p in plans if p.hsds_id}
    ordered: list[Planned] = []
    state: dict[str, str] = {}

    def visit(plan: Planned) -> None:
        mark = state.get(plan.hsds_id)
        if mark is not None:
            return  # done, or a cycle (written without its parent, with a warning)
        state[plan.hsds_id] = "visiting"
        parent = by_id.get(plan.refs.get("parent", ""))
        if parent is not None and parent is not plan:
            visit(parent)
        state[plan.hsds_id] = "done"
        ordered.append(plan)

    for plan in plans:
        if plan.hsds_id:
            visit(plan)
        else:
            ordered.append(plan)
    return ordered


def import_dataset(organization: Organization, dataset: Dataset, report: ImportReport) -> ImportReport:
    """Precondition: `dataset` was read without a format error. One transaction, a savepoint per record."""
    with transaction.atomic():
        Importer(organization, dataset, report).run()
    return report


def import_upload(organization: Organization, name: str, data: bytes) -> ImportReport:
    """An uploaded JSON document, zip of CSV tables or single CSV table, into `organization`'s directory."""
    report = ImportReport(source=name)
    try:
        dataset = read_upload(name, data, report)
    except HsdsFormatError as error:
        report.format_error = str(error)
        report.issues.clear()
        return report
    return import_dataset(organization, dataset, report)


def import_path(organization: Organization, path: Path) -> ImportReport:
    """A JSON file, a zip, a CSV table or a folder of CSV tables."""
    report = ImportReport(source=path.name)
    try:
        dataset = read_path(path, report)
    except HsdsFormatError as error:
        report.format_error = str(error)
        report.issues.clear()
        return report
    return import_dataset(organization, dataset, report)
