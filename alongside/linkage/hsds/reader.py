"""Reading HSDS 3.0 files into one flat shape, whatever form they came in.

Both forms become the same `Dataset`: for each table, its records by HSDS id, each remembering where it was
found (a JSON path or a CSV file and row) and which record it was nested in. Nested JSON is flattened the
way the tabular form writes it: a phone inside a service gets `service_id`, a service's `organization`
object becomes `organization_id`, and so on. The published nested examples repeat the same record in many
places (one phone under the service, its location, its contact and its organization): repeats of an id
are merged, the first occurrence's values kept and every occurrence's links added.

A file that cannot be read at all (malformed JSON, broken CSV quoting, not a zip) raises HsdsFormatError
and nothing is imported. Everything smaller (a row with too many cells, an unknown column) is reported
row by row and the rest is read.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from alongside.linkage.hsds.report import ImportReport
from alongside.linkage.hsds.spec import EXTENSION_COLUMNS, KEPT_TABLES, NESTED_KEYS, NOT_KEPT_TABLES

# Refuse archives that unpack to more than this (a zip bomb, or far more than a directory needs).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_FILES = 500

# Keys only a service has, and keys only an organization has: how a top-level JSON record is recognised.
SERVICE_KEYS = frozenset(
    {"status", "organization", "organization_id", "service_at_locations", "eligibility_description", "assured_date"}
)
ORGANIZATION_KEYS = frozenset(
    {"services", "locations", "website", "legal_status", "tax_status", "year_incorporated", "parent_organization_id"}
)

# For a record nested in a record of the parent table, the link column the child gets (its parent's id).
NESTING_LINKS: dict[str, str] = {
    "services": "service_id",
    "organizations": "organization_id",
    "locations": "location_id",
    "service_at_location": "service_at_location_id",
    "phones": "phone_id",
    "contacts": "contact_id",
}
# A nested object that the parent refers to by id in the tabular form: (parent table, key) -> parent column.
OBJECT_LINKS: dict[tuple[str, str], str] = {
    ("services", "organization"): "organization_id",
    ("service_at_location", "location"): "location_id",
    ("attributes", "taxonomy_term"): "taxonomy_term_id",
    ("taxonomy_terms", "taxonomy_detail"): "taxonomy_id",
}


def _inherit(parent_table: str, child_table: str, parent_id: str) -> dict[str, str]:
    """The link column a nested record gets from the record it is nested in (when the tabular form has one:
    an organization nested in a service is referred to by the service instead, see OBJECT_LINKS)."""
    if not parent_id:
        return {}
    if child_table == "attributes":
        return {"link_id": parent_id}
    link = NESTING_LINKS.get(parent_table)
    return {link: parent_id} if link and link in KEPT_TABLES.get(child_table, (link,)) else {}


class HsdsFormatError(Exception):
    """The file as a whole cannot be read; the message says why in plain words. Nothing is imported."""


@dataclass
class SourceRow:
    table: str
    hsds_id: str  # "" when the record has none (an error reported when it is checked)
    values: dict[str, Any]
    where: str
    nested_in: str = ""  # the table of the record this one was nested in (JSON only)
    # Nested tables this record states in full (a JSON key present, or a CSV file in the upload): records of
    # those kinds that it had before and no longer lists are removed on re-import.
    given: set[str] = field(default_factory=set)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message) found while reading


@dataclass
class Dataset:
    source: str
    form: str  # "json" or "csv"
    tables: dict[str, dict[str, SourceRow]] = field(default_factory=lambda: {t: {} for t in KEPT_TABLES})
    not_kept: set[str] = field(default_factory=set)  # HSDS tables present that the directory does not keep

    def rows(self, table: str) -> list[SourceRow]:
        return list(self.tables[table].values())


def known_columns(table: str) -> frozenset[str]:
    return frozenset(KEPT_TABLES.get(table, ())) | frozenset(EXTENSION_COLUMNS.get(table, ()))


def _describe(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(type(value), "a number")


# --- JSON -----------------------------------------------------------------------------------------------


class _JsonFlattener:
    def __init__(self, dataset: Dataset, report: ImportReport) -> None:
        self.dataset = dataset
        self.report = report
        self.unknown_seen: set[tuple[str, str]] = set()

    def top(self, item: Any, where: str) -> None:
        if not isinstance(item, dict):
            self.report.add("error", where, "", "", "", f"is {_describe(item)}, not a service or organization record")
            return
        keys = set(item)
        is_organization = bool(keys & ORGANIZATION_KEYS) and not keys & SERVICE_KEYS
        self.walk(item, "organizations" if is_organization else "services", where, {}, "")

    def walk(self, obj: Any, table: str, where: str, inherited: dict[str, str], nested_in: str) -> str:
        """Flattens one record and everything nested in it; returns its id ("" if none)."""
        kept = table in KEPT_TABLES
        if not kept:
            self.dataset.not_kept.add(table)
        if not isinstance(obj, dict):
            if kept:
                row = SourceRow(table, "", {}, where, nested_in, problems=[("", f"is {_describe(obj)}, not a record")])
                self.dataset.tables[table][f"@{where}"] = row
            return ""
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        nested: list[tuple[str, Any]] = []
        columns = known_columns(table)
        for key, value in obj.items():
            if key in NESTED_KEYS and isinstance(value, dict | list):
                nested.append((key, value))
            elif isinstance(value, dict | list):
                if key in columns:
                    problems.append((key, f"is {_describe(value)}; a single value was expected"))
                else:
                    self.unknown(table, key, where)
            else:
                values[key] = value
                if kept and key not in columns:
                    self.unknown(table, key, where)
        for column, parent_id in inherited.items():
            if values.get(column) in (None, ""):
                values[column] = parent_id
        raw_id = values.get("id")
        hsds_id = "" if raw_id is None else str(raw_id).strip()
        stored = self.store(SourceRow(table, hsds_id, values, where, nested_in, problems=problems)) if kept else None

        for key, value in nested:
            child_table = NESTED_KEYS[key]
            child_inherit = _inherit(table, child_table, hsds_id)
            if isinstance(value, list):
                if stored is not None:
                    stored.given.add(child_table)
                for i, item in enumerate(value):
                    self.walk(item, child_table, f"{where}.{key}[{i}]", child_inherit, table)
            else:
                child_id = self.walk(value, child_table, f"{where}.{key}", child_inherit, table)
                link_column = OBJECT_LINKS.get((table, key))
                if stored is not None and link_column and child_id and stored.values.get(link_column) in (None, ""):
                    stored.values[link_column] = child_id
        return hsds_id

    def store(self, row: SourceRow) -> SourceRow:
        rows = self.dataset.tables[row.table]
        key = row.hsds_id or f"@{row.where}"
        first = rows.get(key)
        if first is None:
            rows[key] = row
            return row
        # The same record again (the published examples repeat phones, schedules and languages wherever
        # they apply): keep the first values, add what only this occurrence says (its links).
        for column, value in row.values.items():
            if first.values.get(column) in (None, ""):
                first.values[column] = value
        first.problems.extend(p for p in row.problems if p not in first.problems)
        return first

    def unknown(self, table: str, key: str, where: str) -> None:
        if table in KEPT_TABLES and (table, key) not in self.unknown_seen:
            self.unknown_seen.add((table, key))
            self.report.add("warning", where, table, "", key, "is not an HSDS 3.0 field; ignored (named once)")


def read_json(data: bytes, source: str, report: ImportReport) -> Dataset:
    """A service, an organization, a list of either, or an HSDS API page ({"contents": [...]})."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HsdsFormatError(f"The file is not UTF-8 text (byte {error.start} cannot be read).") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise HsdsFormatError(
            f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from error
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        document = document["contents"]
    dataset = Dataset(source, "json")
    flattener = _JsonFlattener(dataset, report)
    if isinstance(document, list):
        if not document:
            raise HsdsFormatError("The file holds an empty list: there is nothing to import.")
        for i, item in enumerate(document):
            flattener.top(item, f"$[{i}]")
    elif isinstance(document, dict):
        flattener.top(document, "$")
    else:
        raise HsdsFormatError(f"The file holds {_describe(document)}; expected a service, an organization or a list.")
    return dataset


