"""Session schedules from RFC 5545 recurrence rules (expanded with dateutil) or a list of dates.

Rules are expanded in the series' local clock time and only then placed in its time zone, so a weekly
18:00 session stays at 18:00 across a daylight-saving change. Every rule must end (COUNT or UNTIL) and
yield at least one and at most MAX_SESSIONS sessions.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError

MAX_SESSIONS = 200
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


class Pattern:
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY_BY_WEEKDAY = "monthly_weekday"
    MONTHLY_BY_DATE = "monthly_date"
    CUSTOM = "custom"


PATTERN_CHOICES = [
    (Pattern.WEEKLY, "Weekly"),
    (Pattern.FORTNIGHTLY, "Every two weeks"),
    (Pattern.MONTHLY_BY_WEEKDAY, "Monthly, same weekday (e.g. the second Tuesday)"),
    (Pattern.MONTHLY_BY_DATE, "Monthly, same date"),
    (Pattern.CUSTOM, "Custom dates"),
]


def nth_weekday_of_month(day: datetime) -> int:
    """1 for the first Tuesday of its month, ..., -1 when it is the last and the fifth (so a rule made
    from a fifth Tuesday still finds a session in months with four)."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def rule_for(pattern: str, first: datetime, count: int) -> str:
    """The RRULE (without DTSTART) for one of the common patterns, `count` sessions from `first`."""
    if pattern == Pattern.WEEKLY:
        return f"FREQ=WEEKLY;COUNT={count}"
    if pattern == Pattern.FORTNIGHTLY:
        return f"FREQ=WEEKLY;INTERVAL=2;COUNT={count}"
    if pattern == Pattern.MONTHLY_BY_WEEKDAY:
        return f"FREQ=MONTHLY;BYDAY={nth_weekday_of_month(first):+d}{WEEKDAYS[first.weekday()]};COUNT={count}"
    if pattern == Pattern.MONTHLY_BY_DATE:
        return f"FREQ=MONTHLY;COUNT={count}"
    raise ValueError(f"No rule for pattern {pattern!r}")


def _parts(rule: str) -> dict[str, str]:
    body = rule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        if not piece.strip():
            continue
        key, sep, value = piece.partition("=")
        if not sep:
            raise ValidationError({"recurrence": [f"'{piece}' is not a KEY=VALUE part of a recurrence rule."]})
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def normalise(rule: str) -> str:
    """The rule in canonical form (upper case, no RRULE: prefix), or ValidationError."""
    parts = _parts(rule)
    if not parts:
        raise ValidationError({"recurrence": ["Give a recurrence rule, e.g. FREQ=WEEKLY;COUNT=6."]})
    if "FREQ" not in parts:
        raise ValidationError({"recurrence": ["A recurrence rule needs FREQ (e.g. FREQ=WEEKLY)."]})
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise ValidationError(
            {"recurrence": ["This rule never ends. Add COUNT (number of sessions) or UNTIL (last date)."]}
        )
    if "UNTIL" in parts:
        # Clock times in a series are local; an UNTIL in UTC (…Z) is compared as a local date-time.
        parts["UNTIL"] = parts["UNTIL"].rstrip("Z")
    return ";".join(f"{key}={value}" for key, value in parts.items())


def expand(rule: str, first: datetime, zone: str) -> list[datetime]:
    """The session start times (aware, in `zone`) of `rule` from the local clock time `first` (naive).
    Raises ValidationError for a rule that does not parse, never ends, yields nothing or too much."""
    if first.tzinfo is not None:
        raise ValueError("first must be a naive local date-time")
    canonical = normalise(rule)
    try:
        recurrence = rrulestr(canonical, dtstart=first)
        starts = list(islice(iter(recurrence), MAX_SESSIONS + 1))
    except (ValueError, TypeError, OverflowError) as error:
        raise ValidationError({"recurrence": [f"This recurrence rule does not parse: {error}."]}) from error
    if not starts:
        raise ValidationError({"recurrence": ["This rule yields no sessions. Check its dates and COUNT or UNTIL."]})
    if len(starts) > MAX_SESSIONS:
        raise ValidationError({"recurrence": [f"This rule yields more than {MAX_SESSIONS} sessions; end it sooner."]})
    tz = ZoneInfo(zone)
    return [start.replace(tzinfo=tz) for start in starts]


def from_dates(starts: list[datetime], zone: str) -> list[datetime]:
    """Custom dates (naive local clock times), sorted; duplicates and an empty list are errors."""
    if not starts:
        raise ValidationError({"dates": ["Give at least one session date."]})
    if len(starts) > MAX_SESSIONS:
        raise ValidationError({"dates": [f"At most {MAX_SESSIONS} sessions in one series."]})
    if len(set(starts)) != len(starts):
        raise ValidationError({"dates": ["The same date and time is listed twice."]})
    tz = ZoneInfo(zone)
    return [start.replace(tzinfo=tz) for start in sorted(starts)]


_BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


def describe(rule: str) -> str:
    """Plain words for the common rules ("Weekly, 6 sessions"); the rule itself otherwise."""
    if not rule:
        return "Custom dates"
    try:
        parts = _parts(rule)
    except ValidationError:
        return rule
    freq, interval = parts.get("FREQ", ""), parts.get("INTERVAL", "1")
    ending = f"{parts['COUNT']} sessions" if "COUNT" in parts else f"until {parts.get('UNTIL', '?')[:8]}"
    known = set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY"}
    if known:
        return rule
    if freq == "WEEKLY" and "BYDAY" not in parts:
        every = "Weekly" if interval == "1" else f"Every {interval} weeks"
        return f"{every}, {ending}"
    if freq == "MONTHLY" and interval == "1":
        if "BYDAY" not in parts:
            return f"Monthly on the same date, {ending}"
        match = _BYDAY.match(parts["BYDAY"])
        if match and match.group(1):
            nth = int(match.group(1))
            day = WEEKDAY_NAMES[WEEKDAYS.index(match.group(2))]
            return f"Monthly on the {ORDINALS.get(nth, str(nth))} {day}, {ending}"
    return rule
