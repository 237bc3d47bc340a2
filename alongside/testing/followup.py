"""An independent, per-participant computation of the follow-up state, for tests of the engine.

It reads each enrolment's contacts, assignments, appointments, cadence and rules through the ORM and
applies the rules in plain Python with cadence.next_due_window: none of engine.py's SQL is used, so when
the two agree on random data the set-based statement is right (or both read the rules the same way,
which is what the issue's wording and the model docstrings say). Slow on purpose: one enrolment at a time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from alongside.followup.cadence import next_due_window
from alongside.followup.engine import FOLLOW_UP_STATUSES, STATE_COLUMNS
from alongside.followup.models import AppointmentStatus, CadencePolicy, FollowUpRules, FollowUpState
from alongside.programs.models import Enrollment
from alongside.taxonomy import FUNCTION_FIELDS, Outcome

# Defaults of FollowUpRules for programs without a row.
_DEFAULTS = FollowUpRules()


def expected_state(enrollment: Enrollment) -> dict[str, Any] | None:
    """The state the engine should keep for one enrolment, or None when it should keep none."""
    if enrollment.status not in FOLLOW_UP_STATUSES:
        return None
    contacts = list(enrollment.contacts.order_by("occurred_at", "id"))
    reached = [c for c in contacts if c.outcome == Outcome.REACHED]
    last_reached = max(reached, key=lambda c: c.occurred_at) if reached else None
    last_reached_on = max((c.occurred_on for c in reached), default=None)
    failed = [
        c
        for c in contacts
        if c.outcome != Outcome.REACHED and (last_reached is None or c.occurred_at > last_reached.occurred_at)
    ]
    rules = FollowUpRules.objects.filter(program_id=enrollment.program_id).first() or _DEFAULTS
    state: dict[str, Any] = {
        "participant_id": enrollment.participant_id,
        "program_id": enrollment.program_id,
        "enrolled_on": enrollment.enrolled_on,
        "last_reached_at": last_reached.occurred_at if last_reached else None,
        "last_reached_on": last_reached_on,
    }
    state.update(_assignment(enrollment))
    state.update(_window(enrollment, last_reached_on))
    state.update(_failures(failed, rules))
    state["promised_on"] = _promise(contacts, last_reached.occurred_at if last_reached else None)
    appointments = enrollment.call_appointments.filter(status=AppointmentStatus.SCHEDULED)
    state["appointment_at"] = min((a.scheduled_for for a in appointments), default=None)
    for function, column in FUNCTION_FIELDS.items():
        state[f"last_{function}_on"] = max((c.occurred_on for c in reached if getattr(c, column)), default=None)
    assert set(state) == set(STATE_COLUMNS), "the helper must cover every column the engine keeps"
    return state


def _assignment(enrollment: Enrollment) -> dict[str, Any]:
    """The primary current assignment (the oldest if several), else the oldest current one."""
    current = sorted(enrollment.assignments.filter(ended_at__isnull=True), key=lambda a: a.pk)
    chosen = next((a for a in current if a.is_primary), current[0] if current else None)
    return {
        "supporter_id": chosen.supporter_id if chosen else None,
        "assigned_at": chosen.assigned_at if chosen else None,
    }


def _window(enrollment: Enrollment, last_reached_on: date | None) -> dict[str, Any]:
    policy = (
        CadencePolicy.objects.filter(enrollment=enrollment).first()
        or CadencePolicy.objects.filter(program_id=enrollment.program_id).first()
    )
    if policy is None:
        return {"window_start": None, "window_end": None, "cadence_finished": False}
    window = next_due_window(policy.as_cadence(), enrollment.enrolled_on, last_reached_on)
    if window is None:
        return {"window_start": None, "window_end": None, "cadence_finished": True}
    return {"window_start": window.start, "window_end": window.end, "cadence_finished": False}


def _failures(failed: list[Any], rules: FollowUpRules) -> dict[str, Any]:
    """Unanswered attempts since the last reached contact, and what the retry rules make of them."""
    if not failed:
        return {
            "failed_attempts": 0,
            "last_failed_on": None,
            "last_outcome": "",
            "retry_on": None,
            "repeated_failures": False,
        }
    last_at = max(c.occurred_at for c in failed)
    last_on = max(c.occurred_on for c in failed)
    # Two attempts at the same instant: the engine takes the greatest outcome code; so does this.
    last_outcome = max(c.outcome for c in failed if c.occurred_at == last_at)
    in_window = sum(1 for c in failed if (last_on - c.occurred_on).days < rules.failed_attempts_window_days)
    retry_on = None if last_outcome == Outcome.WRONG_NUMBER else last_on + timedelta(days=rules.retry_after_days)
    return {
        "failed_attempts": len(failed),
        "last_failed_on": last_on,
        "last_outcome": last_outcome,
        "retry_on": retry_on,
        "repeated_failures": in_window >= rules.max_failed_attempts,
    }


def _promise(contacts: list[Any], last_reached_at: datetime | None) -> date | None:
    """The 'next contact due' of the latest contact that set one, unless someone was reached after it."""
    promising = [c for c in contacts if c.next_contact_due is not None]
    if not promising:
        return None
    latest_at = max(c.occurred_at for c in promising)
    if last_reached_at is not None and latest_at < last_reached_at:
        return None
    due: date = max(c.next_contact_due for c in promising if c.occurred_at == latest_at)
    return due


def expected_states(enrollments: Any = None) -> dict[int, dict[str, Any]]:
    """{enrollment id: state} for every enrolment (or the given ones) that should have a state row."""
    queryset = enrollments if enrollments is not None else Enrollment.objects.all()
    states = {}
    for enrollment in queryset.order_by("pk"):
        state = expected_state(enrollment)
        if state is not None:
            states[enrollment.pk] = state
    return states


def actual_states() -> dict[int, dict[str, Any]]:
    """{enrollment id: state} as the engine left it, every column but computed_at."""
    return {
        row["enrollment_id"]: {c: row[c] for c in STATE_COLUMNS}
        for row in FollowUpState.objects.order_by("pk").values("enrollment_id", *STATE_COLUMNS)
    }


def differences(expected: dict[int, dict[str, Any]], actual: dict[int, dict[str, Any]]) -> list[str]:
    """Readable mismatches, so a failing test says which enrolment and which column."""
    problems = [f"enrolment {pk}: no state row" for pk in sorted(set(expected) - set(actual))]
    problems += [f"enrolment {pk}: state row that should not exist" for pk in sorted(set(actual) - set(expected))]
    for pk in sorted(set(expected) & set(actual)):
        for column in STATE_COLUMNS:
            if expected[pk][column] != actual[pk][column]:
                problems.append(
                    f"enrolment {pk}: {column} expected {expected[pk][column]!r}, got {actual[pk][column]!r}"
                )
    return problems
