"""Named users per role and the records around them, shared by every app's tests.

ada       admin of Riverside
cora      coordinator of Riverside
sam       supervisor of Riverside
priya     professional (clinician), clinical lead of the telephone program
eve       evaluator of Riverside
sofia     supporter, assigned to Paul in the telephone program
sid       supporter, assigned to Rita in the coaching program
paul      participant with a login (consents to contact and texts)
rita      participant without a login
otto      coordinator of another organization (Hillcrest), the outsider
hana      participant of Hillcrest
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.people.models import Participant, Supporter, SupporterKind
from alongside.programs.models import Assignment, Enrollment, EnrollmentStatus, EnrollmentTransition, Program
from alongside.programs.services import save_program
from alongside.taxonomy import FUNCTION_FIELDS, Outcome, default_activities

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, role: str, organization: Organization | None, **extra: Any) -> User:
    first, _, last = username.partition("_")
    user = User(username=username, role=role, organization=organization, first_name=first.title(), last_name=last)
    for key, value in extra.items():
        setattr(user, key, value)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_program(by: User, organization: Organization, name: str, models: list[int], **data: Any) -> Program:
    fields = {
        "name": name,
        "models": models,
        "conditions": ["type2_diabetes"],
        "languages": ["en", "es"],
        "activities": default_activities(models),
        **data,
    }
    return save_program(by, organization, fields)


def make_supporter(username: str, organization: Organization, **data: Any) -> Supporter:
    user = make_user(username, Role.SUPPORTER, organization)
    defaults = {"kind": SupporterKind.PEER_COACH, "languages": ["en"], "max_caseload": 10, "training_hours": 20}
    return Supporter.objects.create(organization=organization, user=user, **{**defaults, **data})


def make_participant(organization: Organization, name: str, **data: Any) -> Participant:
    defaults = {"preferred_language": "en", "conditions": ["type2_diabetes"], "consent_contact": True}
    return Participant.objects.create(organization=organization, preferred_name=name, **{**defaults, **data})


def make_enrollment(
    by: User,
    participant: Participant,
    program: Program,
    supporters: list[Supporter] = (),  # type: ignore[assignment]
    status: str = EnrollmentStatus.ACTIVE,
    enrolled_on: date | None = None,
) -> Enrollment:
    """Writes directly (not through services) so tests can build any state, including past ones."""
    now = timezone.now()
    enrollment = Enrollment.objects.create(
        participant=participant,
        program=program,
        status=status,
        status_changed_at=now,
        enrolled_on=enrolled_on or (timezone.localdate() - timedelta(days=120)),
        created_by=by,
    )
    EnrollmentTransition.objects.create(enrollment=enrollment, to_status=status, changed_by=by, changed_at=now)
    for i, supporter in enumerate(supporters):
        Assignment.objects.create(
            enrollment=enrollment, supporter=supporter, is_primary=i == 0, assigned_at=now, assigned_by=by
        )
    return enrollment


def make_contact(
    enrollment: Enrollment,
    by: User,
    *,
    days_ago: float = 1,
    functions: tuple[str, ...] = ("social_emotional",),
    outcome: str = Outcome.REACHED,
    **data: Any,
) -> Contact:
    supporter = Supporter.objects.filter(user=by).first()
    occurred_at: datetime = timezone.now() - timedelta(days=days_ago)
    flags = {FUNCTION_FIELDS[f]: True for f in functions} if outcome == Outcome.REACHED else {}
    return Contact.objects.create(
        participant_id=enrollment.participant_id,
        enrollment=enrollment,
        supporter=supporter,
        recorded_by=by,
        occurred_at=occurred_at,
        outcome=outcome,
        duration_minutes=data.pop("duration_minutes", 10),
        **flags,
        **data,
    )


@dataclass
class World:
    org: Organization
    other_org: Organization
    ada: User
    cora: User
    sam: User
    priya: User
    eve: User
    otto: User
    sofia: Supporter
    sid: Supporter
    paul: Participant
    rita: Participant
    hana: Participant
    paul_user: User
    telephone: Program
    coaching: Program
    paul_enrollment: Enrollment
    rita_enrollment: Enrollment

    def users_by_role(self) -> dict[str, User]:
        return {
            "admin": self.ada,
            "coordinator": self.cora,
            "supervisor": self.sam,
            "professional": self.priya,
            "evaluator": self.eve,
            "supporter": self.sofia.user,
            "participant": self.paul_user,
            "outsider": self.otto,
        }


def build_world() -> World:
    org = Organization.objects.create(name="Riverside Community Health", slug="riverside")
    other_org = Organization.objects.create(name="Hillcrest Clinic", slug="hillcrest")
    ada = make_user("ada_admin", Role.ADMIN, org)
    cora = make_user("cora_coordinator", Role.COORDINATOR, org)
    sam = make_user("sam_supervisor", Role.SUPERVISOR, org)
    priya = make_user("priya_professional", Role.PROFESSIONAL, org)
    eve = make_user("eve_evaluator", Role.EVALUATOR, org)
    otto = make_user("otto_outsider", Role.COORDINATOR, other_org)
    sofia = make_supporter("sofia_supporter", org, supervisor=sam, languages=["en", "es"])
    sid = make_supporter("sid_supporter", org, supervisor=sam)
    paul_user = make_user("paul_participant", Role.PARTICIPANT, org)
    paul = make_participant(org, "Paul", family_name="Okafor", user=paul_user, phone="+12025550143", consent_texts=True)
    rita = make_participant(org, "Rita", family_name="Gomez", preferred_language="es")
    hana = make_participant(other_org, "Hana", family_name="Sato")
    telephone = make_program(cora, org, "Telephone Peer Support", [6])
    telephone.clinical_leads.add(priya)
    coaching = make_program(cora, org, "Peer Coaches", [3])
    paul_enrollment = make_enrollment(cora, paul, telephone, [sofia])
    rita_enrollment = make_enrollment(cora, rita, coaching, [sid])
    return World(
        org=org,
        other_org=other_org,
        ada=ada,
        cora=cora,
        sam=sam,
        priya=priya,
        eve=eve,
        otto=otto,
        sofia=sofia,
        sid=sid,
        paul=paul,
        rita=rita,
        hana=hana,
        paul_user=paul_user,
        telephone=telephone,
        coaching=coaching,
        paul_enrollment=paul_enrollment,
        rita_enrollment=rita_enrollment,
    )
