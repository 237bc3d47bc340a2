"""The demo's ongoing-support data: every program has a cadence fitting its model, the telephone program
has rules and call guides, and the "supporter" login's Today list shows every kind of line, on any day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from alongside.contacts.models import Contact
from alongside.followup.cadence import PRESET_BY_CODE
from alongside.followup.models import CadencePolicy, CallAppointment, CallGuide, FollowUpRules, FollowUpState
from alongside.people.models import Supporter
from alongside.programs.models import Program
from alongside.taxonomy import Initiation, Outcome
from alongside.web.demo import seed_demo
from alongside.web.demo_followup import DEFAULT_PRESET

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")
EXPECTED_PRESETS = {
    "Telephone Peer Support": "telephone_windows",
    "Peer Coaches": "coaching_phases",
    "Promotoras de Salud": "chw_fortnightly",
    "Monthly Support Circle": "support_group_monthly",
    "Diabetes Group Visits": "support_group_monthly",  # monthly visits
    "Living Well Workshop": DEFAULT_PRESET,
    "Online Diabetes Community": DEFAULT_PRESET,
}


def reasons(state: FollowUpState, today: date) -> set[str]:
    """The Today list's reasons for a line, from the engine's row (worklist.py shows the same)."""
    found = set()
    if state.window_end and state.window_end < today:
        found.add("overdue")
    elif state.window_start and state.window_start <= today:
        found.add("due")
    if state.appointment_at and state.appointment_at.astimezone(NEW_YORK).date() <= today:
        found.add("appointment")
    if state.promised_on and state.promised_on <= today:
        found.add("promised")
    if state.retry_on and state.retry_on <= today:
        found.add("retry")
    if state.repeated_failures:
        found.add("repeated_failures")
    return found


@pytest.mark.parametrize(
    "now",
    [
        datetime(2025, 1, 1, 0, 20, tzinfo=NEW_YORK),  # just after midnight on New Year's Day
        datetime(2026, 3, 8, 23, 50, tzinfo=NEW_YORK),  # a Sunday night, the day clocks change
        datetime(2024, 2, 29, 12, 0, tzinfo=NEW_YORK),  # leap day
        datetime(2025, 7, 15, 17, 0, tzinfo=NEW_YORK),  # after today's 16:30 appointment slot
    ],
)
def test_the_supporter_login_has_every_kind_of_line_today(now: datetime) -> None:
    seed_demo(now=now)
    today = now.date()
    rosa = Supporter.objects.get(user__username="supporter")

    lines = {s.pk: reasons(s, today) for s in FollowUpState.objects.filter(supporter=rosa)}

    seen = set().union(*lines.values())
    assert {"overdue", "due", "promised", "retry", "appointment", "repeated_failures"} <= seen
    assert sum(bool(r) for r in lines.values()) >= 4  # a person or two may have been reached today
    appointments = CallAppointment.objects.filter(supporter=rosa).order_by("scheduled_for")
    days = [a.scheduled_for.astimezone(NEW_YORK).date() for a in appointments]
    assert days == [today, today + timedelta(days=1)]
    assert appointments[0].scheduled_for >= now - timedelta(minutes=5)  # schedule_call's own rule


def test_every_program_has_a_cadence_fitting_its_model() -> None:
    seed_demo()

    policies = {p.program.name: p for p in CadencePolicy.objects.select_related("program") if p.program}

    assert {name: p.preset for name, p in policies.items()} == EXPECTED_PRESETS
    for policy in policies.values():
        assert policy.as_cadence() == PRESET_BY_CODE[policy.preset].cadence


def test_the_telephone_program_has_its_own_rules_and_guides_in_two_languages() -> None:
    seed_demo()
    telephone = Program.objects.get(name="Telephone Peer Support")

    rules = FollowUpRules.objects.get(program=telephone)
    assert rules.retry_after_days != FollowUpRules._meta.get_field("retry_after_days").default
    assert rules.no_contact_days > 50  # its windows are up to 50 days apart
    assert rules.quiet_start == time(20) and rules.quiet_end == time(9)

    guides = {g.language: g for g in CallGuide.objects.filter(program=telephone)}
    assert set(guides) == {"en", "es"}
    for guide in guides.values():
        assert len(guide.prompt_lines) >= 8
        assert "911" in guide.script  # the safety reminder
    assert "not as a nurse or a doctor" in guides["en"].script
    assert "no como enfermera ni médica" in guides["es"].script


def test_added_calls_keep_the_contact_rules() -> None:
    now = datetime(2025, 7, 15, 8, 5, tzinfo=NEW_YORK)
    seed_demo(now=now)
    telephone_windows = PRESET_BY_CODE["telephone_windows"].cadence.windows

    unanswered = Contact.objects.exclude(outcome=Outcome.REACHED).filter(occurred_at__gte=now - timedelta(days=7))
    assert unanswered.count() >= 4
    for contact in Contact.objects.filter(occurred_at__gte=now - timedelta(days=7)).select_related("enrollment"):
        assert contact.occurred_at <= now
        assert contact.occurred_on == contact.occurred_at.astimezone(NEW_YORK).date()
        assert (contact.outcome == Outcome.REACHED) == bool(contact.functions)
        # By a supporter assigned at the time (an enrolment closed since then has ended its assignments).
        assigned = contact.enrollment.assignments.filter(
            supporter=contact.supporter, assigned_at__lte=contact.occurred_at
        )
        assert assigned.filter(Q(ended_at=None) | Q(ended_at__gt=contact.occurred_at)).exists()
        if contact.enrollment.program.name == "Telephone Peer Support" and contact.initiated_by == Initiation.PROACTIVE:
            day = (contact.occurred_on - contact.enrollment.enrolled_on).days
            assert any(w.start_day <= day <= w.end_day + 7 for w in telephone_windows)
