"""Texts received on the webhook: stored once, matched to a participant, and acted on.

    STOP words     texts consent withdrawn (people.services.record_consent), one confirmation reply
    START words    texts consent given again, a confirmation
    HELP words     a reply with the organization's name and how to stop
    anything else  a participant-initiated text-message contact on their timeline, the assigned supporter's
                   inbox, and an emergency concern at once when it holds a red-flag word (messaging.redflags)
    unknown number the coordinators' queue (assign_to_participant or dismiss)

The webhook has no logged-in user, but consent records, contacts and concerns name who recorded them. The
actor is, in order: the participant's own login (they texted), the assigned supporter, a coordinator or
admin of the organization (see actor_for).
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import MANAGING_ROLES, Organization, Role, User
from alongside.contacts.models import Contact
from alongside.followup import engine as follow_up
from alongside.messaging.models import Channel, InboundMessage, Purpose
from alongside.messaging.redflags import describe, find_red_flags
from alongside.people.models import ConsentKind, ConsentMethod, Participant, Supporter
from alongside.people.phones import normalize_phone
from alongside.people.services import ConsentChange, record_consent
from alongside.programs.models import CASELOAD_STATUSES, Enrollment, EnrollmentStatus
from alongside.safety.services import raise_concern
from alongside.taxonomy import ConcernTier, Initiation, Modality, Outcome

logger = logging.getLogger("alongside.messaging")

STOP, START, HELP = "stop", "start", "help"
# Carriers' standard words (CTIA), whole message, case-insensitive; Spanish as carriers accept them.
KEYWORDS: dict[str, str] = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "PARAR", "ALTO", "BAJA"), STOP),
    **dict.fromkeys(("START", "UNSTOP", "YES", "SI", "SÍ", "COMENZAR", "INICIAR"), START),
    **dict.fromkeys(("HELP", "INFO", "AYUDA"), HELP),
}
# Also everyday answers ("Will you come on Tuesday?" "Yes"): they mean START only from someone who opted out.
ANSWER_WORDS = ("YES", "SI", "SÍ")
STOP_NOTE = "Texted STOP"
START_NOTE = "Texted START"
CONTACT_STATUSES = (*CASELOAD_STATUSES, EnrollmentStatus.REFERRED, EnrollmentStatus.LOST_TO_FOLLOW_UP)


@dataclass(frozen=True)
class InboundText:
    from_address: str
    to_address: str
    body: str
    provider_message_id: str
    received_at: datetime


def keyword_of(body: str) -> str:
    """stop, start or help when the whole message is one of the keywords (punctuation around it ignored)."""
    return KEYWORDS.get(_word(body), "")


def _word(body: str) -> str:
    return re.sub(r"[^\wÍí]", "", body.strip()).upper()


def _organization_for_number(to_address: str) -> Organization | None:
    """The organization that owns our receiving number, from settings.MESSAGING_NUMBERS (E.164 -> org slug)."""
    numbers: dict[str, str] = getattr(settings, "MESSAGING_NUMBERS", {}) or {}
    slug = numbers.get(to_address)
    return Organization.objects.filter(slug=slug).first() if slug else None


def match_participant(from_address: str, to_address: str) -> tuple[Participant | None, Organization | None]:
    """The participant with this number (phones are unique within an organization). When several
    organizations have it, the receiving number's organization decides; if that is unknown, nobody matches."""
    to_org = _organization_for_number(to_address)
    candidates = list(Participant.objects.filter(phone=from_address).select_related("organization")[:10])
    if to_org is not None:
        candidates = [p for p in candidates if p.organization_id == to_org.pk]
    if len(candidates) == 1:
        return candidates[0], candidates[0].organization
    if to_org is not None:
        return None, to_org
    orgs = {p.organization_id for p in candidates}
    if len(orgs) == 1:  # two records of one organization share the number: its coordinators sort it out
        return None, candidates[0].organization
    if not candidates and Organization.objects.count() == 1:
        return None, Organization.objects.first()
    return None, None


def _enrollment_with_assignment(participant: Participant) -> Enrollment | None:
    enrollments = Enrollment.objects.filter(participant=participant, status__in=CONTACT_STATUSES).select_related(
        "program"
    )
    assigned = enrollments.filter(assignments__ended_at__isnull=True).order_by("-enrolled_on", "-id").first()
    return assigned or enrollments.order_by("-enrolled_on", "-id").first()


def assigned_supporter(enrollment: Enrollment | None) -> Supporter | None:
    if enrollment is None:
        return None
    assignment = (
        enrollment.assignments.filter(ended_at__isnull=True)
        .select_related("supporter__user", "supporter__supervisor")
        .order_by("-is_primary", "assigned_at", "id")
        .first()
    )
    return assignment.supporter if assignment else None


