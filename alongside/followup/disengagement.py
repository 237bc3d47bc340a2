"""Who is slipping away: the coordinator's disengagement and function-gap figures, and the flagged lists.

Everything is set-based: the counts are one aggregate query over FollowUpState (one Count(filter=...) per
flag) plus one over programs for the status-based flags and one for the rules, whatever the number of
participants. The per-program rules (no-contact days, never-contacted days, gap windows) become one SQL
condition per program through the same builders the supporter's Today list uses (followup.worklist), so
the coordinator's figures and the supporter's reasons cannot disagree.

Today's date is a parameter everywhere (the engine's rows never depend on it), so tests set the day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from alongside.accounts.models import User
from alongside.contacts.models import Contact
from alongside.followup.models import LAST_FUNCTION_FIELDS, FollowUpRules, FollowUpState
from alongside.followup.worklist import NOTHING, ProgramRules, never_contacted_condition, no_contact_condition
from alongside.people.access import (
    can_see_aggregates,
    enrollments_visible_to,
    is_organization_wide,
    programs_visible_to,
    supporters_visible_to,
)
from alongside.people.models import Participant, Supporter
from alongside.programs.models import (
    ALLOWED_TRANSITIONS,
    CASELOAD_STATUSES,
    Assignment,
    Enrollment,
    EnrollmentStatus,
    EnrollmentTransition,
    Program,
)
from alongside.taxonomy import KeyFunction, Outcome

# Short names of the four functions for column headings and reasons ("no linkage in 90 days").
FUNCTION_SHORT: dict[str, str] = {
    KeyFunction.DAILY_MANAGEMENT: "daily management",
    KeyFunction.SOCIAL_EMOTIONAL: "social and emotional support",
    KeyFunction.LINKAGE: "linkage",
    KeyFunction.ONGOING: "ongoing support",
}


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    help: str
    function: str = ""  # set for function-gap flags
    status: str = ""  # set for flags read from the enrolment's status rather than the follow-up state


STATE_FLAGS: tuple[Flag, ...] = (
    Flag("no_contact", "No contact", "Not reached within the program's no-contact window (default 30 days)."),
    Flag("repeated_failures", "Repeated failed attempts", "Unanswered attempts reached the program's limit."),
    Flag("never_contacted", "Never contacted", "Assigned pairs with no contact since assignment (default 14 days)."),
    Flag("no_supporter", "No supporter", "No supporter currently assigned."),
    Flag("overdue", "Overdue", "The current contact window has closed without a reached contact."),
    Flag("cadence_finished", "Cadence finished", "Every window of the cadence is behind them: decide what next."),
)
GAP_FLAGS: tuple[Flag, ...] = tuple(
    Flag(f"gap_{f.value}", f"Gap: {FUNCTION_SHORT[f.value]}", f"No {f.label.lower()} within the program's window.", f)
    for f in KeyFunction
)
STATUS_FLAGS: tuple[Flag, ...] = (
    Flag("paused", "Paused", "Follow-ups paused.", status=EnrollmentStatus.PAUSED),
    Flag(
        "lost_to_follow_up", "Lost to follow-up", "Marked lost to follow-up.", status=EnrollmentStatus.LOST_TO_FOLLOW_UP
    ),
)
FLAGS: dict[str, Flag] = {f.code: f for f in (*STATE_FLAGS, *GAP_FLAGS, *STATUS_FLAGS)}
FLAG_CHOICES = [(f.code, f.label) for f in FLAGS.values()]

SORTS: dict[str, str] = {
    "longest": "Longest since last reached first",
    "shortest": "Most recently reached first",
    "name": "Name",
}
SORT_CHOICES = list(SORTS.items())


def clock(today: date | None = None, now: datetime | None = None) -> tuple[date, datetime]:
    """(today, now). Given only a day, now is the current time of day moved to that day, so a test that
    sets the day gets a consistent instant for the datetime rules (never contacted since assignment)."""
    if now is None:
        now = timezone.now()
        if today is not None:
            now += timedelta(days=(today - timezone.localdate(now)).days)
    return (today or timezone.localdate(now)), now


def function_gap_condition(rules: ProgramRules, today: date, function: str) -> Q:
    """Enrolments without `function` within their program's window (counted from the start of support,
    as in worklist.gap_condition); programs with no window for it never match."""
    column = LAST_FUNCTION_FIELDS[function]
    condition = NOTHING
    for program_id, r in rules.by_program.items():
        days = r.gap_days(function)
        if days is None:
            continue
        cutoff = today - timedelta(days=days)
        condition |= Q(program_id=program_id, enrolled_on__lt=cutoff) & (
            Q(**{f"{column}__isnull": True}) | Q(**{f"{column}__lt": cutoff})
        )
    return condition


def state_conditions(rules: ProgramRules, today: date, now: datetime) -> dict[str, Q]:
    """Flag code -> SQL condition on FollowUpState, for every flag the follow-up state answers."""
    conditions = {
        "no_contact": no_contact_condition(rules, today),
        "repeated_failures": Q(repeated_failures=True),
        "never_contacted": never_contacted_condition(rules, now),
        "no_supporter": Q(supporter__isnull=True),
        "overdue": Q(window_end__lt=today),
        "cadence_finished": Q(cadence_finished=True),
    }
    for flag in GAP_FLAGS:
        conditions[flag.code] = function_gap_condition(rules, today, flag.function)
    return conditions


# ---- counts per program ----


@dataclass(frozen=True)
class Cell:
    program: Program
    flag: Flag
    count: int
    applies: bool  # False when the program has no rule for it (a gap check switched off)
    threshold: str  # the program's own rule, e.g. "30 d"


@dataclass
class ProgramCounts:
    program: Program
    rules: FollowUpRules
    in_follow_up: int
    counts: dict[str, int]

    def cell(self, flag: Flag) -> Cell:
        r = self.rules
        thresholds = {
            "no_contact": f"{r.no_contact_days} d",
            "never_contacted": f"{r.never_contacted_days} d",
            "repeated_failures": f"{r.max_failed_attempts}+ in {r.failed_attempts_window_days} d",
        }
        days = r.gap_days(flag.function) if flag.function else None
        if days is not None:
            thresholds[flag.code] = f"{days} d"
        applies = not flag.function or days is not None
        return Cell(self.program, flag, self.counts.get(flag.code, 0), applies, thresholds.get(flag.code, ""))

    @property
    def cells(self) -> list[Cell]:
        return [self.cell(flag) for flag in FLAGS.values()]


@dataclass(frozen=True)
class TableRow:
    flag: Flag
    cells: list[Cell]
    total: int

    @property
    def applies(self) -> bool:
        return any(c.applies for c in self.cells)


def count_table(rows: list[ProgramCounts]) -> list[TableRow]:
    """The counts as a table with a row per flag and a column per program (phones have more room
    down than across, and organizations have few programs), with the total over programs."""
    return [
        TableRow(flag, cells, sum(c.count for c in cells))
        for flag in FLAGS.values()
        for cells in [[row.cell(flag) for row in rows]]
    ]


def program_counts(viewer: User, *, today: date | None = None, now: datetime | None = None) -> list[ProgramCounts]:
    """Per program the viewer may see aggregates of: how many enrolments are in follow-up and how many
    carry each flag. Three queries for any number of programs and participants. Aggregates only (no
    participant is named), so evaluators may have them too."""
    if not can_see_aggregates(viewer):
        return []
    today, now = clock(today, now)
    programs = list(
        programs_visible_to(viewer).annotate(
            **{
                f"n_{flag.code}": Count("enrollments", filter=Q(enrollments__status=flag.status))
                for flag in STATUS_FLAGS
            }
        )
    )
    rules = ProgramRules.load({p.pk for p in programs})
    conditions = state_conditions(rules, today, now)
    rows = (
        FollowUpState.objects.filter(program_id__in=[p.pk for p in programs])
        .order_by()
        .values("program_id")
        .annotate(
            in_follow_up=Count("pk"),
            **{f"n_{code}": Count("pk", filter=condition) for code, condition in conditions.items()},
        )
    )
    by_program = {row["program_id"]: row for row in rows}
    result = []
    for program in programs:
        row = by_program.get(program.pk, {})
        counts = {code: int(row.get(f"n_{code}", 0)) for code in conditions}
        counts.update({flag.code: int(getattr(program, f"n_{flag.code}")) for flag in STATUS_FLAGS})
        result.append(ProgramCounts(program, rules[program.pk], int(row.get("in_follow_up", 0)), counts))
    return result


# ---- the flagged list ----


@dataclass(frozen=True)
class FlagReason:
    code: str
    detail: str


@dataclass
class FlaggedLine:
    enrollment_id: int
    participant: Participant
    program: Program
    supporter: Supporter | None
    status: str
    enrolled_on: date
    last_reached_on: date | None
    days_since_reached: int | None
    failed_attempts: int | None  # None for people not in active follow-up (paused, lost)
    reasons: list[FlagReason] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return EnrollmentStatus(self.status).label

    @property
    def can_pause(self) -> bool:
        return EnrollmentStatus.PAUSED in ALLOWED_TRANSITIONS[self.status]

    @property
    def can_mark_lost(self) -> bool:
        return EnrollmentStatus.LOST_TO_FOLLOW_UP in ALLOWED_TRANSITIONS[self.status]

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _order(sort: str) -> list[F | str]:
    if sort == "shortest":
        return [F("last_reached_on").desc(nulls_last=True), "participant__preferred_name", "pk"]  # type: ignore[list-item]
    if sort == "name":
        return ["participant__preferred_name", "participant__family_name", "pk"]
    # Never reached counts as longest; among them, the longest in the program first.
    return [F("last_reached_on").asc(nulls_first=True), "enrolled_on", "pk"]  # type: ignore[list-item]


def _state_reasons(state: FollowUpState, rules: FollowUpRules, today: date) -> list[FlagReason]:
    a = state.__dict__  # the flag_<code> annotations
    reasons = []
    if a.get("flag_no_contact"):
        reasons.append(FlagReason("no_contact", f"No reached contact in {_days(rules.no_contact_days)}"))
    if a.get("flag_repeated_failures"):
        reasons.append(
            FlagReason(
                "repeated_failures",
                f"{state.failed_attempts} unanswered attempts ({rules.max_failed_attempts} or more within "
                f"{_days(rules.failed_attempts_window_days)})",
            )
        )
    if a.get("flag_never_contacted"):
        reasons.append(
            FlagReason("never_contacted", f"No contact since assignment, over {_days(rules.never_contacted_days)} ago")
        )
    if a.get("flag_no_supporter"):
        reasons.append(FlagReason("no_supporter", "No supporter assigned"))
    if a.get("flag_overdue") and state.window_end is not None:
        reasons.append(FlagReason("overdue", f"Overdue by {_days((today - state.window_end).days)}"))
    if a.get("flag_cadence_finished"):
        reasons.append(FlagReason("cadence_finished", "Cadence finished: no further contacts scheduled"))
    for flag in GAP_FLAGS:
        if a.get(f"flag_{flag.code}"):
            days = rules.gap_days(flag.function)
            reasons.append(FlagReason(flag.code, f"No {FUNCTION_SHORT[flag.function]} in {_days(days or 0)}"))
    return reasons


def _state_lines(
    viewer: User, flag: Flag, program_id: int | None, sort: str, today: date, now: datetime, limit: int
) -> list[FlaggedLine]:
    programs = programs_visible_to(viewer)
    if program_id is not None:
        programs = programs.filter(pk=program_id)
    rules = ProgramRules.load(set(programs.values_list("pk", flat=True)))
    conditions = state_conditions(rules, today, now)
    states = FollowUpState.objects.filter(enrollment__in=enrollments_visible_to(viewer))
    if program_id is not None:
        states = states.filter(program_id=program_id)
    rows = (
        states.filter(conditions[flag.code])
        .annotate(
            **{f"flag_{code}": ExpressionWrapper(q, output_field=BooleanField()) for code, q in conditions.items()}
        )
        .select_related("participant", "program", "enrollment", "supporter__user")
        .order_by(*_order(sort))[:limit]
    )
    return [
        FlaggedLine(
            enrollment_id=state.enrollment_id,
            participant=state.participant,
            program=state.program,
            supporter=state.supporter,
            status=state.enrollment.status,
            enrolled_on=state.enrolled_on,
            last_reached_on=state.last_reached_on,
            days_since_reached=(today - state.last_reached_on).days if state.last_reached_on else None,
            failed_attempts=state.failed_attempts,
            reasons=_state_reasons(state, rules[state.program_id], today),
        )
        for state in rows
    ]


def _status_lines(
    viewer: User, flag: Flag, program_id: int | None, sort: str, today: date, limit: int
) -> list[FlaggedLine]:
    enrollments: QuerySet[Enrollment] = enrollments_visible_to(viewer).filter(status=flag.status)
    if program_id is not None:
        enrollments = enrollments.filter(program_id=program_id)
    reached = Contact.objects.filter(enrollment=OuterRef("pk"), outcome=Outcome.REACHED).order_by("-occurred_on")
    why = EnrollmentTransition.objects.filter(enrollment=OuterRef("pk"), to_status=flag.status).order_by(
        "-changed_at", "-id"
    )
    rows = (
        enrollments.annotate(
            last_reached_on=Subquery(reached.values("occurred_on")[:1]),
            status_reason=Subquery(why.values("reason")[:1]),
        )
        .select_related("participant", "program")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(ended_at__isnull=True).select_related("supporter__user"),
                to_attr="current",
            )
        )
        .order_by(*_order(sort))[:limit]
    )
    lines = []
    for e in rows:
        current: list[Assignment] = e.current
        primary = next((a for a in current if a.is_primary), current[0] if current else None)
        last: date | None = e.last_reached_on
        reason: str = e.status_reason or ""
        since = timezone.localtime(e.status_changed_at)
        lines.append(
            FlaggedLine(
                enrollment_id=e.pk,
                participant=e.participant,
                program=e.program,
                supporter=primary.supporter if primary else None,
                status=e.status,
                enrolled_on=e.enrolled_on,
                last_reached_on=last,
                days_since_reached=(today - last).days if last else None,
                failed_attempts=None,
                reasons=[FlagReason(flag.code, f"{flag.label} since {since:%d %b %Y}: {reason}")],
            )
        )
    return lines


def flagged(
    viewer: User,
    flag: str,
    *,
    program_id: int | None = None,
    sort: str = "longest",
    today: date | None = None,
    now: datetime | None = None,
    limit: int = 500,
) -> list[FlaggedLine]:
    """The enrolments carrying `flag`, with every flag reason each carries, sorted by days since last
    reached (or name). Organization-wide roles only: anyone else gets an empty list, since the lines
    name participants. Raises ValueError for an unknown flag or sort. A fixed number of queries."""
    if flag not in FLAGS:
        raise ValueError(f"Unknown flag: {flag}.")
    if sort not in SORTS:
        raise ValueError(f"Unknown sort: {sort}.")
    if not is_organization_wide(viewer):
        return []
    today, now = clock(today, now)
    chosen = FLAGS[flag]
    if chosen.status:
        return _status_lines(viewer, chosen, program_id, sort, today, limit)
    return _state_lines(viewer, chosen, program_id, sort, today, now, limit)


# ---- whom to reassign to ----


@dataclass(frozen=True)
class SupporterOption:
    supporter: Supporter
    caseload: int

    @property
    def remaining(self) -> int:
        return self.supporter.max_caseload - self.caseload

    @property
    def label(self) -> str:
        room = f"over capacity by {-self.remaining}" if self.remaining < 0 else f"room for {self.remaining}"
        return f"{self.supporter} ({self.caseload}/{self.supporter.max_caseload}, {room})"


def reassignment_options(viewer: User) -> dict[int, list[SupporterOption]]:
    """Active supporters the viewer may assign, by organization id, with their current caseload (the
    supporter list's definition), most room first. One query."""
    supporters = (
        supporters_visible_to(viewer)
        .filter(is_active=True)
        .annotate(
            caseload=Count(
                "assignments",
                filter=Q(assignments__ended_at__isnull=True, assignments__enrollment__status__in=CASELOAD_STATUSES),
            )
        )
    )
    options: dict[int, list[SupporterOption]] = defaultdict(list)
    for s in supporters:
        options[s.organization_id].append(SupporterOption(s, s.caseload))
    for group in options.values():
        group.sort(key=lambda o: (-o.remaining, str(o.supporter)))
    return dict(options)
