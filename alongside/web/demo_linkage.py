"""Demo data for linkage to clinical care and community resources (key function 3): a resource directory of
about 40 services from 25 organizations in and around the demo's town, closed-loop referrals in every
status, and resources shared with participants. The plan (who, what, when) is in demo_linkage_plan.py.

Called by the demo loader (demo.py) once the people, contacts and groups exist and before the follow-up
engine's recompute, so referrals and look-ups count as linkage deliveries in function gaps and coverage.
Everything is dated from `now`: the directory's verification dates, the referrals' status history (the
two stalled ones last changed 20 days ago, so they are on the `supporter` login's Today list) and the
look-ups. HSDS ids are derived from the seed, so they are the same in every database seeded with it.

Referrals and their events are written directly (bulk_create) rather than through linkage.services,
because the services date what they record "now" while the demo needs months of history; the records obey
the same rules (consent before anything is shared, only the lifecycle's transitions, nothing in the
future but appointments), which the seed tests check.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Case, DateTimeField, Value, When

from alongside.accounts.models import Organization, User
from alongside.contacts.models import Contact
from alongside.linkage.models import (
    DirectoryLookup,
    Location,
    Phone,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralSettings,
    ReferralStatus,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    TaxonomyTerm,
)
from alongside.programs import deliveries
from alongside.programs.models import Enrollment, EnrollmentStatus, EnrollmentTransition, Program
from alongside.taxonomy import LANGUAGE_NAMES, Outcome
from alongside.web.demo_linkage_plan import (
    CITY,
    COORDINATOR,
    COUNTRY,
    INCOMING_FROM,
    INCOMING_PROGRAM,
    INCOMING_REASON,
    LOGIN_LOOKUP,
    LOOKUPS,
    NO_SHOW_LOOKUP,
    ORGANIZATIONS,
    PROFESSIONAL,
    REFERRAL_SETTINGS,
    REFERRALS,
    STATE,
    SUPPORTER,
    TAXONOMY,
    TAXONOMY_NAME,
    VERIFIER,
    LookupPlan,
    OrganizationPlan,
    ReferralPlan,
    ServicePlan,
    coordinates,
)

R = ReferralStatus
LOGIN = "participant"  # the demo's participant login
CONTACT_DAYS_BEFORE = 2  # a referral moves to a contact that served linkage up to this many days earlier
MORE_LANGUAGE_NAMES = {"zh": "Chinese"}  # Django lists Chinese only by script (zh-hans, zh-hant)


@dataclass
class LinkageDemo:
    """What load_linkage() added, for the loader's tests."""

    services: dict[str, Service] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    lookups: list[DirectoryLookup] = field(default_factory=list)


def load_linkage(organization: Organization, programs: dict[str, Program], *, now: datetime, seed: int) -> LinkageDemo:
    """programs: demo.PROGRAMS keys to the saved programs."""
    return _Loader(organization, programs, now, seed).load()