def actor_for(participant: Participant, supporter: Supporter | None) -> User:
    """Who the records made from a participant's text name: see the module docstring."""
    if participant.user_id is not None and participant.user is not None and participant.user.is_active:
        return participant.user
    if supporter is not None:
        return supporter.user
    staff = (
        User.objects.filter(organization=participant.organization_id, is_active=True, role__in=MANAGING_ROLES)
        .order_by("role", "id")
        .first()
    )
    if staff is None:
        raise ValidationError({"participant": ["The organization has no active coordinator or admin."]})
    return staff


def _store(text: InboundText) -> tuple[InboundMessage, bool]:
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                channel=Channel.SMS,
                from_address=text.from_address,
                to_address=text.to_address,
                body=text.body,
                provider_message_id=text.provider_message_id,
                received_at=text.received_at,
            )
    except IntegrityError:  # the provider retried a webhook we already took
        return InboundMessage.objects.get(provider_message_id=text.provider_message_id), False
    return message, True


@transaction.atomic
def receive_text(text: InboundText) -> tuple[InboundMessage, bool]:
    """Stores and handles one inbound text. Returns (message, created); the same provider id twice is
    stored and handled once."""
    try:
        sender = normalize_phone(text.from_address)
    except ValidationError:
        sender = text.from_address.strip()
    text = InboundText(sender, text.to_address.strip(), text.body, text.provider_message_id, text.received_at)
    message, created = _store(text)
    if not created:
        return message, False
    participant, organization = match_participant(sender, text.to_address)
    message.organization = organization
    message.keyword = keyword_of(text.body)
    message.save(update_fields=["organization", "keyword"])
    if participant is not None and _attach_or_queue(message, participant):
        return message, True
    if flags := find_red_flags(text.body):
        # Nobody to raise a concern for yet: the queue shows it first, assigning it raises the concern, and
        # the organization's supervisors are emailed now so it does not wait for someone to open the queue.
        message.red_flag = describe(flags)
        message.save(update_fields=["red_flag"])
        if organization is not None:
            supervisors = User.objects.filter(organization=organization, role=Role.SUPERVISOR, is_active=True)
            _notify(
                [u.email for u in supervisors.exclude(email="")],
                "Alongside: red-flag words in a text from an unknown number",
                "A text from a number that matches no participant contains red-flag words. Please open the "
                "queue of texts from unknown numbers in Alongside now and assign it: ",
                reverse("messaging:unknown"),
                message,
            )
    return message, True


def _attach_or_queue(message: InboundMessage, participant: Participant) -> bool:
    """Attaches the text to the participant; False when that failed and it is left for the queue."""
    try:
        with transaction.atomic():
            attach(message, participant)
    except ValidationError:
        # Never lose a text: if it cannot be handled as the participant's (e.g. nobody to record it as),
        # it waits in the coordinators' queue like an unknown number's.
        logger.exception("Inbound message %s could not be attached to participant %s", message.pk, participant.pk)
        message.refresh_from_db()
        return False
    return True


def attach(message: InboundMessage, participant: Participant, by: User | None = None) -> InboundMessage:
    """Handles the message as the participant's: keyword, or contact + inbox + red flags.
    `by` is the coordinator assigning an unknown number's text, None on the webhook."""
    enrollment = _enrollment_with_assignment(participant)
    supporter = assigned_supporter(enrollment)
    actor = by or actor_for(participant, supporter)
    message.participant = participant
    message.organization_id = participant.organization_id
    if message.keyword == START and participant.consent_texts and _word(message.body) in ANSWER_WORDS:
        message.keyword = ""  # a "yes" to the supporter, not a carrier keyword
    if message.keyword:
        _handle_keyword(message, participant, enrollment, actor)
        # Keyword texts are the carrier's business, not a conversation: nothing waits in an inbox.
        message.handled_at = timezone.now()
        message.save(update_fields=["participant", "organization", "keyword", "handled_at"])
        return message
    contact = None
    if enrollment is not None:
        contact = Contact.objects.create(
            participant=participant,
            enrollment=enrollment,
            supporter=supporter,
            recorded_by=supporter.user if supporter else actor,
            occurred_at=message.received_at,
            modality=Modality.TEXT_MESSAGE,
            initiated_by=Initiation.PARTICIPANT,
            outcome=Outcome.REACHED,
            # No key function is claimed for a text *received*: the supporter's reply (a direct message,
            # messaging.deliveries) or the call that follows is what delivers one.
            topics="Text message received",
            note=message.body[:2000],
        )
    message.contact = contact
    flags = find_red_flags(message.body)
    if flags:
        message.red_flag = describe(flags)
        message.concern = raise_concern(
            actor,
            participant,
            tier=ConcernTier.EMERGENCY,
            reason=(
                f"Red-flag words in a text from {participant.full_name} ({message.red_flag}): "
                f"“{message.body.strip()[:300]}”"
            ),
            program=enrollment.program if enrollment else None,
            contact_id=contact.pk if contact else None,
        )
        _email_supervisor(supporter, participant, message)
    message.save()
    if enrollment is not None:
        follow_up.refresh([enrollment.pk])
    return message


