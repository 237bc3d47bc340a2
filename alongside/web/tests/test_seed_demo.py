"""manage.py seed_demo: what it loads, that a second run adds nothing, and that every demo record obeys the
rules the services enforce on real input."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator
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
from alongside.people.models import ConsentRecord, Participant, Supporter, SupporterKind
from alongside.people.phones import normalize_phone
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
from alongside.taxonomy import ACTIVITY_BY_CODE, ConcernTier, Initiation, KeyFunction, Modality, Outcome
from alongside.web.demo import DEMO_LOGINS, DEMO_PASSWORD, ORGANIZATION_SLUG
from alongside.web.demo_contacts import TELEPHONE_WINDOWS

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
    models += [Assignment, Contact, Concern]
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

    group_visits = [c for c in of("Diabetes Group Visits") if c.modality == Modality.GROUP_MEETING]
    assert len(group_visits) > 30 and len({c.occurred_at for c in group_visits}) <= 8  # shared monthly sessions
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
