"""Demo data for the group-based models (1 group visits, 2 peer-led workshops, 5 support groups), with the
action plans and measurements that go with them.

Four series in the demo's three group programs:

    workshop_now    a Spanish six-week Living Well workshop, weekly, 2.5 h, led by a peer leader (the
                    `leader` login) and a co-leader: sessions 1-3 held, session 4 today (tomorrow when
                    today is a Sunday); 16 registered of 16 places (one promoted from the waiting list
                    when someone dropped out after session 1), two more on the waiting list
    workshop_done   the English workshop that finished about three months ago (completers and dropouts)
    circle          the monthly support circle, first Thursday evening, 12 meetings, about 5 held
    group_visits    monthly group visits on the second Tuesday, led by the professional with a peer
                    leader, 12 visits, about 6 held, with readings at each visit and one that crossed a
                    safety threshold and raised a concern

The demo loader (demo.py) asks GroupDemo for the session times while it writes each participant's
story, so a story's "sessions attended" and "sessions missed" are the series' own sessions; once the
enrolments are saved, GroupDemo.load() turns those stories into registrations and attendance. Sessions
replace the group-meeting contacts the demo used to log: attendance is the record of a group session.

Past sessions, attendance, plans and readings are written directly (bulk_create), not through
groups.services or the self-care services, because those refuse to create sessions in the past and
date what they record "now", while the demo needs six months of history dated from its own `now`.
The records obey the same rules (the seed tests check them); curricula and completion rules go through
groups.services.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.groups import recurrence
from alongside.groups import services as group_services
from alongside.groups.models import (
    DEFAULT_COMPLETION,
    Attendance,
    AttendanceStatus,
    CurriculumTemplate,
    Facilitator,
    GroupKind,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
)
from alongside.people.models import Participant, Supporter
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus, EnrollmentTransition, Program
from alongside.safety.models import Concern
from alongside.selfcare import services as selfcare
from alongside.selfcare.models import (
    ActionPlan,
    ActionPlanStatus,
    GlucoseContext,
    Measurement,
    MeasurementKind,
    MeasurementThresholds,
    ReviewOutcome,
)
from alongside.taxonomy import KeyFunction, Outcome
from alongside.web.demo_contacts import Story
from alongside.web.demo_groups_plan import (
    CURRICULA,
    DROP_REASONS,
    DROPOUT_REASON,
    EXCUSE_NOTES,
    HIGH_GLUCOSE,
    HIGH_GLUCOSE_ACK,
    HIGH_GLUCOSE_NOTE,
    LEADER_LOGIN,
    PLAN_IDEAS,
    REVIEW_NOTES,
    SERIES,
    SERIES_BY_KEY,
    WAITLIST_REASON,
    SeriesPlan,
)

S = EnrollmentStatus
F = KeyFunction
K = MeasurementKind
DM, SE, LK, ON = F.DAILY_MANAGEMENT.value, F.SOCIAL_EMOTIONAL.value, F.LINKAGE.value, F.ONGOING.value

# Roles of the running workshop's own cohort, by the person's place in it (demo.py's COHORTS).
WORKSHOP_DROPOUT, WORKSHOP_LATE_JOINER = 0, 1


def _nth_weekday(month_of: date, weekday: int, nth: int) -> date:
    """The nth (1 = first) `weekday` (0 = Monday) of the month `month_of` is in."""
    first = month_of.replace(day=1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def first_sessions(today: date) -> dict[str, datetime]:
    """The local clock time (naive) of each series' first session, from today."""
    running = today - timedelta(weeks=3)  # session 4 is today ...
    if today.weekday() == 6:  # ... or tomorrow, when today is a Sunday
        running += timedelta(days=1)
    done = today - timedelta(days=120)
    done -= timedelta(days=(done.weekday() - 2) % 7)  # a Wednesday
    return {
        "workshop_now": datetime.combine(running, time(17, 30)),
        "workshop_done": datetime.combine(done, time(13, 30)),
        "circle": datetime.combine(_nth_weekday(today - timedelta(days=140), 3, 1), time(18)),
        "group_visits": datetime.combine(_nth_weekday(today - timedelta(days=185), 1, 2), time(10)),
    }


