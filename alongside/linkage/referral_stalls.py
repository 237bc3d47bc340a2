"""Stalled referrals: open referrals that have not moved for longer than their program allows.

A referral is stalled when it is open (OPEN_REFERRAL_STATUSES) and neither its last status change nor its
appointment (if one is booked) is within the program's stall window: `ReferralSettings.stall_after_days`
(default 14), or `urgent_stall_after_days` (default 2) for urgent referrals. An appointment still ahead
keeps a scheduled referral from stalling; once it is past by the window with no outcome recorded, it stalls.

The rule is one SQL condition on Referral rows, built per group of programs that share the same windows
(most programs keep the defaults, so usually one group), the way followup.worklist builds its per-program
rules. The supporter's Today list (an Exists per enrolment) and the coordinators' referral page use the
same condition, so the two cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Field, Q
from django.utils import timezone

from alongside.linkage.models import OPEN_REFERRAL_STATUSES, ReferralSettings, ReferralStatus, ReferralUrgency

# A condition no row meets (the primary key is never null), to OR program conditions onto.
NOTHING = Q(pk__isnull=True)

# The settings columns as seen from a program (a LEFT JOIN: null when the program has no settings row),
# so a query that already lists programs can fetch the windows in the same round trip.
PROGRAM_SETTINGS_COLUMNS = (
    "program__referral_settings__stall_after_days",
    "program__referral_settings__urgent_stall_after_days",
)


def _default(name: str) -> int:
    field = ReferralSettings._meta.get_field(name)
    assert isinstance(field, Field) and isinstance(field.default, int)
    return field.default


@dataclass(frozen=True)
class StallWindows:
    """Days without progress after which an open referral is stalled."""

    routine: int
    urgent: int

    def for_urgency(self, urgency: str) -> int:
        return self.urgent if urgency == ReferralUrgency.URGENT else self.routine


DEFAULT_WINDOWS = StallWindows(_default("stall_after_days"), _default("urgent_stall_after_days"))


@dataclass
class StallRules:
    """Stall windows per program id; programs without a settings row get the defaults."""

    by_program: dict[int, StallWindows] = field(default_factory=dict)

    @classmethod
    def load(cls, program_ids: Iterable[int]) -> StallRules:
        """One query."""
        ids = set(program_ids)
        rows = {
            s.program_id: StallWindows(s.stall_after_days, s.urgent_stall_after_days)
            for s in ReferralSettings.objects.filter(program_id__in=ids)
        }
        return cls({pid: rows.get(pid, DEFAULT_WINDOWS) for pid in ids})

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Any, ...]]) -> StallRules:
        """From (program id, stall_after_days, urgent_stall_after_days) rows, the settings columns null for
        programs without settings (see PROGRAM_SETTINGS_COLUMNS). No query."""
        by_program = {}
        for program_id, routine, urgent in rows:
            by_program[program_id] = StallWindows(
                DEFAULT_WINDOWS.routine if routine is None else routine,
                DEFAULT_WINDOWS.urgent if urgent is None else urgent,
            )
        return cls(by_program)

    def __getitem__(self, program_id: int) -> StallWindows:
        return self.by_program.get(program_id, DEFAULT_WINDOWS)

    def condition(self, now: datetime, program_field: str = "enrollment__program_id") -> Q:
        """Referrals (of the programs loaded) stalled at `now`, as one condition on Referral."""
        groups: dict[StallWindows, list[int]] = defaultdict(list)
        for program_id, windows in self.by_program.items():
            groups[windows].append(program_id)
        condition = NOTHING
        for windows, program_ids in groups.items():
            condition |= Q(**{f"{program_field}__in": sorted(program_ids)}) & _no_progress_since(windows, now)
        return Q(status__in=OPEN_REFERRAL_STATUSES) & condition


def _quiet_since(cutoff: datetime) -> Q:
    return Q(status_changed_at__lt=cutoff) & (Q(appointment_at__isnull=True) | Q(appointment_at__lt=cutoff))


def _no_progress_since(windows: StallWindows, now: datetime) -> Q:
    urgent = Q(urgency=ReferralUrgency.URGENT)
    return (urgent & _quiet_since(now - timedelta(days=windows.urgent))) | (
        ~urgent & _quiet_since(now - timedelta(days=windows.routine))
    )


def is_stalled(
    status: str,
    urgency: str,
    status_changed_at: datetime,
    appointment_at: datetime | None,
    windows: StallWindows,
    now: datetime,
) -> bool:
    """The same rule in Python, for one referral already in memory."""
    if status not in OPEN_REFERRAL_STATUSES:
        return False
    cutoff = now - timedelta(days=windows.for_urgency(urgency))
    return status_changed_at < cutoff and (appointment_at is None or appointment_at < cutoff)


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _days_since(moment: datetime, today: date) -> int:
    return max(0, (today - timezone.localtime(moment).date()).days)


def last_progress(status_changed_at: datetime, appointment_at: datetime | None) -> datetime:
    """The last sign of progress: the last status change, or a booked appointment after it."""
    return max(status_changed_at, appointment_at) if appointment_at is not None else status_changed_at


def stall_detail(receiver: str, status: str, since: datetime, now: datetime) -> str:
    """What is stuck, in words: "Referral to Riverside Clinic sent 16 days ago, no reply". `since` is the
    last sign of progress (last_progress)."""
    today = timezone.localdate(now)
    ago = f"{_days(_days_since(since, today))} ago"
    to = f"Referral to {receiver}" if receiver else "Referral"
    return {
        ReferralStatus.DRAFT: f"{to} drafted {ago}, not sent",
        ReferralStatus.SENT: f"{to} sent {ago}, no reply",
        ReferralStatus.ACCEPTED: f"{to} accepted {ago}, no appointment yet",
        ReferralStatus.SCHEDULED: f"{to}: appointment {ago}, no outcome recorded",
        ReferralStatus.NO_SHOW: f"{to}: missed appointment {ago}, not rebooked",
    }.get(ReferralStatus(status), f"{to}: no progress for {_days(_days_since(since, today))}")
