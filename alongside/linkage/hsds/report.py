"""What an import did, for the page, the command and the tests: counts per kind of record and every problem
with where it is (file and row, or JSON path), the record's HSDS id, the field and the reason in plain words.

An *error* means something in the file was not imported; a *warning* means it was imported with a change
the reader should know about (quotes removed from a number, a value there is no place for).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from alongside.linkage.hsds.spec import KIND_LABELS

Severity = Literal["error", "warning"]

# Kinds of record counted, in the order the report lists them.
COUNTED_TABLES = (
    "services",
    "organizations",
    "locations",
    "service_at_location",
    "phones",
    "schedules",
    "languages",
    "taxonomy_terms",
    "attributes",
)


@dataclass(frozen=True)
class Issue:
    severity: Severity
    where: str  # "services.csv row 2", "$[0].service_at_locations[0].location", "datapackage.json"
    kind: str  # "service", "phone"... ("" for a whole file)
    hsds_id: str
    field: str
    message: str

    def __str__(self) -> str:
        what = " ".join(p for p in (self.kind, self.hsds_id) if p)
        head = ", ".join(p for p in (self.where, what, self.field) if p)
        return f"{self.severity}: {head}: {self.message}" if head else f"{self.severity}: {self.message}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0  # no longer listed by a service that states its phones, schedules... in full

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped + self.removed


@dataclass
class ImportReport:
    """Filled while an import runs. `format_error` set means the file could not be read: nothing imported."""

    source: str
    form: str = ""  # "json" or "csv"
    counts: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in COUNTED_TABLES})
    issues: list[Issue] = field(default_factory=list)
    format_error: str = ""

    def add(self, severity: Severity, where: str, table: str, hsds_id: str, field: str, message: str) -> Issue:
        issue = Issue(severity, where, KIND_LABELS.get(table, table), hsds_id, field, message)
        self.issues.append(issue)
        return issue

    def count(self, table: str, outcome: str) -> None:
        """One more record of `table` with this outcome (created, updated, unchanged or skipped). Tables not
        counted (addresses become location fields) are ignored."""
        counts = self.counts.get(table)
        if counts is None:
            return
        setattr(counts, outcome, getattr(counts, outcome) + 1)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def totals(self) -> Counts:
        out = Counts()
        for c in self.counts.values():
            out.created += c.created
            out.updated += c.updated
            out.unchanged += c.unchanged
            out.skipped += c.skipped
            out.removed += c.removed
        return out

    @property
    def rows(self) -> list[tuple[str, Counts]]:
        """(label, counts) of each kind that occurred, for a table on the page."""
        return [(KIND_LABELS[t], c) for t, c in self.counts.items() if c.total]

    def lines(self) -> list[str]:
        """The report as plain text lines (the management command prints these)."""
        if self.format_error:
            return [f"{self.source}: nothing imported. {self.format_error}"]
        t = self.totals
        out = [
            f"{self.source}: {t.created} created, {t.updated} updated, {t.unchanged} unchanged, "
            f"{t.skipped} skipped, {t.removed} removed; {len(self.errors)} error(s), {len(self.warnings)} warning(s)."
        ]
        for label, c in self.rows:
            out.append(
                f"  {label}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged, "
                f"{c.skipped} skipped, {c.removed} removed"
            )
        out.extend(f"  {issue}" for issue in self.issues)
        return out
