"""Cadence arithmetic: when a participant is next due a contact. Pure functions, no database.

A cadence is one of three kinds:

- **interval**: the next contact is due `interval_days` after the last reached contact (or after the
  start of support), with `grace_days` before it counts as overdue. Rolling: an early or late contact
  moves every later due date.
- **phases**: "every 7 days until day 56, then every 30 days until day 300". Expanded into a fixed list
  of windows counted from the start of support, each `grace_days` long.
- **windows**: explicit windows in days since the start of support ("7-10, 14-18, 28-35").

For phases and windows the current window is the first one that *starts after* the day of the last
reached contact: a contact anywhere inside a window (or late, before the next one starts) satisfies it,
and a window missed entirely stays due (overdue) until someone is reached. Days are counted on the
participant's own calendar (their time zone), so a call at 23:30 local time counts for that day whatever
the server's clock says. The SQL engine (`engine.py`) implements the same rule set-based; tests check that
the two agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models

# Ten years of support is far beyond any published protocol; a larger number is a typo.
MAX_DAY = 3650
MAX_WINDOWS = 200


class CadenceKind(models.TextChoices):
    INTERVAL = "interval", "Every N days after the last contact"
    PHASES = "phases", "Phases (e.g. weekly for 8 weeks, then monthly)"
    WINDOWS = "windows", "Windows in days since enrolment"


@dataclass(frozen=True, order=True)
class Window:
    """Days since the start of support, both ends included."""

    start_day: int
    end_day: int

    def __str__(self) -> str:
        return f"{self.start_day}-{self.end_day}" if self.end_day != self.start_day else str(self.start_day)


@dataclass(frozen=True)
class Phase:
    every_days: int
    until_day: int

    def __str__(self) -> str:
        return f"every {self.every_days} days until day {self.until_day}"


@dataclass(frozen=True)
class Cadence:
    kind: str
    interval_days: int = 0
    grace_days: int = 0
    phases: tuple[Phase, ...] = ()
    windows: tuple[Window, ...] = ()

    def expanded_windows(self) -> list[Window]:
        """The fixed windows of a phases or windows cadence (empty for an interval cadence)."""
        if self.kind == CadenceKind.WINDOWS:
            return sorted(self.windows)
        if self.kind == CadenceKind.PHASES:
            return expand_phases(self.phases, self.grace_days)
        return []

    def describe(self) -> str:
        if self.kind == CadenceKind.INTERVAL:
            grace = f", overdue after {self.grace_days} more days" if self.grace_days else ""
            return f"Every {self.interval_days} days after the last reached contact{grace}"
        if self.kind == CadenceKind.PHASES:
            return "; then ".join(str(p) for p in self.phases).capitalize()
        return "Days " + ", ".join(str(w) for w in sorted(self.windows)) + " after enrolment"


@dataclass(frozen=True)
class Preset:
    code: str
    label: str
    source: str
    cadence: Cadence


# Published protocols from domain-notes.md; every program can change them.
PRESETS: tuple[Preset, ...] = (
    Preset(
        "telephone_windows",
        "Telephone program: days 7-10, 14-18, 28-35, 56-70, 120-150",
        "Telephone peer support program (calls in windows, not on fixed days)",
        Cadence(
            CadenceKind.WINDOWS,
            windows=(Window(7, 10), Window(14, 18), Window(28, 35), Window(56, 70), Window(120, 150)),
        ),
    ),
    Preset(
        "coaching_phases",
        "Peer coaching: weekly for 8 weeks, then monthly until month 10",
        "Peer coach program, 3-5 participants per coach",
        Cadence(CadenceKind.PHASES, grace_days=2, phases=(Phase(7, 56), Phase(30, 300))),
    ),
    Preset(
        "reciprocal_weekly",
        "Reciprocal telephone pairs: weekly, reminder after 7 days without a call",
        "Reciprocal peer support by telephone",
        Cadence(CadenceKind.INTERVAL, interval_days=7, grace_days=0),
    ),
    Preset(
        "chw_fortnightly",
        "Community health workers: recall every 2 weeks",
        "Community health worker recall lists every 1-2 weeks",
        Cadence(CadenceKind.INTERVAL, interval_days=14, grace_days=3),
    ),
    Preset(
        "support_group_monthly",
        "Monthly check-in for 12 months",
        "Peer-led support groups, monthly for 12 months",
        Cadence(CadenceKind.PHASES, grace_days=7, phases=(Phase(30, 360),)),
    ),
)
PRESET_BY_CODE = {p.code: p for p in PRESETS}


def expand_phases(phases: tuple[Phase, ...] | list[Phase], grace_days: int) -> list[Window]:
    """Due days every `every_days` from the end of the previous phase, each window `grace_days` long."""
    windows: list[Window] = []
    previous_until = 0
    for phase in phases:
        day = previous_until + phase.every_days
        while day <= phase.until_day:
            windows.append(Window(day, day + grace_days))
            day += phase.every_days
        previous_until = phase.until_day
    return windows


# ---- parsing and validation (the coordinator types these into a form) ----

_WINDOW = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
_PHASE = re.compile(r"^\s*(?:every\s+)?(-?\d+)\s*(?:days?)?\s*(?:until|to|till)\s*(?:day\s*)?(-?\d+)\s*$", re.I)


def parse_windows(text: str) -> tuple[Window, ...]:
    """ "7-10, 14-18, 28" -> windows. Raises ValidationError({"windows": ...}) on any problem."""
    parts = [p for p in re.split(r"[,;\n]+", text) if p.strip()]
    if not parts:
        raise ValidationError({"windows": ["Give at least one window, e.g. 7-10, 14-18."]})
    windows = []
    for part in parts:
        match = _WINDOW.match(part)
        if not match:
            raise ValidationError(
                {"windows": [f"“{part.strip()}” is not a window; write start-end in days, e.g. 7-10."]}
            )
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else start
        windows.append(Window(start, end))
    return tuple(windows)


def parse_phases(text: str) -> tuple[Phase, ...]:
    """One phase per line or separated by ";": "every 7 days until day 56". Raises ValidationError."""
    parts = [p for p in re.split(r"[;\n]+|,?\s*then\s+", text) if p.strip()]
    if not parts:
        raise ValidationError({"phases": ["Give at least one phase, e.g. every 7 days until day 56."]})
    phases = []
    for part in parts:
        match = _PHASE.match(part)
        if not match:
            raise ValidationError(
                {"phases": [f"“{part.strip()}” is not a phase; write e.g. every 7 days until day 56."]}
            )
        phases.append(Phase(int(match.group(1)), int(match.group(2))))
    return tuple(phases)


def check_cadence(cadence: Cadence) -> Cadence:
    """Validates a cadence; returns it with windows sorted. Raises ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    if cadence.kind not in CadenceKind.values:
        raise ValidationError({"kind": [f"Unknown cadence kind: {cadence.kind}."]})
    if not 0 <= cadence.grace_days <= 60:
        errors["grace_days"] = ["Grace days must be between 0 and 60."]
    if cadence.kind == CadenceKind.INTERVAL:
        if not 1 <= cadence.interval_days <= 366:
            errors["interval_days"] = ["The interval must be between 1 and 366 days."]
        elif cadence.grace_days >= cadence.interval_days and "grace_days" not in errors:
            errors["grace_days"] = ["Grace days must be shorter than the interval, or the windows would overlap."]
    elif cadence.kind == CadenceKind.PHASES:
        errors.update(_phase_errors(cadence))
    else:
        errors.update(_window_errors(sorted(cadence.windows)))
    if errors:
        raise ValidationError(errors)
    if cadence.kind == CadenceKind.WINDOWS:
        return Cadence(cadence.kind, windows=tuple(sorted(cadence.windows)))
    return cadence


