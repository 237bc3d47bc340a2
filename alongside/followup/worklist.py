"""Today: who a supporter should contact next, and why. Also the coordinator's disengagement figures.

Everything due-related is worked out here against *today* from the FollowUpState rows the engine keeps,
in one indexed query per list (plus one for rules), so the list is as fast for a supporter with 10
participants in a table of a million as in a table of a thousand. Rules that differ per program (gap
windows, disengagement thresholds) become one condition per program, not a loop over participants.
Quiet hours depend on each participant's own clock, so they are applied to the (small) result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Greatest, NullIf, Trim
from django.utils import timezone

from alongside.accounts.models import User
from alongside.followup.models import LAST_FUNCTION_FIELDS, FollowUpRules, FollowUpState
from alongside.followup.services import in_quiet_hours
from alongside.linkage.models import Referral
from alongside.linkage.referral_stalls import PROGRAM_SETTINGS_COLUMNS, StallRules, stall_detail
from alongside.people.access import enrollments_visible_to, is_organization_wide
from alongside.people.models import Participant, Supporter
from alongside.safety.models import Concern
from alongside.taxonomy import ConcernTier, KeyFunction, Outcome

# Priority of each reason: the list is ordered by the most pressing reason of each line.
REASONS: dict[str, tuple[int, str]] = {
    "emergency": (0, "Emergency concern open"),
    "urgent": (1, "Urgent concern open"),
    "overdue": (2, "Overdue"),
    "appointment": (3, "Call appointment"),
    "due": (4, "Due"),
    "promised": (5, "You promised to follow up"),
    "referral_stalled": (6, "Referral stalled"),  # linkage: no progress within the program's stall window
    "retry": (6, "Try again: last call not answered"),
    "wrong_number": (6, "Wrong number: check the phone number"),
    "function_gap": (7, "Function gap"),
    "repeated_failures": (8, "Repeated unanswered calls"),
    "never_contacted": (8, "No contact since assignment"),
}
# A condition no row meets (the primary key is never null), to OR program conditions onto.
NOTHING = Q(pk__isnull=True)
REASON_CHOICES = [(code, label) for code, (_, label) in REASONS.items()]


@dataclass
class Reason:
    code: str
    detail: str

    @property
    def label(self) -> str:
        return REASONS[self.code][1]

    @property
    def priority(self) -> int:
        return REASONS[self.code][0]


@dataclass
class WorklistLine:
    state: FollowUpState
    reasons: list[Reason]
    quiet_until: time | None = None  # set when it is quiet hours where the participant lives
    local_now: datetime | None = None

    @property
    def participant(self) -> Participant:
        return self.state.participant

    @property
    def priority(self) -> int:
        return min(r.priority for r in self.reasons)

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]


@dataclass
class ProgramRules:
    """Rules per program id, with defaults for programs that have no row."""

    by_program: dict[int, FollowUpRules] = field(default_factory=dict)

    @classmethod
    def load(cls, program_ids: set[int]) -> ProgramRules:
        rows = {r.program_id: r for r in FollowUpRules.objects.filter(program_id__in=program_ids)}
        return cls({pid: rows.get(pid) or FollowUpRules(program_id=pid) for pid in program_ids})

    def __getitem__(self, program_id: int) -> FollowUpRules:
        return self.by_program.get(program_id) or FollowUpRules(program_id=program_id)


def gap_condition(rules: ProgramRules, today: date) -> Q:
    """Enrolments that have not received some key function within their program's window. A function
    counts from the start of support, so a new participant is not flagged on day one."""
    condition = NOTHING
    for program_id, r in rules.by_program.items():
        for function, column in LAST_FUNCTION_FIELDS.items():
            days = r.gap_days(function)
            if days is None:
                continue
            cutoff = today - timedelta(days=days)
            condition |= Q(program_id=program_id, enrolled_on__lt=cutoff) & (
                Q(**{f"{column}__isnull": True}) | Q(**{f"{column}__lt": cutoff})
            )
    return condition


def no_contact_condition(rules: ProgramRules, today: date) -> Q:
    condition = NOTHING
    for program_id, r in rules.by_program.items():
        cutoff = today - timedelta(days=r.no_contact_days)
        condition |= Q(program_id=program_id, enrolled_on__lt=cutoff) & (
            Q(last_reached_on__isnull=True) | Q(last_reached_on__lt=cutoff)
        )
    return condition


def never_contacted_condition(rules: ProgramRules, now: datetime) -> Q:
    condition = NOTHING
    for program_id, r in rules.by_program.items():
        cutoff = now - timedelta(days=r.never_contacted_days)
        condition |= Q(program_id=program_id, assigned_at__lt=cutoff) & (
            Q(last_reached_at__isnull=True) | Q(last_reached_at__lt=F("assigned_at"))
        )
    return condition


def _concern(tier: str) -> Exists:
    return Exists(
        Concern.objects.filter(participant=OuterRef("participant_id"), acknowledged_at__isnull=True, tier=tier)
    )


# ---- linkage: stalled referrals (see linkage.referral_stalls for the rule) ----


def _stalled_referral_annotations(stalls: StallRules, now: datetime) -> dict[str, Any]:
    """has_stalled_referral, and what the reason says about the oldest one (by last progress: the last
    status change, or a booked appointment after it): its receiver, status and last progress. Subqueries on
    the (enrollment, status) index, in the list's one query."""
    progress = Greatest("status_changed_at", Coalesce("appointment_at", "status_changed_at"))
    stalled = Referral.objects.filter(stalls.condition(now), enrollment=OuterRef("enrollment_id")).order_by(
        progress.asc(), "pk"
    )
    receiver = Coalesce(
        "service__name",
        NullIf(Trim(Concat("to_professional__first_name", Value(" "), "to_professional__last_name")), Value("")),
        "to_professional__username",
        "to_name",
    )
    return {
        "has_stalled_referral": Exists(stalled),
        "stalled_referral_at": Subquery(stalled.values(at=progress)[:1]),
        "stalled_referral_status": Subquery(stalled.values("status")[:1]),
        "stalled_referral_to": Subquery(stalled.values(to=receiver)[:1]),
    }