class _Loader:
    def __init__(self, organization: Organization, programs: dict[str, Program], now: datetime, seed: int) -> None:
        self.org = organization
        self.programs = programs
        self.now = now
        self.rng = random.Random(f"{seed}:linkage")
        self.tz = ZoneInfo(organization.timezone)
        self.today = now.astimezone(self.tz).date()
        self.users = {u.username: u for u in User.objects.filter(organization=organization)}
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"https://alongside.example.org/demo/{seed}")
        self.result = LinkageDemo()
        self.used: set[int] = set()  # participants given a planned referral or look-up

    def hsds_id(self, kind: str, key: str) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}:{key}"))

    def at(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        """A local time `days_ago` days before today, never later than half an hour ago."""
        moment = datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute), self.tz)
        return min(moment, self.now - timedelta(minutes=30))

    def load(self) -> LinkageDemo:
        self._directory()
        for key, (days, urgent_days) in REFERRAL_SETTINGS.items():
            ReferralSettings.objects.create(
                program=self.programs[key], stall_after_days=days, urgent_stall_after_days=urgent_days
            )
        recently_linked = self._recently_linked()  # before this loader adds deliveries of its own
        self._referrals()
        self._lookups(recently_linked)
        return self.result

    # --- the directory ---------------------------------------------------------------------------------

    def _directory(self) -> None:
        org = self.org
        terms: dict[str, TaxonomyTerm] = {}
        for generation in ([t for t in TAXONOMY if not t.parent], [t for t in TAXONOMY if t.parent]):
            rows = [
                TaxonomyTerm(
                    organization=org,
                    hsds_id=self.hsds_id("taxonomy_term", t.code),
                    code=t.code,
                    name=t.name,
                    description=t.description,
                    taxonomy=TAXONOMY_NAME,
                    parent=terms.get(t.parent),
                    language="en",
                )
                for t in generation
            ]
            terms |= {t.code: t for t in TaxonomyTerm.objects.bulk_create(rows)}

        bodies = ResourceOrganization.objects.bulk_create(
            [
                ResourceOrganization(
                    organization=org,
                    hsds_id=self.hsds_id("organization", plan.key),
                    name=plan.name,
                    description=plan.description,
                    website=plan.website,
                    email=plan.email,
                    tax_status="501(c)(3)" if plan.key not in ("transit", "parks", "county_assistance") else "",
                )
                for plan in ORGANIZATIONS
            ]
        )
        by_plan = dict(zip((p.key for p in ORGANIZATIONS), bodies, strict=True))
        locations = {
            place.key: self._location(by_plan[plan.key], place_key=place.key, plan=plan)
            for plan in ORGANIZATIONS
            for place in plan.places
        }
        Location.objects.bulk_create(locations.values())

        plans = [(plan, service) for plan in ORGANIZATIONS for service in plan.services]
        services = Service.objects.bulk_create([self._service(by_plan[o.key], o, s) for o, s in plans])
        self.result.services = {s.key: service for (_, s), service in zip(plans, services, strict=True)}

        at_locations, phones, schedules, languages, categories = [], [], [], [], []
        through = Service.categories.through
        for (plan, splan), service in zip(plans, services, strict=True):
            for place_key in splan.places or tuple(p.key for p in plan.places):
                at_locations.append(
                    ServiceAtLocation(
                        organization=org,
                        hsds_id=self.hsds_id("service_at_location", f"{splan.key}@{place_key}"),
                        service=service,
                        location=locations[place_key],
                    )
                )
            phones.append(
                Phone(
                    organization=org,
                    hsds_id=self.hsds_id("phone", splan.key),
                    service=service,
                    number=splan.phone or plan.phone,
                    type="voice",
                )
            )
            for i, hours in enumerate(splan.hours):
                schedules.append(
                    Schedule(
                        organization=org,
                        hsds_id=self.hsds_id("schedule", f"{splan.key}:{i}"),
                        service=service,
                        freq=hours.freq,
                        byday=hours.byday,
                        opens_at=time.fromisoformat(hours.opens),
                        closes_at=time.fromisoformat(hours.closes),
                        description=hours.description,
                    )
                )
            for code in splan.languages:
                name = LANGUAGE_NAMES.get(code) or MORE_LANGUAGE_NAMES.get(code, code)
                languages.append(
                    ServiceLanguage(
                        organization=org,
                        hsds_id=self.hsds_id("language", f"{splan.key}:{code}"),
                        service=service,
                        code=code,
                        name=name,
                    )
                )
            categories += [through(service_id=service.pk, taxonomyterm_id=terms[c].pk) for c in splan.categories]
        phones += [
            Phone(
                organization=org,
                hsds_id=self.hsds_id("phone", f"organization:{plan.key}"),
                resource_organization=by_plan[plan.key],
                number=plan.phone,
                type="voice",
            )
            for plan in ORGANIZATIONS
        ]
        ServiceAtLocation.objects.bulk_create(at_locations)
        Phone.objects.bulk_create(phones)
        Schedule.objects.bulk_create(schedules)
        ServiceLanguage.objects.bulk_create(languages)
        through.objects.bulk_create(categories)
        self._backdate_directory(services)

    def _location(self, body: ResourceOrganization, *, place_key: str, plan: OrganizationPlan) -> Location:
        place = next(p for p in plan.places if p.key == place_key)
        latitude, longitude = coordinates(place.north_km, place.east_km)
        return Location(
            organization=self.org,
            hsds_id=self.hsds_id("location", place.key),
            resource_organization=body,
            name=place.name,
            latitude=latitude,
            longitude=longitude,
            address_1=place.address,
            city=CITY,
            state_province=STATE,
            postal_code=place.postal_code,
            country=COUNTRY,
            transportation=place.transportation,
        )

    def _service(self, body: ResourceOrganization, plan: OrganizationPlan, splan: ServicePlan) -> Service:
        verifier = self.users[VERIFIER]
        days = splan.verified_days_ago
        verified = days is not None
        return Service(
            organization=self.org,
            hsds_id=self.hsds_id("service", splan.key),
            resource_organization=body,
            name=splan.name,
            description=splan.description,
            url=plan.website,
            email=plan.email,
            status=splan.status,
            alert=splan.alert,
            fees_description=splan.fees,
            eligibility_description=splan.eligibility,
            application_process=splan.application,
            languages=list(splan.languages),
            is_clinical=splan.is_clinical,
            verified_on=self.today - timedelta(days=days) if days is not None else None,
            verified_by=verifier if verified else None,
            assurer_email=verifier.email if verified else "",
        )

    def _backdate_directory(self, services: list[Service]) -> None:
        """Inserts stamp now: the directory was imported well before its oldest verification and each
        entry last changed when it was verified."""
        oldest = max((s.verified_days_ago or 0) for o in ORGANIZATIONS for s in o.services)
        imported = self.at(oldest + 40, 10)
        changed = [
            When(pk=s.pk, then=Value(self.at((self.today - s.verified_on).days, 15)))
            for s in services
            if s.verified_on is not None
        ]
        Service.objects.filter(organization=self.org).update(
            created_at=imported,
            updated_at=Case(*changed, default=Value(imported), output_field=DateTimeField()),
        )
        ResourceOrganization.objects.filter(organization=self.org).update(updated_at=imported)

    # --- referrals ---------------------------------------------------------------------------------------

    def _candidates(self, supporter: str, program_key: str) -> list[Enrollment]:
        """Active enrolments of `program_key` whose current primary supporter is `supporter`, by enrolment."""
        return list(
            Enrollment.objects.filter(
                program=self.programs[program_key],
                status=EnrollmentStatus.ACTIVE,
                assignments__supporter__user__username=supporter,
                assignments__is_primary=True,
                assignments__ended_at=None,
            )
            .select_related("participant__organization")
            .order_by("pk")
        )

    def _speaks(self, enrollment: Enrollment, service_key: str) -> bool:
        service = self.result.services.get(service_key)
        return service is None or enrollment.participant.preferred_language in service.languages

    def _choose(self, plan: ReferralPlan) -> Enrollment | None:
        first_day = self.today - timedelta(days=plan.steps[0].days_ago + CONTACT_DAYS_BEFORE)
        for enrollment in self._candidates(plan.supporter, plan.program):
            person = enrollment.participant
            if plan.login != (person.user_id is not None and person.user_id == self.users[LOGIN].pk):
                continue
            if plan.login or (
                person.pk not in self.used
                and enrollment.enrolled_on <= first_day - timedelta(days=7)
                and self._speaks(enrollment, plan.to)
            ):
                return enrollment
        return None

    def _linkage_contact(self, enrollment: Enrollment, by: User, first: datetime, limit: datetime) -> Contact | None:
        """The reached contact that served linkage on the day of `first` or up to two days before it, ending
        before `limit`: the referral was made on that call."""
        day = first.astimezone(self.tz).date()
        contacts = Contact.objects.filter(
            enrollment=enrollment,
            recorded_by=by,
            outcome=Outcome.REACHED,
            fn_linkage=True,
            occurred_on__gte=day - timedelta(days=CONTACT_DAYS_BEFORE),
            occurred_on__lte=day,
        ).order_by("-occurred_at")
        for contact in contacts:
            if self._after(contact) < limit:
                return contact
        return None

    def _after(self, contact: Contact) -> datetime:
        """A few minutes after the contact ended, when the supporter typed in what came of it."""
        return contact.occurred_at + timedelta(minutes=contact.duration_minutes + 5)

    def _referrals(self) -> None:
        referrals: list[Referral] = []
        events: list[ReferralEvent] = []
        for plan in REFERRALS:
            enrollment = self._choose(plan)
            if enrollment is None:  # a seed whose stories leave nobody fitting; the plan is skipped
                continue
            self.used.add(enrollment.participant_id)
            referral, steps = self._referral(plan, enrollment)
            referrals.append(referral)
            events += steps
            self.result.referrals[plan.key] = referral
        incoming = self._incoming()
        if incoming is not None:
            referrals.append(incoming[0])
            events.append(incoming[1])
            self.result.referrals["incoming"] = incoming[0]
        Referral.objects.bulk_create(referrals)
        for event in events:
            event.referral_id = event.referral.pk
        ReferralEvent.objects.bulk_create(events)

    def _referral(self, plan: ReferralPlan, enrollment: Enrollment) -> tuple[Referral, list[ReferralEvent]]:
        supporter = self.users[plan.supporter]
        people = {SUPPORTER: supporter, PROFESSIONAL: self.users[PROFESSIONAL], COORDINATOR: self.users[COORDINATOR]}
        times = [self.at(s.days_ago, s.hour, s.minute) for s in plan.steps]
        limit = times[1] if len(times) > 1 else self.now - timedelta(minutes=30)
        contact = self._linkage_contact(enrollment, supporter, times[0], limit)
        if contact is not None:
            times[0] = self._after(contact)
        service = self.result.services.get(plan.to)
        to_professional = people[PROFESSIONAL] if plan.to == PROFESSIONAL else None
        clinical = to_professional is not None or (service is not None and service.is_clinical)
        appointment = None
        if plan.appointment is not None:
            days, hour, minute = plan.appointment
            appointment = datetime.combine(self.today + timedelta(days=days), time(hour, minute), self.tz)
        referral = Referral(
            participant=enrollment.participant,
            enrollment=enrollment,
            kind=ReferralKind.CLINICAL if clinical else ReferralKind.COMMUNITY,
            service=service,
            to_professional=to_professional,
            reason=plan.reason,
            urgency=plan.urgency,
            consent_to_share=True,
            shared_items=list(plan.shared),
            status=plan.steps[-1].status,
            status_changed_at=times[-1],
            appointment_at=appointment,
            from_contact=contact,
            created_by=supporter,
            created_at=times[0],
            created_on=times[0].astimezone(ZoneInfo(enrollment.participant.zone)).date(),
        )
        # As linkage.services.create_referral records it: made as a draft, then (at once, when sent) sent.
        events = []
        previous = ""
        if plan.steps[0].status != R.DRAFT:
            events.append(
                ReferralEvent(referral=referral, to_status=R.DRAFT, changed_by=supporter, changed_at=times[0])
            )
            previous = R.DRAFT
        for step, moment in zip(plan.steps, times, strict=True):
            by = people[step.by]
            events.append(
                ReferralEvent(
                    referral=referral,
                    from_status=previous,
                    to_status=step.status,
                    changed_by=by,
                    changed_at=moment,
                    note=step.note,
                )
            )
            previous = step.status
        return referral, events

    def _incoming(self) -> tuple[Referral, ReferralEvent] | None:
        """A clinic's referral received as a FHIR ServiceRequest: the person is "referred" to a program and
        waits for the coordinator to accept. Incoming referrals need no consent to share (nothing leaves)."""
        referred = list(
            EnrollmentTransition.objects.filter(
                enrollment__program__organization=self.org,
                enrollment__status=EnrollmentStatus.REFERRED,
                from_status="",
                to_status=EnrollmentStatus.REFERRED,
            )
            .select_related("enrollment__participant__organization", "enrollment__program")
            .order_by("enrollment_id")
        )
        if not referred:
            return None
        program = self.programs[INCOMING_PROGRAM]
        step = next((t for t in referred if t.enrollment.program_id == program.pk), referred[0])
        enrollment = step.enrollment
        received = step.changed_at - timedelta(minutes=10)
        coordinator = self.users[COORDINATOR]
        referral = Referral(
            participant=enrollment.participant,
            enrollment=enrollment,
            kind=ReferralKind.COMMUNITY,
            to_name=enrollment.program.name,
            reason=INCOMING_REASON,
            consent_to_share=False,
            status=R.SENT,
            status_changed_at=received,
            is_incoming=True,
            external_id=self.hsds_id("service_request", "incoming"),
            created_by=coordinator,
            created_at=received,
            created_on=received.astimezone(ZoneInfo(enrollment.participant.zone)).date(),
        )
        note = f"Received from {INCOMING_FROM} as a FHIR ServiceRequest."
        event = ReferralEvent(
            referral=referral, from_status="", to_status=R.SENT, changed_by=coordinator, changed_at=received, note=note
        )
        return referral, event

    # --- look-ups ----------------------------------------------------------------------------------------

    def _recently_linked(self) -> set[int]:
        """Enrolments that received linkage through any channel in the last 30 days."""
        union = deliveries.union_sql()
        sql = f"SELECT DISTINCT d.enrollment_id FROM ({union}) d WHERE d.fn_linkage AND d.occurred_at > %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.now - timedelta(days=30)])
            return {row[0] for row in cursor.fetchall()}

    def _lookups(self, recently_linked: set[int]) -> None:
        lookups: list[DirectoryLookup] = []
        for plan in LOOKUPS:
            lookup = self._planned_lookup(plan, recently_linked)
            if lookup is not None:
                lookups.append(lookup)
        login_referral = self.result.referrals.get("login_completed")
        if login_referral is not None:
            lookups.append(
                self._lookup(login_referral.enrollment, LOGIN_LOOKUP, self.at(LOGIN_LOOKUP.days_ago or 0, 17))
            )
        no_show = self.result.referrals.get("eye_no_show")
        if no_show is not None:
            days = NO_SHOW_LOOKUP.days_ago or 0
            lookups.append(self._lookup(no_show.enrollment, NO_SHOW_LOOKUP, self.at(days, 10, 40)))
        DirectoryLookup.objects.bulk_create(lookups)
        self.result.lookups = lookups

    def _planned_lookup(self, plan: LookupPlan, recently_linked: set[int]) -> DirectoryLookup | None:
        enrollments = Enrollment.objects.filter(
            program=self.programs[plan.program],
            status=EnrollmentStatus.ACTIVE,
            assignments__is_primary=True,
            assignments__ended_at=None,
        ).select_related("participant__organization")
        for enrollment in enrollments.order_by("pk"):
            if enrollment.participant_id in self.used or not self._speaks(enrollment, plan.service):
                continue
            if plan.days_ago is not None:  # shared between contacts, with someone not linked lately
                if enrollment.pk in recently_linked or enrollment.enrolled_on > self.today - timedelta(
                    days=plan.days_ago + 7
                ):
                    continue
                at = self.at(plan.days_ago, self.rng.randint(10, 16), self.rng.choice((5, 20, 35, 50)))
                return self._lookup(enrollment, plan, at)
            contact = (
                Contact.objects.filter(
                    enrollment=enrollment,
                    outcome=Outcome.REACHED,
                    fn_linkage=True,
                    occurred_at__gte=self.now - timedelta(days=90),
                )
                .order_by("-occurred_at")
                .first()
            )
            if contact is not None and self._after(contact) <= self.now - timedelta(minutes=5):
                return self._lookup(enrollment, plan, self._after(contact), by=contact.recorded_by)
        return None

    def _lookup(
        self, enrollment: Enrollment, plan: LookupPlan, at: datetime, by: User | None = None
    ) -> DirectoryLookup:
        """Shared by `by`, or by the enrolment's current primary supporter."""
        self.used.add(enrollment.participant_id)
        if by is None:
            assignment = enrollment.assignments.filter(ended_at=None, is_primary=True).select_related("supporter")
            by = assignment[0].supporter.user
        return DirectoryLookup(
            participant=enrollment.participant,
            enrollment=enrollment,
            service=self.result.services[plan.service],
            shared_by=by,
            shared_at=at,
            shared_on=at.astimezone(ZoneInfo(enrollment.participant.zone)).date(),
            note=plan.note,
        )
