"""manage.py seed_demo: what it loads, that a second run adds nothing, and that every demo record obeys the
rules the services enforce on real input."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.contacts.queries import caseload, function_coverage
from alongside.contacts.services import ContactInput, check_contact
from alongside.followup.worklist import worklist
from alongside.groups.models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceStatus,
    FacilitatorRole,
    GroupKind,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
)
from alongside.groups.queries import program_figures, series_figures, sessions_led_by
from alongside.linkage.hsds.exporter import export_csv_zip, export_json_bytes
from alongside.linkage.hsds.importer import import_upload
from alongside.linkage.models import (
    REFERRAL_TRANSITIONS,
    DirectoryLookup,
    Location,
    Phone,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    ReferralUrgency,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceStatus,
    SharedItem,
    TaxonomyTerm,
)
from alongside.linkage.referral_stalls import StallRules
from alongside.people.models import ConsentRecord, Participant, Supporter, SupporterKind
from alongside.people.phones import normalize_phone
from alongside.people.timeline import timeline_for
from alongside.programs import deliveries
from alongside.programs.models import (
    CASELOAD_STATUSES,
    OPEN_STATUSES,
    Assignment,
    Enrollment,
    EnrollmentStatus,
    EnrollmentTransition,
    Program,
)
from alongside.safety.models import Concern
from alongside.selfcare.models import ActionPlan, ActionPlanStatus, Measurement, MeasurementKind, ReviewOutcome
from alongside.selfcare.services import ActionPlanInput, Reading, check_action_plan, check_reading
from alongside.taxonomy import ACTIVITY_BY_CODE, ConcernTier, Initiation, KeyFunction, Modality, Outcome
from alongside.web.demo import DEMO_LOGINS, DEMO_PASSWORD, ORGANIZATION_SLUG
from alongside.web.demo_contacts import TELEPHONE_WINDOWS
from alongside.web.demo_groups_plan import LEADER_LOGIN
from alongside.web.demo_linkage_plan import CENTRE as PLAN_CENTRE
from alongside.web.demo_linkage_plan import TAXONOMY, locality_coordinates
from alongside.web.demo_text import LOCALITIES

pytestmark = pytest.mark.django_db
S = EnrollmentStatus
NEW_YORK = ZoneInfo("America/New_York")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _loaded_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Loading takes about a second, so the tests here share one load (each test still runs in a
    transaction that is rolled back) and the module empties the database when it is done."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        seed()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(_loaded_once: None, db: None) -> Organization:
    return Organization.objects.get(slug=ORGANIZATION_SLUG)


def everything() -> dict[str, int]:
    models = [Organization, User, Program, Supporter, Participant, ConsentRecord, Enrollment, EnrollmentTransition]
    models += [Assignment, Contact, Concern, GroupSeries, GroupSession, Registration, Attendance, ActionPlan]
    models += [Measurement, TaxonomyTerm, ResourceOrganization, Location, Service, Phone, Schedule, Referral]
    models += [ReferralEvent, DirectoryLookup]
    return {model.__name__: model._default_manager.count() for model in models}


def test_it_loads_a_program_of_each_model_and_the_people_to_run_them(demo: Organization) -> None:
    assert (demo.name, demo.timezone) == ("Riverside Community Health", "America/New_York")
    programs = Program.objects.filter(organization=demo)
    assert programs.count() >= 7
    assert {m for p in programs for m in p.model_numbers} == set(range(1, 8))
    group_visits = programs.get(name="Diabetes Group Visits")
    assert group_visits.clinical_leads.filter(role=Role.PROFESSIONAL).exists()
    assert set(programs.get(name="Promotoras de Salud").languages) == {"es", "en"}

    supporters = Supporter.objects.filter(organization=demo).select_related("supervisor")
    assert 9 <= supporters.count() <= 12
    assert {s.kind for s in supporters} == set(SupporterKind.values)
    assert {s.supervisor.username for s in supporters if s.supervisor} == {"supervisor"}
    assert any("es" in s.languages for s in supporters)
    assert all(s.lived_experience and s.training_hours > 0 for s in supporters)

    participants = list(Participant.objects.filter(organization=demo))
    assert 140 <= len(participants) <= 160
    spanish = sum(p.preferred_language == "es" for p in participants) / len(participants)
    assert 0.25 <= spanish <= 0.4
    today = timezone.localdate()
    assert all(30 <= (p.age_on(today) or 0) <= 80 for p in participants)
    assert sum("type2_diabetes" in p.conditions for p in participants) > 0.8 * len(participants)
    assert len({p.full_name for p in participants}) == len(participants)
    assert sum(p.consent_contact for p in participants) > sum(p.consent_texts for p in participants) > 0

    statuses = set(Enrollment.objects.filter(program__organization=demo).values_list("status", flat=True))
    assert statuses == set(S.values)
    span = Contact.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert 170 <= (span["last"] - span["first"]).days <= 200
    assert (timezone.now() - span["last"]).days <= 2


def test_enrolments_have_a_consistent_history(demo: Organization) -> None:
    steps = defaultdict(list)
    for t in EnrollmentTransition.objects.order_by("changed_at", "id"):
        steps[t.enrollment_id].append(t)
    for enrollment in Enrollment.objects.select_related("participant"):
        history = steps[enrollment.pk]
        assert history[0].from_status == ""
        assert history[-1].to_status == enrollment.status
        assert history[-1].changed_at == enrollment.status_changed_at <= timezone.now()
        assert all(a.to_status == b.from_status for a, b in pairwise(history))
        if enrollment.status in (S.ENROLLED, S.ACTIVE):
            assert enrollment.participant.consent_contact
        current = enrollment.assignments.filter(ended_at=None).count()
        if enrollment.status in OPEN_STATUSES and enrollment.status != S.REFERRED:
            assert current >= 1
        elif enrollment.status not in OPEN_STATUSES:
            assert current == 0


def test_demo_logins_one_per_role(demo: Organization) -> None:
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert (user.role, user.organization) == (login.role, demo)
        assert user.check_password(DEMO_PASSWORD)
    participant = Participant.objects.get(user__username="participant")
    assert participant.contacts.count() >= 8
    supporter = Supporter.objects.get(user__username="supporter")
    rows = list(caseload(supporter))
    assert 3 <= len(rows) <= supporter.max_caseload
    assert participant.pk in {row.participant_id for row in rows}


def test_every_demo_login_lands_on_a_working_first_screen(demo: Organization, client: Client) -> None:
    for login in DEMO_LOGINS:
        assert client.login(username=login.username, password=DEMO_PASSWORD)
        response = client.get(reverse("home"), follow=True)
        assert response.status_code == 200, login.username
        assert response.redirect_chain, login.username  # home sends each role to its own screen
        client.logout()


def test_running_it_twice_adds_nothing_and_restores_the_passwords(demo: Organization) -> None:
    before = everything()
    admin = User.objects.get(username="admin")
    admin.set_password("something-else-entirely")
    admin.save()

    output = seed()

    assert everything() == before
    admin.refresh_from_db()
    assert admin.check_password(DEMO_PASSWORD)
    assert "already loaded" in output
    for login in DEMO_LOGINS:
        assert login.username in output
    assert DEMO_PASSWORD in output


def test_every_contact_keeps_the_contact_rules(demo: Organization) -> None:
    now = timezone.now()
    contacts = Contact.objects.select_related("enrollment__program", "enrollment__participant", "recorded_by")
    assigned = set(Assignment.objects.values_list("enrollment_id", "supporter_id"))
    checked = 0
    for c in contacts:
        enrollment = c.enrollment
        assert c.occurred_at <= now
        assert (c.outcome == Outcome.REACHED) == bool(c.functions), c.pk
        assert c.occurred_at.astimezone(NEW_YORK).date() >= enrollment.enrolled_on
        assert c.participant_id == enrollment.participant_id
        assert (enrollment.pk, c.supporter_id) in assigned
        assert set(c.activities) <= {a for codes in enrollment.program.activities.values() for a in codes}
        assert {ACTIVITY_BY_CODE[a].function for a in c.activities} <= set(c.functions)
        if c.initiated_by == Initiation.PROACTIVE:
            assert enrollment.participant.consent_contact
        if enrollment.status not in (S.ACTIVE, S.ENROLLED):
            assert c.occurred_at < enrollment.status_changed_at  # nothing after a pause or the end
        if c.modality == Modality.PHONE_CALL and c.outcome == Outcome.REACHED:
            assert 5 <= c.duration_minutes <= 30
        if c.modality == Modality.HOME_VISIT and c.outcome == Outcome.REACHED:
            assert 30 <= c.duration_minutes <= 90
        if enrollment.status in CASELOAD_STATUSES:  # the service's own validation accepts it as typed in
            data = ContactInput(
                occurred_at=c.occurred_at,
                modality=c.modality,
                initiated_by=c.initiated_by,
                outcome=c.outcome,
                duration_minutes=c.duration_minutes,
                functions=c.functions,
                activities=c.activities,
                next_contact_due=c.next_contact_due,
            )
            check_contact(c.recorded_by, enrollment, data)
            checked += 1
    assert checked > 500


def test_contacts_follow_the_published_cadences(demo: Organization) -> None:
    contacts = Contact.objects.select_related("enrollment__program").filter(concern__isnull=True)

    def of(program: str) -> list[Contact]:
        return [c for c in contacts if c.enrollment.program.name == program]

    for c in of("Telephone Peer Support"):  # calls in the windows (retries a few days later)
        if c.initiated_by == Initiation.PROACTIVE and c.enrollment.status not in (S.LOST_TO_FOLLOW_UP, S.ENROLLED):
            day = (c.occurred_at.astimezone(NEW_YORK).date() - c.enrollment.enrolled_on).days
            assert any(a <= day <= b + 7 for a, b in TELEPHONE_WINDOWS), day

    by_enrollment = defaultdict(list)
    for c in of("Peer Coaches"):
        if c.initiated_by == Initiation.PROACTIVE and c.outcome == Outcome.REACHED:
            by_enrollment[c.enrollment].append((c.occurred_at.date() - c.enrollment.enrolled_on).days)
    long_enough = [days for e, days in by_enrollment.items() if (timezone.localdate() - e.enrolled_on).days > 120]
    assert long_enough
    for days in long_enough:  # weekly for 8 weeks, then monthly
        assert sum(d < 56 for d in days) / 8 > sum(56 <= d < 116 for d in days) / 8.5

    visits = defaultdict(list)
    for c in of("Promotoras de Salud"):
        if c.modality == Modality.HOME_VISIT:
            visits[c.enrollment_id].append(c.occurred_at.date())
    gaps = [(b - a).days for days in visits.values() for a, b in pairwise(sorted(days))]
    assert 12 <= statistics.median(gaps) <= 21

    # Group visits are attendance at shared monthly sessions (demo_groups.py), no longer group-meeting contacts.
    assert not [c for c in of("Diabetes Group Visits") if c.modality == Modality.GROUP_MEETING]
    group_visits = Attendance.objects.filter(session__series__program__name="Diabetes Group Visits")
    assert group_visits.count() > 30 and group_visits.values("session").distinct().count() <= 8
    assert {c.modality for c in of("Online Diabetes Community")} <= {Modality.ONLINE_MESSAGE, Modality.EMAIL}


def test_functions_are_spread_as_published(demo: Organization) -> None:
    reached = Contact.objects.filter(outcome=Outcome.REACHED)
    share = {f: reached.filter(**{f"fn_{f}": True}).count() / reached.count() for f in KeyFunction.values}
    assert 0.8 <= share["social_emotional"] <= 0.97
    assert 0.55 <= share["daily_management"] <= 0.75
    assert 0.2 <= share["linkage"] <= 0.4
    assert 0.25 <= share["ongoing"] <= 0.6
    unreached = Contact.objects.exclude(outcome=Outcome.REACHED).count() / Contact.objects.count()
    assert 0.03 <= unreached <= 0.2
    assert Contact.objects.filter(initiated_by=Initiation.PARTICIPANT).exists()
    assert Contact.objects.exclude(next_contact_due=None).count() > 0.4 * Contact.objects.count()


def test_phones_are_valid_e164_numbers_from_the_fictional_block(demo: Organization) -> None:
    phones = [p for p in Participant.objects.values_list("phone", flat=True) if p]
    assert len(phones) > 0.9 * Participant.objects.count()
    assert len(set(phones)) == len(phones)
    for phone in phones:
        assert normalize_phone(phone) == phone and phone.startswith("+1") and phone[5:10] == "55501"


def test_demo_coverage_figures_are_non_trivial(demo: Organization) -> None:
    programs = Program.objects.filter(organization=demo)
    with_active = set(
        Enrollment.objects.filter(program__in=programs, status=S.ACTIVE).values_list("program", flat=True)
    )
    assert len(with_active) == programs.count()
    for days in (30, 90):
        coverage = function_coverage(programs, days)
        assert set(coverage) == with_active
        shares = [c.share(f) for c in coverage.values() for f in KeyFunction.values]
        assert all(s is not None and 0 <= s <= 1 for s in shares)
        assert all((c.share("social_emotional") or 0) > 0 for c in coverage.values())
        assert any(s is not None and s < 1 for s in shares)


def test_caseloads_respect_maximums_and_language(demo: Organization) -> None:
    for supporter in Supporter.objects.select_related("user"):
        current = Assignment.objects.filter(supporter=supporter, ended_at=None, enrollment__status__in=OPEN_STATUSES)
        assert current.count() <= supporter.max_caseload
        for assignment in current.select_related("enrollment__participant"):
            assert assignment.enrollment.participant.preferred_language in supporter.languages
        if supporter.kind == SupporterKind.PEER_COACH:
            assert supporter.max_caseload <= 10
        if supporter.kind == SupporterKind.COMMUNITY_HEALTH_WORKER:
            assert 10 <= supporter.max_caseload <= 30


def test_open_concerns_of_every_tier_reach_the_supervisor(demo: Organization) -> None:
    open_concerns = Concern.objects.filter(acknowledged_at=None)
    assert 4 <= open_concerns.count() <= 8
    assert set(open_concerns.values_list("tier", flat=True)) == set(ConcernTier.values)
    assert all(c.contact and c.contact.participant_id == c.participant_id for c in open_concerns)
    acknowledged = Concern.objects.exclude(acknowledged_at=None)
    assert acknowledged.exists()
    assert all(c.acknowledged_at and c.raised_at <= c.acknowledged_at <= timezone.now() for c in acknowledged)


# --- group-based models (demo_groups.py) ---------------------------------------------------------------


def series_of(kind: str, *, running: bool) -> GroupSeries:
    now = timezone.now()
    chosen = [
        s
        for s in GroupSeries.objects.filter(kind=kind).select_related("program")
        if s.sessions.filter(starts_at__gt=now).exists() == running
    ]
    assert len(chosen) == 1, (kind, running, chosen)
    return chosen[0]


def held(series: GroupSeries) -> list[GroupSession]:
    return [s for s in series.sessions.order_by("number") if s.attendance.exists()]


def test_a_peer_led_workshop_is_running_with_a_full_roster_and_a_waiting_list(demo: Organization) -> None:
    workshop = series_of(GroupKind.WORKSHOP, running=True)
    assert 2 in workshop.program.model_numbers and workshop.recurrence == "FREQ=WEEKLY;COUNT=6"
    sessions = list(workshop.sessions.order_by("number"))
    assert len(sessions) == 6 and workshop.duration_minutes == 150
    assert {(b.starts_at - a.starts_at).days for a, b in pairwise(sessions)} == {7}
    assert all(s.topic and s.functions for s in sessions)  # from the program's curriculum
    assert [s.topic for s in sessions] == [i.topic for i in workshop.curriculum.items.all()]  # type: ignore[union-attr]

    leaders = {f.role: f.user for f in workshop.facilitators.select_related("user")}
    assert set(leaders) == {FacilitatorRole.PEER_LEADER, FacilitatorRole.CO_LEADER}
    peer = Supporter.objects.get(user=leaders[FacilitatorRole.PEER_LEADER])
    assert peer.kind == SupporterKind.PEER_LEADER and peer.lived_experience
    assert peer.user.username == LEADER_LOGIN and LEADER_LOGIN in {login.username for login in DEMO_LOGINS}

    registrations = Counter(workshop.registrations.values_list("status", flat=True))
    assert registrations[RegistrationStatus.REGISTERED] == workshop.capacity == 16
    assert registrations[RegistrationStatus.WAITLISTED] == 2 and registrations[RegistrationStatus.DROPPED] == 1
    assert workshop.registrations.exclude(promoted_at=None).count() == 1  # took the dropout's place

    today = timezone.localdate(timezone=workshop.zone)
    assert [s.number for s in held(workshop)] == [1, 2, 3]
    assert today <= sessions[3].starts_on <= today + timedelta(days=1)  # session 4: today (Monday if Sunday)
    assert sessions[3] in sessions_led_by(peer.user, sessions[3].starts_on)
    marks = Attendance.objects.filter(session__series=workshop)
    statuses = Counter(marks.values_list("status", flat=True))
    assert statuses[AttendanceStatus.PRESENT] > 0.7 * sum(statuses.values())
    assert statuses[AttendanceStatus.ABSENT] + statuses[AttendanceStatus.EXCUSED] >= 2
    assert statuses[AttendanceStatus.MADE_UP] == 1 and marks.filter(minutes_late__gt=0).exists()


def test_a_monthly_support_circle_and_monthly_group_visits_have_attendance_history(demo: Organization) -> None:
    circle = series_of(GroupKind.SUPPORT_GROUP, running=True)
    sessions = list(circle.sessions.order_by("number"))
    assert 5 in circle.program.model_numbers and len(sessions) == 12
    assert len({(s.starts_on.year, s.starts_on.month) for s in sessions}) == 12
    assert {(s.starts_on.weekday(), (s.starts_on.day - 1) // 7) for s in sessions} == {(3, 0)}  # first Thursdays
    assert 4 <= len(held(circle)) <= 6
    assert circle.facilitators.get().user.supporter.kind in (SupporterKind.GROUP_FACILITATOR, SupporterKind.PEER_LEADER)

    visits = series_of(GroupKind.GROUP_VISIT, running=True)
    assert 1 in visits.program.model_numbers
    clinician = visits.facilitators.get(role=FacilitatorRole.PROFESSIONAL).user
    assert clinician.role == Role.PROFESSIONAL and visits.facilitators.filter(role=FacilitatorRole.PEER_LEADER).exists()
    visit_sessions = held(visits)
    assert len(visit_sessions) >= 5
    assert all(28 <= (b.starts_on - a.starts_on).days <= 35 for a, b in pairwise(visit_sessions))
    assert all(8 <= s.attendance.filter(status__in=ATTENDED_STATUSES).count() <= 14 for s in visit_sessions)


def test_group_visits_record_readings_and_one_crossed_a_safety_threshold(demo: Organization) -> None:
    visits = series_of(GroupKind.GROUP_VISIT, running=True)
    readings = Measurement.objects.filter(session__series=visits)
    assert set(readings.values_list("kind", flat=True)) == set(MeasurementKind.values)
    present = Attendance.objects.filter(session__series=visits, status=AttendanceStatus.PRESENT)
    assert readings.filter(kind=MeasurementKind.BLOOD_PRESSURE).count() == present.count()
    for reading in readings.select_related("session"):
        assert reading.session is not None and reading.session.starts_at <= reading.taken_at <= timezone.now()
        assert present.filter(session=reading.session, registration__participant=reading.participant_id).exists()
        typed = Reading(reading.kind, reading.value, reading.unit, reading.value2, reading.glucose_context)
        checked, errors = check_reading(typed)  # the service's own check and conversion
        assert not errors and checked is not None and checked.canonical == reading.canonical_value
    flagged = readings.exclude(concern=None).select_related("concern")
    assert flagged.count() == 1
    reading = flagged.get()
    assert reading.kind == MeasurementKind.GLUCOSE and reading.canonical_value > 300
    assert reading.concern is not None and reading.concern.tier == ConcernTier.URGENT
    assert (
        reading.concern.participant_id == reading.participant_id
        and str(reading.value.normalize()) in reading.concern.reason
    )
    others = readings.filter(concern=None)
    assert not others.filter(kind=MeasurementKind.GLUCOSE, canonical_value__gt=300).exists()
    assert not others.filter(kind=MeasurementKind.BLOOD_PRESSURE, value__gt=160).exists()


def test_completion_figures_of_the_finished_workshop_are_non_trivial(demo: Organization) -> None:
    finished = series_of(GroupKind.WORKSHOP, running=False)
    figures = series_figures(GroupSeries.objects.filter(pk=finished.pk))[finished.pk]
    assert figures.finished and figures.held == figures.planned == 6
    assert figures.completion_rate is not None and 0 < figures.completion_rate < 1
    assert figures.mean_attendance is not None and 3 <= figures.mean_attendance <= 6
    assert figures.dropped > 0 and figures.starters >= 10

    programs = {f.kind: f for f in program_figures(GroupSeries.objects.filter(program=finished.program))}
    workshops = programs[GroupKind.WORKSHOP]
    assert (workshops.series_finished, workshops.series_running) == (1, 1)
    assert workshops.completion_rate == figures.completion_rate


def test_registrations_and_attendance_keep_the_rules_the_services_enforce(demo: Organization) -> None:
    now = timezone.now()
    for series in GroupSeries.objects.select_related("program"):
        registrations = list(series.registrations.select_related("enrollment"))
        registered = sum(r.status == RegistrationStatus.REGISTERED for r in registrations)
        assert registered <= series.capacity
        if any(r.status == RegistrationStatus.WAITLISTED for r in registrations):
            assert registered == series.capacity  # nobody waits while a place is free
        for r in registrations:
            assert (r.enrollment.participant_id, r.enrollment.program_id) == (r.participant_id, series.program_id)
            assert (r.status == RegistrationStatus.DROPPED) == (r.dropped_at is not None)
            if r.status == RegistrationStatus.WAITLISTED:
                assert r.enrollment.status in (S.REFERRED, S.ENROLLED, S.ACTIVE)
    for mark in Attendance.objects.select_related("session__series", "registration"):
        registration, session = mark.registration, mark.session
        assert mark.enrollment_id == registration.enrollment_id
        assert registration.status != RegistrationStatus.WAITLISTED
        assert registration.joined_at <= session.starts_at <= now
        assert registration.dropped_at is None or session.starts_at < registration.dropped_at
        assert mark.recorded_at >= session.starts_at
        if mark.status == AttendanceStatus.MADE_UP:
            assert mark.made_up_on is not None and session.starts_on <= mark.made_up_on <= timezone.localdate()


def test_action_plans_are_set_and_reviewed_at_sessions_and_contacts(demo: Organization) -> None:
    plans = ActionPlan.objects.select_related("revises", "set_in_contact", "set_in_session")
    assert {p.review_outcome for p in plans if p.status == ActionPlanStatus.REVIEWED} == set(ReviewOutcome.values)
    assert plans.exclude(set_in_session=None).exists() and plans.exclude(set_in_contact=None).exists()
    kept = plans.filter(low_confidence_kept=True)
    assert kept.count() == 1 and kept.get().confidence < 7 and kept.get().status == ActionPlanStatus.ACTIVE
    assert plans.exclude(revises=None).count() == 1
    active = Counter(plans.filter(status=ActionPlanStatus.ACTIVE).values_list("enrollment", flat=True))
    assert set(active.values()) == {1}  # one active plan per enrolment
    for plan in plans:
        typed = ActionPlanInput(plan.what, plan.how_much, plan.when, plan.days_per_week, plan.confidence)
        assert not check_action_plan(typed, keep_low_confidence=plan.low_confidence_kept)
        assert plan.enrollment.participant_id == plan.participant_id
        if plan.status == ActionPlanStatus.REVIEWED:
            assert plan.reviewed_at is not None and plan.created_at <= plan.reviewed_at <= timezone.now()
            assert (plan.reviewed_in_session or plan.reviewed_in_contact) is not None
        elif plan.status == ActionPlanStatus.WITHDRAWN:  # replaced the same day by an easier plan
            assert plan.revised_by.created_at.astimezone(NEW_YORK).date() == plan.created_at.astimezone(NEW_YORK).date()
            assert not plan.review_outcome and plan.reviewed_at == plan.revised_by.created_at
        else:
            assert plan.reviewed_at is None and not plan.review_outcome
        if plan.revises is not None:  # a revision is of the plan made earlier the same day, now withdrawn
            assert plan.revises.enrollment_id == plan.enrollment_id and plan.revises.created_at < plan.created_at
            assert plan.revises.status == ActionPlanStatus.WITHDRAWN
        if plan.set_in_session is not None:
            assert plan.set_in_session.attendance.filter(
                registration__participant=plan.participant_id, status=AttendanceStatus.PRESENT
            ).exists()
        if plan.set_in_contact is not None:
            assert plan.set_in_contact.participant_id == plan.participant_id
            assert "action_plan" in plan.set_in_contact.activities
            assert f"confidence {plan.confidence}/10" in plan.set_in_contact.note
    login = Participant.objects.get(user__username="participant")
    assert plans.filter(participant=login, status=ActionPlanStatus.ACTIVE).count() == 1


def test_a_workshop_participants_timeline_shows_attendance(demo: Organization) -> None:
    workshop = series_of(GroupKind.WORKSHOP, running=True)
    registration = workshop.registrations.filter(status=RegistrationStatus.REGISTERED, attendance__isnull=False)[0]
    coordinator = User.objects.get(username="coordinator")

    events = [e for e in timeline_for(registration.participant, coordinator) if e.kind == "attendance"]

    assert len(events) == registration.attendance.count() >= 2
    assert {e.obj.session.series_id for e in events} == {workshop.pk}


def test_the_participant_login_is_in_a_group(demo: Organization) -> None:
    login = Participant.objects.get(user__username="participant")
    registration = Registration.objects.get(participant=login)
    assert registration.status == RegistrationStatus.REGISTERED and registration.series.kind == GroupKind.SUPPORT_GROUP
    assert registration.attendance.filter(status__in=ATTENDED_STATUSES).exists()
    assert registration.series.sessions.filter(starts_at__gt=timezone.now()).exists()


# --- linkage: the resource directory, referrals and look-ups (demo_linkage.py) --------------------------


def km_between(a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = (math.radians(float(x)) for x in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


CENTRE = (Decimal(str(PLAN_CENTRE[0])), Decimal(str(PLAN_CENTRE[1])))


def test_the_directory_lists_services_near_the_town_with_places_phones_hours_and_categories(
    demo: Organization,
) -> None:
    services = list(
        Service.objects.filter(organization=demo).prefetch_related(
            "categories__parent", "service_at_locations__location", "phones", "schedules", "language_records"
        )
    )
    assert 35 <= len(services) <= 45
    assert 20 <= ResourceOrganization.objects.filter(organization=demo).count() <= 30
    assert len({s.resource_organization_id for s in services}) == ResourceOrganization.objects.count()
    tops: Counter[str] = Counter()
    for service in services:
        locations = [sal.location for sal in service.service_at_locations.all()]
        assert locations, service.name
        for location in locations:
            assert location.latitude is not None and location.longitude is not None
            assert km_between((location.latitude, location.longitude), CENTRE) <= 15, location.name
            assert location.address_1 and location.city == "Riverside" and location.postal_code
        phones = [p.number for p in service.phones.all()]
        assert phones and all(normalize_phone(n) == n and n[5:10] == "55501" for n in phones)
        schedules = list(service.schedules.all())
        assert schedules, service.name
        for schedule in schedules:
            assert schedule.opens_at is not None and schedule.closes_at is not None
            assert schedule.opens_at < schedule.closes_at
            assert schedule.freq in ("WEEKLY", "MONTHLY")
            assert schedule.weekdays and set(schedule.weekdays) <= {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
        assert service.languages and sorted(service.languages) == sorted(r.code for r in service.language_records.all())
        categories = list(service.categories.all())
        assert categories, service.name
        tops.update({(c.parent or c).code for c in categories})
        clinical = any((c.parent or c).code == "clinical_care" for c in categories)
        assert service.is_clinical == clinical, service.name
    assert set(tops) == {t.code for t in TAXONOMY if not t.parent}
    languages = Counter(code for s in services for code in s.languages)
    assert languages["en"] > 0.8 * len(services) and languages["es"] > 0.6 * len(services)
    assert set(languages) - {"en", "es"}  # some others too
    near_every_neighbourhood = [
        min(
            km_between((loc.latitude, loc.longitude), locality_coordinates(name))  # type: ignore[arg-type]
            for loc in Location.objects.filter(organization=demo)
            if loc.latitude is not None and loc.longitude is not None
        )
        for name in LOCALITIES
    ]
    assert max(near_every_neighbourhood) <= 3


def test_some_directory_entries_are_verified_recently_some_are_stale_and_one_is_closed(demo: Organization) -> None:
    today = timezone.localdate()
    services = list(Service.objects.filter(organization=demo).select_related("verified_by"))
    stale = [s for s in services if s.is_stale(today)]
    assert 8 <= len(stale) <= len(services) // 2
    assert any(s.verified_on is None for s in stale) and any(s.verified_on is not None for s in stale)
    recent = [s for s in services if s.verified_on is not None and (today - s.verified_on).days <= 30]
    assert len(recent) >= 10
    for service in services:
        assert (service.verified_on is None) == (service.verified_by is None)
        if service.verified_by is not None:
            assert service.verified_by.role == Role.COORDINATOR and service.assurer_email == service.verified_by.email
            assert service.verified_on is not None and service.created_at.date() <= service.verified_on <= today
    closed = [s for s in services if s.status == ServiceStatus.TEMPORARILY_CLOSED]
    assert len(closed) == 1 and closed[0].alert
    assert {s.status for s in services} == {ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED}


def test_participants_carry_their_neighbourhoods_coordinates(demo: Organization) -> None:
    people = list(Participant.objects.filter(organization=demo))
    by_locality: dict[str, set[tuple[Decimal | None, Decimal | None]]] = defaultdict(set)
    for person in people:
        by_locality[person.locality].add((person.latitude, person.longitude))
    assert set(by_locality) <= set(LOCALITIES) and len(by_locality) >= 8
    for locality, points in by_locality.items():
        assert points == {locality_coordinates(locality)}  # the neighbourhood's centre, never a home
        (point,) = points
        assert km_between(point, CENTRE) <= 8  # type: ignore[arg-type]


def test_referrals_in_every_status_keep_the_closed_loop_rules(demo: Organization) -> None:
    now = timezone.now()
    referrals = list(
        Referral.objects.filter(participant__organization=demo).select_related(
            "enrollment__participant__organization", "service", "to_professional", "created_by", "from_contact"
        )
    )
    assert {r.status for r in referrals} == set(ReferralStatus.values)
    assert {r.kind for r in referrals} == set(ReferralKind.values)
    assert len({r.participant_id for r in referrals}) >= 8
    assigned = set(Assignment.objects.values_list("enrollment_id", "supporter__user_id"))
    for referral in referrals:
        enrollment = referral.enrollment
        events = list(referral.events.select_related("changed_by"))
        assert events[0].from_status == "" and events[0].changed_at == referral.created_at
        assert all(a.to_status == b.from_status for a, b in pairwise(events))
        assert all(b.to_status in REFERRAL_TRANSITIONS[a.to_status] for a, b in pairwise(events))
        assert all(a.changed_at <= b.changed_at <= now for a, b in pairwise(events))
        assert events[-1].to_status == referral.status and events[-1].changed_at == referral.status_changed_at
        assert referral.participant_id == enrollment.participant_id
        assert referral.created_on == referral.created_at.astimezone(NEW_YORK).date() >= enrollment.enrolled_on
        receivers = [referral.service_id is not None, referral.to_professional_id is not None, bool(referral.to_name)]
        assert sum(receivers) == 1
        if referral.service is not None:
            assert referral.service.organization_id == demo.pk
            assert enrollment.participant.preferred_language in referral.service.languages
        clinical = referral.to_professional is not None or (
            referral.service is not None and referral.service.is_clinical
        )
        if not referral.is_incoming:
            assert referral.kind == (ReferralKind.CLINICAL if clinical else ReferralKind.COMMUNITY)
            assert referral.consent_to_share and referral.shared_items
            assert set(referral.shared_items) <= set(SharedItem.values)
            assert (enrollment.pk, referral.created_by_id) in assigned  # made by one of the person's supporters
            assert events[0].to_status == ReferralStatus.DRAFT
        for event in events[1:]:
            answers = event.to_status not in (ReferralStatus.SENT, ReferralStatus.CANCELLED)
            if referral.to_professional is not None and answers:
                assert event.changed_by == referral.to_professional  # the receiver answers
            elif not referral.is_incoming:
                assert event.changed_by == referral.created_by  # the supporter records the service's reply
        if referral.status == ReferralStatus.SCHEDULED:
            assert referral.appointment_at is not None and referral.appointment_at > now
        if referral.appointment_at is not None:
            assert referral.appointment_at >= referral.created_at
        if referral.from_contact is not None:
            contact = referral.from_contact
            assert contact.enrollment_id == enrollment.pk and contact.fn_linkage
            assert contact.occurred_at < referral.created_at
    urgent_open = [r for r in referrals if r.is_open and r.urgency == ReferralUrgency.URGENT]
    assert not urgent_open  # none left waiting for days by accident


def test_an_incoming_referral_waits_for_the_coordinator(demo: Organization) -> None:
    incoming = Referral.objects.get(participant__organization=demo, is_incoming=True)
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", incoming.external_id)  # a FHIR id
    assert incoming.status == ReferralStatus.SENT and incoming.to_name == incoming.enrollment.program.name
    assert incoming.enrollment.status == S.REFERRED
    assert incoming.created_by.role == Role.COORDINATOR
    assert incoming.events.get().note.startswith("Received from ")


def test_two_stalled_referrals_are_on_the_supporters_today_list(demo: Organization) -> None:
    now = timezone.now()
    referrals = Referral.objects.filter(participant__organization=demo)
    program_ids = set(referrals.values_list("enrollment__program_id", flat=True))
    stalled = list(referrals.filter(StallRules.load(program_ids).condition(now)).select_related("created_by"))
    assert len(stalled) == 2
    assert {r.status for r in stalled} == {ReferralStatus.SENT, ReferralStatus.ACCEPTED}
    assert all(r.created_by.username == "supporter" for r in stalled)
    assert all(19 <= (now - r.status_changed_at).days <= 22 for r in stalled)

    rosa = User.objects.get(username="supporter")
    lines = worklist(rosa, supporter=rosa.supporter, now=now)
    flagged = {line.state.enrollment_id for line in lines if "referral_stalled" in line.reason_codes}
    assert flagged == {r.enrollment_id for r in stalled}


def test_the_professional_and_the_participant_login_have_referrals(demo: Organization) -> None:
    professional = User.objects.get(username="professional")
    to_her = Referral.objects.filter(to_professional=professional)
    assert {ReferralStatus.SENT, ReferralStatus.SCHEDULED, ReferralStatus.COMPLETED} <= set(
        to_her.values_list("status", flat=True)
    )
    assert all(professional in r.enrollment.program.clinical_leads.all() for r in to_her)
    recently = timezone.now() - timedelta(days=30)
    assert to_her.filter(status=ReferralStatus.COMPLETED, status_changed_at__gte=recently).exists()  # "closed"

    login = Participant.objects.get(user__username="participant")
    mine = Referral.objects.filter(participant=login)
    assert {r.status for r in mine} == {ReferralStatus.COMPLETED, ReferralStatus.SCHEDULED}
    assert DirectoryLookup.objects.filter(participant=login).exists()


def test_resources_are_shared_with_several_participants_by_their_supporters(demo: Organization) -> None:
    now = timezone.now()
    lookups = list(DirectoryLookup.objects.select_related("enrollment__participant", "service", "shared_by"))
    assert len(lookups) >= 10 and len({lookup.participant_id for lookup in lookups}) >= 10
    assigned = set(Assignment.objects.values_list("enrollment_id", "supporter__user_id"))
    for lookup in lookups:
        assert (lookup.enrollment_id, lookup.shared_by_id) in assigned
        assert lookup.participant_id == lookup.enrollment.participant_id
        assert lookup.shared_at <= now and lookup.shared_on == lookup.shared_at.astimezone(NEW_YORK).date()
        assert lookup.shared_on >= lookup.enrollment.enrolled_on
        assert lookup.enrollment.participant.preferred_language in lookup.service.languages
    assert len({lookup.service.categories.first().parent_id for lookup in lookups}) >= 4  # type: ignore[union-attr]


def test_linkage_coverage_counts_referrals_and_lookups(demo: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    programs = Program.objects.filter(organization=demo)

    def linkage(days: int) -> int:
        return sum(c.by_function.get("linkage", 0) for c in function_coverage(programs, days).values())

    with_them = {days: linkage(days) for days in (30, 90)}
    monkeypatch.delitem(deliveries._sources, "referrals")
    monkeypatch.delitem(deliveries._sources, "directory_lookups")
    without = {days: linkage(days) for days in (30, 90)}

    assert with_them[30] > without[30] and with_them[90] >= without[90]


def test_the_demo_directory_is_valid_hsds_that_re_imports_unchanged(demo: Organization) -> None:
    for name, data in (("demo.json", export_json_bytes(demo)), ("demo.zip", export_csv_zip(demo))):
        report = import_upload(demo, name, data)
        assert not report.format_error and not report.issues, report.lines()
        totals = report.totals
        assert (totals.created, totals.updated, totals.skipped, totals.removed) == (0, 0, 0, 0), name
        assert report.counts["services"].unchanged == Service.objects.filter(organization=demo).count()


def test_each_login_finds_the_linkage_pages_the_demo_guide_points_to(demo: Organization, client: Client) -> None:
    def page(username: str, url: str) -> str:
        assert client.login(username=username, password=DEMO_PASSWORD)
        response = client.get(url)
        client.logout()
        assert response.status_code == 200, (username, url)
        return response.content.decode()

    assert page("supporter", reverse("followup:today")).count("Referral stalled") >= 2
    inbox = page("professional", reverse("linkage:referrals_to_me"))
    assert "Accept" in inbox and "Closed in the last" in inbox
    referrals = page("coordinator", reverse("linkage:referrals"))
    assert "Stalled <b>2</b>" in referrals and "Promotoras de Salud" in referrals
    stale = sum(s.is_stale(timezone.localdate()) for s in Service.objects.filter(organization=demo))
    assert f"{stale} to check" in page("coordinator", reverse("linkage:curation"))
    assert "Import and export the directory" in page("coordinator", reverse("linkage:import"))
    assert "km" in page("participant", reverse("linkage:directory"))  # nearest first from their neighbourhood
    assert "Referral appointment scheduled" in page("participant", reverse("people:me"))  # on their timeline