def states_in_scope(viewer: User, supporter: Supporter | None, unassigned: bool) -> QuerySet[FollowUpState]:
    """The follow-up rows the viewer may see: a supporter their own; organization-wide roles any
    supporter's, or those with no supporter. Precondition: a supporter asking for someone else's list
    has already been refused by the caller."""
    visible = enrollments_visible_to(viewer)
    states = FollowUpState.objects.filter(enrollment__in=visible)
    if unassigned:
        return states.filter(supporter__isnull=True)
    if supporter is not None:
        return states.filter(supporter=supporter)
    if is_organization_wide(viewer):
        return states
    return states.filter(supporter__user=viewer)


def annotate_today(
    states: QuerySet[FollowUpState],
    today: date,
    now: datetime,
    rules: ProgramRules,
    stalls: StallRules | None = None,
) -> QuerySet[FollowUpState]:
    """Adds the today-dependent flags and the priority the list is ordered by, all in SQL. Without `stalls`
    the referral stall windows of the rules' programs are loaded (one query)."""
    if stalls is None:
        stalls = StallRules.load(rules.by_program)
    end_of_today = datetime.combine(today + timedelta(days=1), time.min, timezone.get_current_timezone())
    flags: dict[str, Q] = {
        "is_overdue": Q(window_end__lt=today),
        "is_due": Q(window_start__lte=today, window_end__gte=today),
        "has_appointment": Q(appointment_at__lt=end_of_today),
        "is_promised": Q(promised_on__lte=today),
        "needs_retry": Q(retry_on__lte=today),
        "has_wrong_number": Q(last_outcome=Outcome.WRONG_NUMBER, failed_attempts__gt=0),
        "has_gap": gap_condition(rules, today),
        "is_never_contacted": never_contacted_condition(rules, now),
    }
    annotated = states.annotate(
        has_emergency=_concern(ConcernTier.EMERGENCY),
        has_urgent=_concern(ConcernTier.URGENT),
        **_stalled_referral_annotations(stalls, now),
        **{name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in flags.items()},
    )
    return annotated.annotate(
        priority=Case(
            When(has_emergency=True, then=0),
            When(has_urgent=True, then=1),
            When(is_overdue=True, then=2),
            When(has_appointment=True, then=3),
            When(is_due=True, then=4),
            When(is_promised=True, then=5),
            When(has_stalled_referral=True, then=6),
            When(needs_retry=True, then=6),
            When(has_wrong_number=True, then=6),
            When(has_gap=True, then=7),
            When(repeated_failures=True, then=8),
            When(is_never_contacted=True, then=8),
            default=9,
            output_field=IntegerField(),
        )
    )