def _email_supervisor(supporter: Supporter | None, participant: Participant, message: InboundMessage) -> None:
    """Emails the supporter's supervisor about the emergency concern."""
    supervisor = supporter.supervisor if supporter else None
    if supervisor is None or not supervisor.email:
        return
    _notify(
        [supervisor.email],
        "Alongside: emergency concern from a participant's text",
        f"A text from {participant.preferred_name} (participant {participant.pk}) contains red-flag words and "
        "raised an emergency concern. Please open Alongside now: ",
        reverse("safety:concerns"),
        message,
    )


def _notify(recipients: list[str], subject: str, text: str, path: str, message: InboundMessage) -> None:
    """Django mail, after commit: staff are not outbox recipients (the outbox only writes to participants).
    The email carries no health details, only a link."""
    if not recipients:
        return
    base = str(settings.ALONGSIDE_BASE_URL).rstrip("/")

    def send() -> None:
        try:
            send_mail(subject=subject, message=f"{text}{base}{path}", from_email=None, recipient_list=recipients)
        except Exception:  # the concern or the queue shows it already; mail is an extra
            logger.exception("Could not email %d staff about inbound message %s", len(recipients), message.pk)

    transaction.on_commit(send)


def _handle_keyword(message: InboundMessage, participant: Participant, enrollment: Enrollment | None, by: User) -> None:
    org_name = participant.organization.name
    spanish = participant.preferred_language == "es"
    if message.keyword == STOP:
        record_consent(
            by, participant, ConsentChange(ConsentKind.TEXTS, False, method=ConsentMethod.ELECTRONIC, note=STOP_NOTE)
        )
        body = (
            f"{org_name}: no recibirá más mensajes de texto. Responda START para volver a recibirlos."
            if spanish
            else f"{org_name}: you will get no more texts from us. Reply START to receive them again."
        )
    elif message.keyword == START:
        record_consent(
            by, participant, ConsentChange(ConsentKind.TEXTS, True, method=ConsentMethod.ELECTRONIC, note=START_NOTE)
        )
        body = (
            f"{org_name}: volverá a recibir mensajes de texto. Responda STOP para dejar de recibirlos."
            if spanish
            else f"{org_name}: you will receive texts from us again. Reply STOP to stop."
        )
    else:
        body = (
            f"{org_name}: mensajes de su programa de apoyo entre pares. Responda STOP para no recibir más. "
            "En una emergencia, llame al 911."
            if spanish
            else f"{org_name}: texts from your peer support program. Reply STOP to stop them. "
            "In an emergency, call 911."
        )
    participant.refresh_from_db()
    _queue_reply(message, participant, enrollment, body)


def _queue_reply(message: InboundMessage, participant: Participant, enrollment: Enrollment | None, body: str) -> None:
    from alongside.messaging.outbox import MessageDraft, queue_message

    queue_message(
        MessageDraft(
            participant_id=participant.pk,
            enrollment_id=enrollment.pk if enrollment else None,
            channel=Channel.SMS,
            purpose=Purpose.KEYWORD_REPLY,
            body=body,
            # One reply per inbound text, however often the webhook is retried.
            idempotency_key=f"keyword-reply:{message.provider_message_id}",
        )
    )


# The coordinators' queue of unknown numbers.


def unknown_queue(user: User) -> Q:
    """Filter for the unknown-number texts a coordinator sees: their organization's, unhandled."""
    return Q(participant__isnull=True, handled_at__isnull=True, organization=user.organization_id)


@transaction.atomic
def assign_to_participant(by: User, message: InboundMessage, participant: Participant) -> InboundMessage:
    """Precondition: `by` may see the participant and the message. The text becomes the participant's
    (contact, inbox, red flags) as if it had matched on arrival."""
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.participant_id is not None or message.handled_at is not None:
        raise ValidationError({"message": ["This text has already been assigned or dismissed."]})
    if participant.organization_id != by.organization_id and not by.is_superuser:
        raise ValidationError({"participant": ["Choose a participant of your organization."]})
    message.keyword = ""  # a stranger's STOP is not this participant's consent; the coordinator decides that
    return attach(message, participant, by=by)


@transaction.atomic
def dismiss(by: User, message: InboundMessage) -> InboundMessage:
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.handled_at is not None:
        raise ValidationError({"message": ["This text has already been handled."]})
    message.handled_by = by
    message.handled_at = timezone.now()
    message.save(update_fields=["handled_by", "handled_at"])
    return message


def mark_read(by: User, message: InboundMessage) -> InboundMessage:
    if message.handled_at is None:
        message.handled_by = by
        message.handled_at = timezone.now()
        message.save(update_fields=["handled_by", "handled_at"])
    return message


def new_key() -> str:
    return uuid.uuid4().hex