def _phase_errors(cadence: Cadence) -> dict[str, list[str]]:
    if not cadence.phases:
        return {"phases": ["Give at least one phase, e.g. every 7 days until day 56."]}
    previous_until = 0
    for phase in cadence.phases:
        if phase.every_days < 1:
            return {"phases": [f"“{phase}”: the interval must be at least 1 day."]}
        if phase.until_day > MAX_DAY:
            return {"phases": [f"“{phase}”: phases end by day {MAX_DAY}."]}
        if phase.until_day < previous_until + phase.every_days:
            return {
                "phases": [
                    f"“{phase}” has no contact in it: it must end at least {phase.every_days} days after "
                    f"day {previous_until}."
                ]
            }
        if cadence.grace_days >= phase.every_days:
            return {"grace_days": [f"Grace days must be shorter than every phase's interval ({phase.every_days})."]}
        previous_until = phase.until_day
    if len(expand_phases(cadence.phases, cadence.grace_days)) > MAX_WINDOWS:
        return {"phases": [f"These phases make more than {MAX_WINDOWS} contacts; use longer intervals."]}
    return {}


def _window_errors(windows: list[Window]) -> dict[str, list[str]]:
    if not windows:
        return {"windows": ["Give at least one window, e.g. 7-10, 14-18."]}
    if len(windows) > MAX_WINDOWS:
        return {"windows": [f"At most {MAX_WINDOWS} windows."]}
    for window in windows:
        if window.start_day < 0 or window.end_day < window.start_day:
            return {"windows": [f"Window {window} is empty: it must end on or after the day it starts."]}
        if window.end_day > MAX_DAY:
            return {"windows": [f"Window {window} ends after day {MAX_DAY}."]}
    for earlier, later in pairwise(windows):
        if later.start_day <= earlier.end_day:
            return {"windows": [f"Windows {earlier} and {later} overlap."]}
    return {}


# ---- the rule itself ----


@dataclass(frozen=True)
class DueWindow:
    start: date
    end: date

    def status_on(self, today: date) -> tuple[str, int]:
        """("upcoming", days until start) | ("due", days left) | ("overdue", days past the end)."""
        if today < self.start:
            return "upcoming", (self.start - today).days
        if today <= self.end:
            return "due", (self.end - today).days
        return "overdue", (today - self.end).days


def local_day(moment: datetime, zone: str) -> date:
    """The calendar day of an aware datetime in the given IANA time zone."""
    return moment.astimezone(ZoneInfo(zone)).date()


def next_due_window(cadence: Cadence, enrolled_on: date, last_reached_on: date | None) -> DueWindow | None:
    """The window in which the next contact is due, or None when a fixed schedule is complete."""
    if cadence.kind == CadenceKind.INTERVAL:
        start = (last_reached_on or enrolled_on) + timedelta(days=cadence.interval_days)
        return DueWindow(start, start + timedelta(days=cadence.grace_days))
    last_day = (last_reached_on - enrolled_on).days if last_reached_on is not None else None
    for window in cadence.expanded_windows():
        if last_day is None or window.start_day > last_day:
            return DueWindow(
                enrolled_on + timedelta(days=window.start_day), enrolled_on + timedelta(days=window.end_day)
            )
    return None