@dataclass
class _Member:
    story: Story
    role: str = "member"  # member | dropout | late


@dataclass
class GroupsDemo:
    """What load() added, for the seed tests."""

    series: dict[str, GroupSeries] = field(default_factory=dict)
    attendance: int = 0
    plans: int = 0
    measurements: int = 0


class GroupDemo:
    """Session times for demo.py's stories, then the series, registrations and attendance from them."""

    def __init__(self, seed: int, now: datetime, zone: str) -> None:
        self.seed = seed
        self.now = now
        self.zone = zone
        self.tz = ZoneInfo(zone)
        self.today = now.astimezone(self.tz).date()
        self.rng = random.Random(f"{seed}:groups")
        firsts = first_sessions(self.today)
        self.schedules = {plan.key: recurrence.expand(plan.rule, firsts[plan.key], zone) for plan in SERIES}
        self.members: dict[str, list[_Member]] = {plan.key: [] for plan in SERIES}
        self.result = GroupsDemo()

    # --- called by demo.py while it writes the stories ------------------------------------------

    def schedule(self, key: str) -> list[datetime]:
        return list(self.schedules[key])

    def workshop_role(self, index: int) -> str:
        """The running workshop's own cohort: one dropout after session 1, one who joined later from the
        waiting list, everyone else a member."""
        return {WORKSHOP_DROPOUT: "dropout", WORKSHOP_LATE_JOINER: "late"}.get(index, "member")

    def join(self, key: str, story: Story, role: str = "member") -> None:
        self.members[key].append(_Member(story, role))

    def at(self, moment: datetime, minutes: int = 0) -> datetime:
        """`minutes` after `moment`, never later than five minutes ago (the demo records no future)."""
        return min(moment + timedelta(minutes=minutes), self.now - timedelta(minutes=5))

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return self.at(datetime.combine(day, time(hour, minute), self.tz))

    # --- once the enrolments are saved ----------------------------------------------------------

    def load(
        self,
        organization: Organization,
        programs: dict[str, Program],
        staff: dict[str, User],
        supporters: dict[str, Supporter],
        stories: list[Story],
        login_story: Story,
    ) -> GroupsDemo:
        self.org = organization
        self.programs = programs
        self.coordinator = staff[Role.COORDINATOR]
        self.professional = staff[Role.PROFESSIONAL]
        self.users = {s.user.username: s.user for s in supporters.values()} | {"professional": self.professional}
        self.supporters = supporters
        templates = self._curricula()
        for plan in SERIES:
            self.result.series[plan.key] = self._series(plan, templates[(plan.program_key, plan.kind)])
        self.sessions = {
            key: list(GroupSession.objects.filter(series=series).order_by("number"))
            for key, series in self.result.series.items()
        }
        self._join_login_to_circle(login_story)
        registrations: list[tuple[str, _Member, Registration]] = []
        for plan in SERIES:
            registrations += [(plan.key, m, r) for m, r in self._registrations(plan)]
        registrations += self._waiting_list(stories)
        Registration.objects.bulk_create([r for _, _, r in registrations])
        marks = self._attendance(registrations)
        Attendance.objects.bulk_create(marks)
        self.result.attendance = len(marks)
        self._workshop_plans([(m, r) for key, m, r in registrations if key == "workshop_now"], marks)
        self._contact_plans(login_story, stories)
        self._measurements([a for a in marks if a.session.series_id == self.result.series["group_visits"].pk])
        return self.result

    def _curricula(self) -> dict[tuple[str, str], CurriculumTemplate]:
        templates = {}
        for plan in SERIES:
            program = self.programs[plan.program_key]
            if (plan.program_key, plan.kind) in templates:
                continue
            name, topics = CURRICULA[plan.kind]
            sessions = [
                group_services.CurriculumSession(t.topic, list(t.functions), t.description, list(t.activities))
                for t in topics
            ]
            templates[(plan.program_key, plan.kind)] = group_services.save_curriculum(
                self.coordinator, program, plan.kind, name, sessions
            )
            group_services.save_completion_rule(self.coordinator, program, plan.kind, *DEFAULT_COMPLETION[plan.kind])
        return templates

    def _series(self, plan: SeriesPlan, template: CurriculumTemplate) -> GroupSeries:
        low, high = DEFAULT_COMPLETION[plan.kind]
        starts = self.schedules[plan.key]
        series = GroupSeries.objects.create(
            program=self.programs[plan.program_key],
            kind=plan.kind,
            title=plan.title,
            description=plan.description,
            language=plan.language,
            venue=plan.venue,
            capacity=plan.capacity,
            timezone=self.zone,
            duration_minutes=plan.duration_minutes,
            recurrence=recurrence.normalise(plan.rule),
            curriculum=template,
            completion_min_attended=low,
            completion_of_sessions=high,
            created_by=self.coordinator,
        )
        # Set up about three weeks before the first session (the insert stamped "now").
        GroupSeries.objects.filter(pk=series.pk).update(created_at=self.at(starts[0] - timedelta(days=21)))
        series.created_at = self.at(starts[0] - timedelta(days=21))
        items = {item.number: item for item in template.items.all()}
        sessions = []
        for number, start in enumerate(starts, start=1):
            session = GroupSession(
                series=series,
                number=number,
                starts_at=start,
                starts_on=start.date(),  # local: expand() returns times in the series' zone
                duration_minutes=plan.duration_minutes,
            )
            item = items.get(number)
            if item is not None:
                session.topic, session.description, session.activities = item.topic, item.description, item.activities
                session.set_functions(item.functions)
            sessions.append(session)
        GroupSession.objects.bulk_create(sessions)
        Facilitator.objects.bulk_create(
            Facilitator(series=series, user=self.users[username], role=role) for username, role in plan.facilitators
        )
        return series

    # --- registrations ---------------------------------------------------------------------------

    def _joined(self, series: GroupSeries, story: Story) -> datetime:
        return max(self.local(story.start, 9, 35), series.created_at)  # just after enrolling (9:30)

    def _registrations(self, plan: SeriesPlan) -> Iterable[tuple[_Member, Registration]]:
        """Registrations for the stories that took part. Those whose enrolment closed after the series
        began dropped out then; those whose enrolment closed before it never joined."""
        series = self.result.series[plan.key]
        first_day = self.schedules[plan.key][0].date()
        dropout_at: datetime | None = None
        members = sorted(self.members[plan.key], key=lambda m: m.role == "late")  # the late joiner last
        for member in members:
            story = member.story
            if story.status == S.REFERRED or (story.is_closed and story.end < first_day):
                continue
            assert story.enrollment is not None
            registration = Registration(
                series=series,
                participant=story.participant,
                enrollment=story.enrollment,
                status=RegistrationStatus.REGISTERED,
                joined_at=self._joined(series, story),
                added_by=self.coordinator,
            )
            if member.role == "dropout":
                registration.status = RegistrationStatus.DROPPED
                registration.dropped_at = dropout_at = self.local(story.end, 12)
                registration.drop_reason = DROPOUT_REASON
            elif member.role == "late" and dropout_at is not None:
                registration.promoted_at = dropout_at  # first on the waiting list when the place came free
            elif story.status == S.WITHDRAWN or (story.is_closed and plan.kind != GroupKind.WORKSHOP):
                # Leaving the program is leaving its group; a workshop's completers stay registered.
                registration.status = RegistrationStatus.DROPPED
                registration.dropped_at = self.local(story.end, 12)
                registration.drop_reason = story.reason[:300] or DROP_REASONS.get(story.status, "")
            yield member, registration

    def _waiting_list(self, stories: list[Story]) -> list[tuple[str, _Member, Registration]]:
        """Two Spanish speakers from other programs, referred to the workshop program after the running
        workshop filled up: referred enrolments (no supporter yet), on its waiting list."""
        series = self.result.series["workshop_now"]
        program = self.programs["workshop"]
        in_workshop = {m.story.participant.pk for m in self.members["workshop_now"]}
        candidates = [
            s
            for s in stories
            if s.program_key in ("coaches", "telephone")
            and s.status == S.ACTIVE
            and s.participant.preferred_language == "es"
            and s.participant.pk not in in_workshop
        ][:2]
        rows = []
        for days_ago, story in zip((9, 4), candidates, strict=False):
            day = self.today - timedelta(days=days_ago)
            at = self.local(day, 11)
            enrollment = Enrollment.objects.create(
                participant=story.participant,
                program=program,
                status=S.REFERRED,
                status_changed_at=at,
                enrolled_on=day,
                created_by=self.coordinator,
            )
            Enrollment.objects.filter(pk=enrollment.pk).update(created_at=at)
            EnrollmentTransition.objects.create(
                enrollment=enrollment,
                from_status="",
                to_status=S.REFERRED,
                changed_by=self.coordinator,
                changed_at=at,
                reason=WAITLIST_REASON,
            )
            registration = Registration(
                series=series,
                participant=story.participant,
                enrollment=enrollment,
                status=RegistrationStatus.WAITLISTED,
                joined_at=at + timedelta(minutes=5),
                added_by=self.coordinator,
            )
            rows.append(("workshop_now", _Member(story, "waiting"), registration))
        return rows

    def _join_login_to_circle(self, login_story: Story) -> None:
        """The participant login also comes to the support circle (so "my groups" and the calendar feed
        have something to show): enrolled a week before its first meeting, with the circle's facilitator."""
        program = self.programs["circle"]
        first = self.schedules["circle"][0]
        start = first.date() - timedelta(days=7)
        walter = self.supporters["walter.green"]
        enrolled_at, active_at = self.local(start, 9, 30), self.at(first)
        enrollment = Enrollment.objects.create(
            participant=login_story.participant,
            program=program,
            status=S.ACTIVE,
            status_changed_at=active_at,
            enrolled_on=start,
            created_by=self.coordinator,
        )
        Enrollment.objects.filter(pk=enrollment.pk).update(created_at=enrolled_at)
        EnrollmentTransition.objects.bulk_create(
            [
                EnrollmentTransition(
                    enrollment=enrollment, to_status=S.ENROLLED, changed_by=self.coordinator, changed_at=enrolled_at
                ),
                EnrollmentTransition(
                    enrollment=enrollment,
                    from_status=S.ENROLLED,
                    to_status=S.ACTIVE,
                    changed_by=self.coordinator,
                    changed_at=active_at,
                    reason="Came to the first meeting.",
                ),
            ]
        )
        Assignment.objects.create(
            enrollment=enrollment,
            supporter=walter,
            is_primary=True,
            assigned_at=enrolled_at,
            assigned_by=self.coordinator,
        )
        story = Story(login_story.participant, program, "circle", S.ACTIVE, start, self.today)
        story.enrollment = enrollment
        story.supporters = [walter]
        for session in self.schedules["circle"]:
            if session < self.now:
                (story.sessions if self.rng.random() < 0.85 else story.missed).append(session)
        self.join("circle", story)

    # --- attendance ------------------------------------------------------------------------------

    def _attendance(self, registrations: list[tuple[str, _Member, Registration]]) -> list[Attendance]:
        """Present for the sessions the story attended, absent or excused for those it missed; nothing for
        sessions before the person joined, after they left, or today's (the leader takes it on the day).
        The running workshop has one late arrival and one make-up at least."""
        marks: list[Attendance] = []
        for key, member, registration in registrations:
            if registration.status == RegistrationStatus.WAITLISTED:
                continue
            plan = SERIES_BY_KEY[key]
            taker = self.users[plan.facilitators[-1 if plan.kind == GroupKind.GROUP_VISIT else 0][0]]
            attended = set(member.story.sessions)
            missed = set(member.story.missed)
            for session in self.sessions[key]:
                if session.starts_on >= self.today or session.starts_at > self.now:
                    continue
                if member.role == "late" and session.number == 1:
                    continue  # still on the waiting list
                if registration.dropped_at is not None and registration.dropped_at <= session.starts_at:
                    continue
                if session.starts_at in attended:
                    status, late = AttendanceStatus.PRESENT, self._minutes_late()
                elif session.starts_at in missed:
                    status, late = self.rng.choice((AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)), 0
                else:
                    continue
                mark = Attendance(
                    session=session,
                    registration=registration,
                    enrollment_id=registration.enrollment_id,
                    status=status,
                    minutes_late=late,
                    note=self.rng.choice(EXCUSE_NOTES) if status == AttendanceStatus.EXCUSED else "",
                    recorded_by=taker,
                    recorded_at=self.at(session.ends_at, 10),
                )
                marks.append(mark)
        self._one_late_one_make_up([m for m in marks if m.session.series_id == self.result.series["workshop_now"].pk])
        return marks

    def _minutes_late(self) -> int:
        return self.rng.choice((5, 10, 15, 20)) if self.rng.random() < 0.06 else 0

    def _one_late_one_make_up(self, marks: list[Attendance]) -> None:
        present = [m for m in marks if m.status == AttendanceStatus.PRESENT and m.session.number == 2]
        if present and not any(m.minutes_late for m in marks):
            present[0].minutes_late = 15
        for mark in marks:
            mark.note = mark.note or ("Arrived after the break." if mark.minutes_late >= 15 else "")
        made_up = [m for m in marks if m.status == AttendanceStatus.MADE_UP]
        missed = [m for m in marks if m.status in (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)]
        if not made_up and missed:
            mark = min(missed, key=lambda m: (m.session.number, m.registration.participant.full_name))
            mark.status = AttendanceStatus.MADE_UP
            mark.made_up_on = min(mark.session.starts_on + timedelta(days=2), self.today)
            mark.note = "Went through the session's workbook pages with the leader by phone."
            mark.recorded_at = self.local(mark.made_up_on, 16)

    # --- action plans --------------------------------------------------------------------------------

    def _plan(self, story: Story, by: User, at: datetime, previous: ActionPlan | None) -> ActionPlan:
        """A new plan after `previous` was reviewed (a plan that went well often grows a little)."""
        rng = self.rng
        what, how_much, when, days = rng.choice(PLAN_IDEAS)
        if previous is not None and previous.review_outcome == ReviewOutcome.DONE and rng.random() < 0.5:
            what, how_much, when, days = (
                previous.what,
                previous.how_much,
                previous.when,
                min(7, previous.days_per_week + 1),
            )
        assert story.enrollment is not None
        return ActionPlan(
            participant=story.participant,
            enrollment=story.enrollment,
            what=what,
            how_much=how_much,
            when=when,
            days_per_week=days,
            confidence=rng.choice((7, 7, 8, 8, 8, 9, 9, 10)),
            created_by=by,
            created_at=at,
        )

    def _review(self, plan: ActionPlan, by: User, at: datetime) -> None:
        outcome = self.rng.choices([ReviewOutcome.DONE, ReviewOutcome.PARTLY, ReviewOutcome.NOT_DONE], [50, 35, 15])[0]
        plan.status = ActionPlanStatus.REVIEWED
        plan.review_outcome = outcome
        plan.review_note = self.rng.choice(REVIEW_NOTES[ReviewOutcome(outcome)])
        plan.reviewed_at = at
        plan.reviewed_by = by

    def _workshop_plans(self, registrations: list[tuple[_Member, Registration]], marks: list[Attendance]) -> None:
        """A weekly action plan at each session attended, reviewed at the person's next session; the last
        one waits for session 4. One person keeps a plan at confidence 5 (their choice); another made a
        plan at the last session and replaced it the same hour with an easier one (a revision: the first
        is withdrawn, the second `revises` it), as selfcare.services allows on the day a plan is set."""
        leader = self.users[LEADER_LOGIN]
        attended = {(a.registration.pk, a.session.pk) for a in marks if a.status == AttendanceStatus.PRESENT}
        plans: list[ActionPlan] = []
        for member, registration in registrations:
            if registration.status != RegistrationStatus.REGISTERED:
                continue
            previous: ActionPlan | None = None
            for session in self.sessions["workshop_now"]:
                if (registration.pk, session.pk) not in attended:
                    continue
                at = self.at(session.ends_at, -15)
                if previous is not None:
                    self._review(previous, leader, at - timedelta(minutes=60))
                    previous.reviewed_in_session = session
                plan = self._plan(member.story, leader, at, previous)
                plan.set_in_session = session
                plans.append(plan)
                previous = plan
        active = [p for p in plans if p.status == ActionPlanStatus.ACTIVE]
        if active:
            kept = active[-1]
            kept.confidence, kept.low_confidence_kept = 5, True
            kept.what, kept.how_much, kept.when, kept.days_per_week = "Walk", "30 minutes", "before work", 5
        if len(active) > 1:
            first = active[0]
            first.what, first.how_much, first.when, first.days_per_week = "Walk", "45 minutes", "every evening", 7
            first.confidence = 7
            easier = ActionPlan(
                participant=first.participant,
                enrollment=first.enrollment,
                what="Walk",
                how_much="20 minutes",
                when="after dinner",
                days_per_week=4,
                confidence=9,
                set_in_session=first.set_in_session,
                revises=first,
                created_by=leader,
                created_at=first.created_at + timedelta(minutes=4),
            )
            first.status, first.reviewed_by, first.reviewed_at = ActionPlanStatus.WITHDRAWN, leader, easier.created_at
            first.review_note = "Revised the same day: replaced by an easier plan."
            plans.append(easier)
        self._save_plans(plans)

    def _save_plans(self, plans: list[ActionPlan]) -> None:
        """One insert per generation of plans, so the plan each one revises has its id by then."""
        pending = plans
        while pending:
            ActionPlan.objects.bulk_create([p for p in pending if p.revises is None or p.revises.pk is not None])
            pending = [p for p in pending if p.pk is None]
        self.result.plans += len(plans)

    def _contact_plans(self, login_story: Story, stories: list[Story]) -> None:
        """Action plans set on the calls of the participant login and two more of the same coach's people:
        the last three reached calls that helped with daily management each set a plan (the note says so)
        and review the one before; the newest is still active."""
        coach = login_story.supporters[0]
        others = [
            s
            for s in stories
            if s.program_key == "coaches"
            and s is not login_story
            and s.status == S.ACTIVE
            and s.supporters[:1] == [coach]
        ]
        people = [login_story, *others[:2]]
        plans: list[ActionPlan] = []
        touched: list[Contact] = []
        for story in people:
            calls = list(
                Contact.objects.filter(enrollment=story.enrollment, outcome=Outcome.REACHED, fn_daily_management=True)
                .select_related("recorded_by")
                .order_by("-occurred_at")[:3]
            )
            previous: ActionPlan | None = None
            for contact in reversed(calls):
                by = contact.recorded_by
                at = contact.occurred_at + timedelta(minutes=contact.duration_minutes)
                if previous is not None:
                    self._review(previous, by, at - timedelta(minutes=1))
                    previous.reviewed_in_contact = contact
                plan = self._plan(story, by, at, previous)
                plan.set_in_contact = contact
                plans.append(plan)
                previous = plan
                if "action_plan" not in contact.activities:
                    contact.activities = [*contact.activities, "action_plan"]
                contact.note = _with_plan_note(contact.note, plan)
                touched.append(contact)
        Contact.objects.bulk_update(touched, ["activities", "note"])
        self._save_plans(plans)

    # --- readings at the group visits ----------------------------------------------------------------

    def _measurements(self, marks: list[Attendance]) -> None:
        """Blood pressure, weight and a glucose reading at every visit attended, HbA1c every third visit
        (improving a little over time, as with frequent contact). Values are checked and converted by
        selfcare.services.check_reading and judged against the program's thresholds by its assess(), as
        the service does; one glucose reading at the last visit before today crosses the urgent threshold
        and raises a concern, acknowledged at the end of the visit."""
        program = self.programs["group_visits"]
        thresholds = selfcare.thresholds_for(program)
        rng = random.Random(f"{self.seed}:readings")
        baseline: dict[int, tuple[float, float, float, float, float]] = {}
        readings: list[Measurement] = []
        present = sorted(
            (m for m in marks if m.status == AttendanceStatus.PRESENT),
            key=lambda m: (m.session.number, m.registration.participant.full_name),
        )
        held = [s for s in self.sessions["group_visits"] if s.starts_on < self.today]
        flagged_session, flagged = held[-1] if held else None, False
        for mark in present:
            person = mark.registration.participant
            b = baseline.setdefault(
                person.pk,
                (rng.gauss(138, 10), rng.gauss(84, 7), rng.gauss(205, 30), rng.gauss(165, 30), rng.gauss(8.4, 0.9)),
            )
            session = mark.session
            taken = self.at(session.starts_at, 10 + rng.randint(0, 40))
            typed = [
                selfcare.Reading(
                    K.BLOOD_PRESSURE, min(158, max(104, round(rng.gauss(b[0], 6)))), "mmHg",
                    min(98, max(62, round(rng.gauss(b[1], 4)))),
                ),
                selfcare.Reading(K.WEIGHT, f"{max(110.0, rng.gauss(b[2] - session.number * 0.4, 2)):.1f}", "lb"),
                selfcare.Reading(K.GLUCOSE, min(280, max(80, round(rng.gauss(b[3], 25)))), "mg/dL",
                                 glucose_context=GlucoseContext.AFTER_MEAL),
            ]  # fmt: skip
            if session == flagged_session and not flagged:
                flagged = True
                typed[2] = selfcare.Reading(K.GLUCOSE, HIGH_GLUCOSE, "mg/dL", glucose_context=GlucoseContext.AFTER_MEAL)
            if session.number % 3 == 1:
                a1c = max(5.8, b[4] - 0.15 * (session.number // 3) + rng.gauss(0, 0.15))
                typed.append(selfcare.Reading(K.HBA1C, f"{a1c:.1f}", "%"))
            for reading in typed:
                checked, errors = selfcare.check_reading(reading)
                if checked is None:  # a mistake in the ranges above, not bad input
                    raise RuntimeError(f"Demo set-up: {reading} is refused: {errors}")
                readings.append(
                    Measurement(
                        participant=person,
                        enrollment_id=mark.enrollment_id,
                        session=session,
                        kind=checked.kind,
                        value=checked.value,
                        value2=checked.value2,
                        unit=checked.unit,
                        canonical_value=checked.canonical,
                        glucose_context=checked.glucose_context,
                        taken_at=taken,
                        recorded_by=self.professional,
                        recorded_at=self.at(taken, 2),
                        concern=self._concern(checked, thresholds, person, session, taken),
                    )
                )
        Measurement.objects.bulk_create(readings)
        self.result.measurements = len(readings)

    def _concern(
        self,
        reading: selfcare.CheckedReading,
        thresholds: MeasurementThresholds,
        person: Participant,
        session: GroupSession,
        taken: datetime,
    ) -> Concern | None:
        finding = selfcare.assess(reading, thresholds, participant=person, taken_at=taken)
        if finding is None:
            return None
        raised = self.at(taken, 5)
        return Concern.objects.create(
            participant=person,
            program=self.programs["group_visits"],
            tier=finding.tier,
            reason=f"{K(reading.kind).label} {reading.value.normalize():f} {reading.unit} at {session.series.title}, "
            f"session {session.number}: {finding.why}. {HIGH_GLUCOSE_NOTE}",
            raised_by=self.professional,
            raised_at=raised,
            acknowledged_by=self.professional,
            acknowledged_at=self.at(raised, 45),
            acknowledgement_note=HIGH_GLUCOSE_ACK,
        )


def _with_plan_note(note: str, plan: ActionPlan) -> str:
    """The call's note, with its action-plan sentence describing the plan actually recorded."""
    sentence = f"Action plan: {plan.summary[:1].lower()}{plan.summary[1:]}; confidence {plan.confidence}/10."
    rest = re.sub(r"Action plan:[^.]*\.\s*", "", note).strip()
    return f"{sentence} {rest}".strip()[:2000]