def worklist(
    viewer: User,
    *,
    supporter: Supporter | None = None,
    unassigned: bool = False,
    reason: str = "",
    program_id: int | None = None,
    search: str = "",
    today: date | None = None,
    now: datetime | None = None,
    limit: int = 500,
) -> list[WorklistLine]:
    """The Today list, most pressing first; lines in the participant's quiet hours go last."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    states = states_in_scope(viewer, supporter, unassigned)
    if program_id is not None:
        states = states.filter(program_id=program_id)
    if search.strip():
        for word in search.split():
            states = states.filter(
                Q(participant__preferred_name__icontains=word) | Q(participant__family_name__icontains=word)
            )
    # The programs in scope, with their referral stall windows in the same query (a LEFT JOIN).
    program_rows = list(states.order_by().values_list("program_id", *PROGRAM_SETTINGS_COLUMNS).distinct())
    program_ids = {row[0] for row in program_rows}
    rules = ProgramRules.load(program_ids)
    stalls = StallRules.from_rows(program_rows)
    rows = annotate_today(states, today, now, rules, stalls).filter(Q(priority__lt=9))
    if reason in REASONS:
        rows = rows.filter(**{REASON_FILTERS[reason]: True})
    rows = rows.select_related("participant__organization", "program", "supporter__user").order_by(
        "priority", "window_end", "promised_on", "retry_on", "participant__preferred_name", "pk"
    )[:limit]
    lines = [_line(state, today, now, rules) for state in rows]
    return sorted(lines, key=lambda line: line.quiet_until is not None)


REASON_FILTERS = {
    "emergency": "has_emergency",
    "urgent": "has_urgent",
    "overdue": "is_overdue",
    "appointment": "has_appointment",
    "due": "is_due",
    "promised": "is_promised",
    "referral_stalled": "has_stalled_referral",
    "retry": "needs_retry",
    "wrong_number": "has_wrong_number",
    "function_gap": "has_gap",
    "repeated_failures": "repeated_failures",
    "never_contacted": "is_never_contacted",
}


def line_for_state(state: FollowUpState, now: datetime | None = None) -> WorklistLine | None:
    """The worklist line for one enrolment (as Today would show it), or None when nothing is due.
    Precondition: the caller has checked the viewer may see this enrolment."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = ProgramRules.load({state.program_id})
    row = (
        annotate_today(FollowUpState.objects.filter(pk=state.pk), today, now, rules)
        .select_related("participant__organization", "program")
        .first()
    )
    if row is None or row.__dict__.get("priority", 9) >= 9:
        return None
    return _line(row, today, now, rules)


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _line(state: FollowUpState, today: date, now: datetime, rules: ProgramRules) -> WorklistLine:
    r = rules[state.program_id]
    reasons: list[Reason] = []
    a = state.__dict__  # annotations
    if a.get("has_emergency"):
        reasons.append(Reason("emergency", "Same day: see the concern and hand over to a clinician if needed."))
    if a.get("has_urgent"):
        reasons.append(Reason("urgent", "Within 1-2 days."))
    if state.window_start and state.window_end:
        if state.window_end < today:
            reasons.append(Reason("overdue", f"{_days((today - state.window_end).days)} past its window"))
        elif state.window_start <= today:
            left = (state.window_end - today).days
            reasons.append(Reason("due", "window closes today" if left == 0 else f"window closes in {_days(left)}"))
    if a.get("has_appointment") and state.appointment_at:
        local = timezone.localtime(state.appointment_at)
        when = f"{local:%H:%M}" if local.date() == today else f"missed, {local:%d %b %H:%M}"
        reasons.append(Reason("appointment", when))
    if state.promised_on and state.promised_on <= today:
        late = (today - state.promised_on).days
        reasons.append(Reason("promised", "today" if late == 0 else f"{_days(late)} ago"))
    if a.get("has_stalled_referral") and a.get("stalled_referral_at"):
        detail = stall_detail(
            a["stalled_referral_to"] or "", a["stalled_referral_status"], a["stalled_referral_at"], now
        )
        reasons.append(Reason("referral_stalled", detail))
    if state.retry_on and state.retry_on <= today:
        tried = f"{state.failed_attempts} unanswered attempt{'s' if state.failed_attempts != 1 else ''}"
        last = Outcome(state.last_outcome).label.lower() if state.last_outcome in Outcome.values else "not reached"
        reasons.append(Reason("retry", f"{tried}, last: {last}"))
    if a.get("has_wrong_number"):
        reasons.append(Reason("wrong_number", "the last call reached a wrong number"))
    if a.get("has_gap"):
        missing = []
        for function in KeyFunction:
            days = r.gap_days(function.value)
            last = getattr(state, LAST_FUNCTION_FIELDS[function.value])
            cutoff = today - timedelta(days=days) if days is not None else None
            if cutoff is not None and state.enrolled_on < cutoff and (last is None or last < cutoff):
                missing.append(f"no {function.label.lower()} in {days} days")
        if missing:
            reasons.append(Reason("function_gap", "; ".join(missing)))
    if state.repeated_failures:
        reasons.append(
            Reason(
                "repeated_failures",
                f"{r.max_failed_attempts}+ attempts within {r.failed_attempts_window_days} days; coordinator told",
            )
        )
    if a.get("is_never_contacted"):
        reasons.append(Reason("never_contacted", f"assigned over {_days(r.never_contacted_days)} ago"))
    if not reasons:  # only reachable through a reason filter that matched nothing visible
        reasons.append(Reason("due", ""))
    zone = ZoneInfo(state.participant.zone)
    local_now = now.astimezone(zone)
    quiet_until = r.quiet_end if in_quiet_hours(r, local_now.time()) else None
    return WorklistLine(state=state, reasons=reasons, quiet_until=quiet_until, local_now=local_now)