# --- CSV ------------------------------------------------------------------------------------------------


def _read_csv(name: str, data: bytes, table: str, dataset: Dataset, report: ImportReport, given: set[str]) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HsdsFormatError(f"{name} is not UTF-8 text (byte {error.start} cannot be read).") from error
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        raise HsdsFormatError(f"{name} is not valid CSV: {error} (line {reader.line_num}).") from error
    if not records or not any(cell.strip() for cell in records[0]):
        report.add("warning", name, "", "", "", "has no header row; ignored")
        return
    header = [cell.strip() for cell in records[0]]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise HsdsFormatError(f"{name} names the column {', '.join(repeated)} more than once.")
    if "id" not in header:
        raise HsdsFormatError(f"{name} has no id column: its rows cannot be matched on a later import.")
    columns = known_columns(table)
    for column in header:
        if column not in columns:
            report.add("warning", name, table, "", column, "is not an HSDS 3.0 column; ignored")
    rows = dataset.tables[table]
    first_row: dict[str, int] = {}
    for index, cells in enumerate(records[1:], start=2):  # the header is row 1, as a spreadsheet numbers them
        if not any(cell.strip() for cell in cells):
            continue
        where = f"{name} row {index}"
        if len(cells) != len(header):
            report.add(
                "error", where, table, "", "", f"has {len(cells)} cells but the header has {len(header)} columns"
            )
            report.count(table, "skipped")
            continue
        values = {column: cell for column, cell in zip(header, cells, strict=True) if column in columns}
        hsds_id = values.get("id", "").strip()
        if hsds_id and hsds_id in first_row:
            report.add(
                "error", where, table, hsds_id, "id", f"repeats the id of row {first_row[hsds_id]}; not imported"
            )
            report.count(table, "skipped")
            continue
        if hsds_id:
            first_row[hsds_id] = index
        rows[hsds_id or f"@{where}"] = SourceRow(table, hsds_id, values, where, given=set(given))


