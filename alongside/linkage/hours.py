"""Opening hours of directory entries: which time zone a schedule's times are in, whether it is open at a
moment, what it says for today, and the schedule in words.

HSDS schedules are iCalendar-like: a weekly (or monthly) rule with days (`byday`, e.g. "MO,TU,WE" or
"1MO" for the first Monday) and opening and closing times, optionally valid only between two dates.
"Open now" here means: today's weekday is in the schedule's days, today is within its valid dates, and
opens_at <= the local time < closes_at (so at closing time it is closed). Monthly ordinals ("1MO") count
as every such weekday: the search filter in SQL (linkage.search) and this module apply the same rule,
and a test checks they agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alongside.linkage.models import Location, Schedule

# Index = date.weekday() (Monday is 0), as iCalendar names them.
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ORDINALS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "5": "fifth", "-1": "last"}


def weekday_code(day: date) -> str:
    return WEEKDAY_CODES[day.weekday()]


def schedule_days(byday: str) -> list[str]:
    """The weekday codes of a `byday` value, ordinals dropped ("1MO,FR" -> ["MO", "FR"])."""
    return [part.strip().upper()[-2:] for part in byday.split(",") if part.strip()]


def zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class LocalMoment:
    """A moment on a zone's clock, to the second (as schedules are compared)."""

    zone: str
    day: date
    weekday: str
    time: time

    @classmethod
    def of(cls, at: datetime, zone: str) -> LocalMoment | None:
        """None when `zone` is not a known IANA zone (such a schedule is never open)."""
        info = zone_or_none(zone)
        if info is None:
            return None
        local = at.astimezone(info)
        return cls(zone, local.date(), weekday_code(local.date()), local.time().replace(microsecond=0, tzinfo=None))


def schedule_zone(schedule: Schedule, first_location: Location | None, organization_zone: str) -> str:
    """The zone a schedule's times are in: its location's; for a schedule of the service alone, the zone of
    the service's first location; the organization's where that location names none."""
    location = schedule.location if schedule.location_id is not None else first_location
    return (location.timezone if location is not None else "") or organization_zone


def applies_on(schedule: Schedule, weekday: str, day: date) -> bool:
    if weekday not in schedule_days(schedule.byday):
        return False
    if schedule.valid_from is not None and day < schedule.valid_from:
        return False
    return schedule.valid_to is None or day <= schedule.valid_to


def is_open_at(schedule: Schedule, moment: LocalMoment | None) -> bool:
    if moment is None or schedule.opens_at is None or schedule.closes_at is None:
        return False
    return applies_on(schedule, moment.weekday, moment.day) and schedule.opens_at <= moment.time < schedule.closes_at


@dataclass(frozen=True)
class Opening:
    """A service's hours as a result line shows them."""

    open_now: bool
    closes_at: time | None  # when open now: the latest closing time of the schedules open now
    today: tuple[tuple[time, time], ...]  # today's opening times, in order
    has_hours: bool  # any schedule with times at all

    @property
    def summary(self) -> str:
        if self.open_now and self.closes_at is not None:
            return f"Open now, until {self.closes_at:%H:%M}"
        if self.today:
            return "Closed now. Today " + ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.today)
        if self.has_hours:
            return "Closed today"
        return ""


def opening(schedules: Iterable[tuple[Schedule, str]], at: datetime) -> Opening:
    """Open now, and today's hours, from (schedule, its zone) pairs (see schedule_zone)."""
    open_until: list[time] = []
    today: set[tuple[time, time]] = set()
    has_hours = False
    for schedule, zone in schedules:
        if schedule.opens_at is None or schedule.closes_at is None:
            continue
        has_hours = True
        moment = LocalMoment.of(at, zone)
        if moment is None:
            continue
        if applies_on(schedule, moment.weekday, moment.day):
            today.add((schedule.opens_at, schedule.closes_at))
        if is_open_at(schedule, moment):
            open_until.append(schedule.closes_at)
    return Opening(bool(open_until), max(open_until) if open_until else None, tuple(sorted(today)), has_hours)


# --- in words --------------------------------------------------------------------------------------------


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_days(byday: str) -> str:
    """ "MO,TU,WE,TH,FR" -> "Monday to Friday"; "MO,WE,FR" -> "Monday, Wednesday and Friday";
    "1MO" -> "the first Monday of the month"."""
    parts = [p.strip().upper() for p in byday.split(",") if p.strip()]
    ordinal = [p for p in parts if len(p) > 2]
    words: list[str] = []
    for part in ordinal:
        number, code = part[:-2], part[-2:]
        if number in ORDINALS and code in WEEKDAY_NAMES:
            words.append(f"the {ORDINALS[number]} {WEEKDAY_NAMES[code]} of the month")
    plain = sorted({p for p in parts if p in WEEKDAY_NAMES}, key=WEEKDAY_CODES.index)
    if len(plain) == 7:
        return _join(["every day", *words])
    runs: list[list[str]] = []
    for code in plain:
        if runs and WEEKDAY_CODES.index(code) == WEEKDAY_CODES.index(runs[-1][-1]) + 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    for run in runs:
        if len(run) >= 3:
            words.append(f"{WEEKDAY_NAMES[run[0]]} to {WEEKDAY_NAMES[run[-1]]}")
        else:
            words.extend(WEEKDAY_NAMES[code] for code in run)
    return _join(words) if words else ""


def describe(schedule: Schedule) -> str:
    """The schedule in words, e.g. "Monday to Friday, 09:00-17:00 (from 1 March 2025)" (with an en dash)."""
    pieces = []
    days = describe_days(schedule.byday)
    if days:
        pieces.append(days[0].upper() + days[1:])
    if schedule.opens_at is not None and schedule.closes_at is not None:
        pieces.append(f"{schedule.opens_at:%H:%M}–{schedule.closes_at:%H:%M}")
    text = ", ".join(pieces)
    valid = []
    if schedule.valid_from is not None:
        valid.append(f"from {schedule.valid_from.day} {schedule.valid_from:%B %Y}")
    if schedule.valid_to is not None:
        valid.append(f"until {schedule.valid_to.day} {schedule.valid_to:%B %Y}")
    if valid:
        text = f"{text} ({' '.join(valid)})" if text else " ".join(valid).capitalize()
    if schedule.description:
        text = f"{text}. {schedule.description}" if text else schedule.description
    return text