def read_tables(files: dict[str, bytes], source: str, report: ImportReport) -> Dataset:
    """The tabular form: `files` maps each file's path (in a folder or a zip) to its bytes. Tables are found
    by file name (services.csv...), in any sub-folder."""
    by_name: dict[str, tuple[str, bytes]] = {}
    for path, data in files.items():
        parts = PurePosixPath(path.replace("\\", "/")).parts
        if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        name = parts[-1]
        if name in by_name:
            raise HsdsFormatError(f"The upload holds two files named {name} ({by_name[name][0]} and {path}).")
        by_name[name] = (path, data)

    dataset = Dataset(source, "csv")
    tables = {name[:-4]: data for name, (_, data) in by_name.items() if name.lower().endswith(".csv")}
    if not set(tables) & set(KEPT_TABLES):
        raise HsdsFormatError(
            "No HSDS tables found: expected CSV files named as in HSDS 3.0 (services.csv, organizations.csv, "
            "locations.csv...)."
        )
    for name in sorted(tables):
        if name not in KEPT_TABLES and name not in NOT_KEPT_TABLES:
            report.add("warning", f"{name}.csv", "", "", "", "is not an HSDS 3.0 table; ignored")
    if "datapackage.json" in by_name:
        _check_datapackage(by_name["datapackage.json"][1], report)
    given = set(tables) & set(KEPT_TABLES)
    for table in KEPT_TABLES:
        if table in tables:
            _read_csv(f"{table}.csv", tables[table], table, dataset, report, given)
    dataset.not_kept = set(tables) & NOT_KEPT_TABLES
    return dataset


def _check_datapackage(data: bytes, report: ImportReport) -> None:
    """The descriptor is optional here (tables are found by name); say so when it cannot be read."""
    try:
        descriptor = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        shown = data[:60].decode("utf-8", "replace").strip()
        report.add(
            "warning",
            "datapackage.json",
            "",
            "",
            "",
            f"is not a JSON data package descriptor (it reads “{shown}”); the tables were found by file name",
        )
        return
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        report.add("warning", "datapackage.json", "", "", "resources", "lists no resources; tables found by file name")


def _unzip(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise HsdsFormatError("The file is not a readable zip archive.") from error
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES:
            raise HsdsFormatError(f"The zip holds {len(members)} files; at most {MAX_FILES} are read.")
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise HsdsFormatError(f"The zip unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB.")
        try:
            return {m.filename: archive.read(m) for m in members}
        except (RuntimeError, zipfile.BadZipFile, OSError) as error:  # encrypted or damaged members
            raise HsdsFormatError(f"The zip cannot be unpacked: {error}.") from error


def read_upload(name: str, data: bytes, report: ImportReport) -> Dataset:
    """An uploaded file: a zip of the CSV tables, a single CSV table, or a JSON document."""
    lowered = name.lower()
    if data[:4] == b"PK\x03\x04" or lowered.endswith(".zip"):
        report.form = "csv"
        return read_tables(_unzip(data), name, report)
    if lowered.endswith(".csv"):
        report.form = "csv"
        return read_tables({PurePosixPath(name.replace("\\", "/")).name.lower(): data}, name, report)
    report.form = "json"
    return read_json(data, name, report)


def read_path(path: Path, report: ImportReport) -> Dataset:
    """A file (as read_upload) or a folder holding the CSV tables."""
    if path.is_dir():
        report.form = "csv"
        files = {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
        return read_tables(files, path.name, report)
    return read_upload(path.name, path.read_bytes(), report)
