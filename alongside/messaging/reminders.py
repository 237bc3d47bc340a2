"""Automatic reminders: group sessions, scheduled calls, promised follow-ups, referral appointments and the
weekly self-monitoring check-in.

`generate_reminders()` is set-based: for each kind, one query finds everything due (with the participant,
program and names it needs), the texts are rendered from templates loaded once per kind, and the drafts go
to the outbox in bulk. Every reminder has an idempotency key naming what it is about
(`session:<session>:<participant>:24h`), so running twice, late, or on two workers at once adds nothing:
the outbox's unique key keeps the first. Consent, opt-out, quiet hours and the daily cap are the outbox's
(messaging.outbox), so they apply the same way to every message.

Channel: the Participant model has no channel preference, so it is derived: a text when the person has a
phone and agreed to texts, else an email when they have an address and agreed to be contacted, else none.
Only enrolments in support (enrolled or active) get reminders; a paused enrolment means "do not contact".
The sets are bounded by time windows (sessions and calls within the largest lead time, referrals within
60 hours, follow-ups promised around today); check-ins, which could be a whole program, leave out in SQL the
enrolments already queued today.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django_tasks import task

from alongside.accounts.models import User
from alongside.followup.models import AppointmentStatus, CallAppointment, FollowUpState
from alongside.groups.models import Registration, RegistrationStatus, SessionStatus
from alongside.linkage.models import OPEN_REFERRAL_STATUSES, Referral
from alongside.messaging import outbox
from alongside.messaging.models import Channel, MessagingSettings, OutboundMessage, Purpose
from alongside.messaging.templates import TemplateBook, format_date, format_time
from alongside.people.access import can_manage
from alongside.people.models import Participant, Supporter
from alongside.programs.models import Enrollment, EnrollmentStatus, Program

logger = logging.getLogger(__name__)

IN_SUPPORT = (EnrollmentStatus.ENROLLED, EnrollmentStatus.ACTIVE)
DEFAULT_SESSION_HOURS = MessagingSettings._meta.get_field("session_reminder_hours").get_default()
DEFAULT_CALL_HOURS = MessagingSettings._meta.get_field("call_reminder_hours").get_default()


def channel_for(participant: Participant) -> str | None:
    """The channel a reminder goes by (see the module docstring), or None when there is no way to send one."""
    if participant.phone and participant.consent_texts:
        return Channel.SMS
    if participant.email and participant.consent_contact:
        return Channel.EMAIL
    return None


@dataclass(frozen=True)
class Due:
    """One reminder found due, before rendering."""

    key: str
    participant: Participant
    enrollment: Enrollment
    values: dict[str, str]
    # Keys ending in the lead time ("...:24h"): the part before it, so that changing the program's lead time
    # does not remind again someone already reminded of the same session or call.
    once_per: str = ""


def _participant_values(enrollment: Enrollment) -> dict[str, str]:
    return {"first_name": enrollment.participant.preferred_name, "program": enrollment.program.name}


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def _settings_hours(field: str, default: int) -> tuple[dict[int, int], int]:
    """Each program's hours for `field`, and the largest (the query's horizon)."""
    hours = dict(MessagingSettings.objects.values_list("program_id", field))
    return hours, max([default, *hours.values()])


def _participant_related() -> tuple[str, ...]:
    return ("enrollment__participant__organization", "enrollment__program")


# ---- each kind: one query, then rendering ----


def due_session_reminders(now: datetime) -> Iterator[Due]:
    """Registered people of scheduled sessions (in series not cancelled) starting within their program's
    session_reminder_hours."""
    hours, horizon = _settings_hours("session_reminder_hours", DEFAULT_SESSION_HOURS)
    # One row per (registration, session due): the join through series.sessions, with the session's id and
    # start as annotations.
    rows = (
        Registration.objects.filter(
            status=RegistrationStatus.REGISTERED,
            enrollment__status__in=IN_SUPPORT,
            series__is_cancelled=False,
            series__sessions__status=SessionStatus.SCHEDULED,
            series__sessions__starts_at__gt=now,
            series__sessions__starts_at__lte=now + timedelta(hours=horizon),
        )
        .annotate(session_id=F("series__sessions__id"), session_starts_at=F("series__sessions__starts_at"))
        .select_related(*_participant_related(), "series")
        .order_by("session_starts_at", "pk")
    )
    for registration in rows:
        starts_at: datetime = registration.session_starts_at
        lead = hours.get(registration.series.program_id, DEFAULT_SESSION_HOURS)
        if starts_at - timedelta(hours=lead) > now:
            continue
        enrollment = registration.enrollment
        language = enrollment.participant.preferred_language
        local = _local(starts_at, registration.series.timezone)
        session_id: int = registration.session_id
        yield Due(
            f"session:{session_id}:{registration.participant_id}:{lead}h",
            enrollment.participant,
            enrollment,
            {
                **_participant_values(enrollment),
                "series": registration.series.title,
                "session_date": format_date(local.date(), language),
                "session_time": format_time(local, language),
                "venue": registration.series.venue or registration.series.online_url,
            },
            once_per=f"session:{session_id}:{registration.participant_id}:",
        )


def due_call_reminders(now: datetime) -> Iterator[Due]:
    """Scheduled calls starting within their program's call_reminder_hours."""
    hours, horizon = _settings_hours("call_reminder_hours", DEFAULT_CALL_HOURS)
    appointments = CallAppointment.objects.filter(
        status=AppointmentStatus.SCHEDULED,
        enrollment__status__in=IN_SUPPORT,
        scheduled_for__gt=now,
        scheduled_for__lte=now + timedelta(hours=horizon),
    ).select_related(*_participant_related(), "supporter__user")
    for appointment in appointments:
        enrollment = appointment.enrollment
        lead = hours.get(enrollment.program_id, DEFAULT_CALL_HOURS)
        if appointment.scheduled_for - timedelta(hours=lead) > now:
            continue
        participant = enrollment.participant
        local = _local(appointment.scheduled_for, participant.zone)
        yield Due(
            f"call:{appointment.pk}:{lead}h",
            participant,
            enrollment,
            {
                **_participant_values(enrollment),
                "supporter_first_name": _supporter_first_name(appointment.supporter),
                "call_date": format_date(local.date(), participant.preferred_language),
                "call_time": format_time(local, participant.preferred_language),
            },
            once_per=f"call:{appointment.pk}:",
        )


def due_follow_up_reminders(now: datetime) -> Iterator[Due]:
    """Enrolments whose supporter promised to be in touch today (the participant's today)."""
    utc_today = now.astimezone(ZoneInfo("UTC")).date()
    states = FollowUpState.objects.filter(
        promised_on__range=(utc_today - timedelta(days=1), utc_today + timedelta(days=1)),
        enrollment__status__in=IN_SUPPORT,
    ).select_related(*_participant_related(), "supporter__user")
    for state in states:
        enrollment = state.enrollment
        participant = enrollment.participant
        if state.promised_on != _local(now, participant.zone).date():
            continue
        yield Due(
            f"followup:{enrollment.pk}:{state.promised_on.isoformat()}",
            participant,
            enrollment,
            {
                **_participant_values(enrollment),
                "supporter_first_name": _supporter_first_name(state.supporter),
            },
        )


def due_referral_reminders(now: datetime) -> Iterator[Due]:
    """Open referrals with an appointment tomorrow (the participant's tomorrow)."""
    referrals = Referral.objects.filter(
        status__in=OPEN_REFERRAL_STATUSES,
        enrollment__status__in=IN_SUPPORT,
        appointment_at__gt=now,
        appointment_at__lte=now + timedelta(hours=60),  # tomorrow ends at most ~50 h from now in any zone
    ).select_related(*_participant_related(), "service", "to_professional")
    for referral in referrals:
        assert referral.appointment_at is not None  # filtered above
        enrollment = referral.enrollment
        participant = enrollment.participant
        local = _local(referral.appointment_at, participant.zone)
        if local.date() != _local(now, participant.zone).date() + timedelta(days=1):
            continue
        language = participant.preferred_language
        yield Due(
            f"referral:{referral.pk}:{referral.appointment_at.isoformat()}",
            participant,
            enrollment,
            {
                **_participant_values(enrollment),
                "referral_to": referral.receiver,
                "appointment_date": format_date(local.date(), language),
                "appointment_time": format_time(local, language),
            },
        )


def due_check_ins(now: datetime) -> Iterator[Due]:
    """Enrolments in programs with a check-in weekday, on that weekday of the participant's calendar."""
    weekdays = dict(
        MessagingSettings.objects.filter(check_in_weekday__isnull=False).values_list("program_id", "check_in_weekday")
    )
    if not weekdays:
        return
    # The participant's today is one of three calendar days around UTC's; enrolments with a check-in already
    # queued for any of them are left out in SQL, so a check-in day's later runs do not reread everyone.
    utc_today = now.astimezone(ZoneInfo("UTC")).date()
    queued = Q()
    for day in (utc_today - timedelta(days=1), utc_today, utc_today + timedelta(days=1)):
        queued |= Q(
            idempotency_key=Concat(
                Value("checkin:"),
                Cast(OuterRef("pk"), CharField()),
                Value(f":{day.isoformat()}"),
                output_field=CharField(),
            )
        )
    enrollments = (
        Enrollment.objects.filter(program_id__in=weekdays, status__in=IN_SUPPORT)
        .exclude(Exists(OutboundMessage.objects.filter(queued)))
        .select_related("participant__organization", "program")
    )
    for enrollment in enrollments:
        participant = enrollment.participant
        local_today: date = _local(now, participant.zone).date()
        if local_today.weekday() != weekdays[enrollment.program_id]:
            continue
        key = f"checkin:{enrollment.pk}:{local_today.isoformat()}"
        yield Due(key, participant, enrollment, _participant_values(enrollment))


def _supporter_first_name(supporter: Supporter | None) -> str:
    if supporter is None:
        return ""
    return supporter.user.first_name or supporter.user.display_name.split(" ")[0]


KINDS = (
    (Purpose.SESSION_REMINDER, due_session_reminders),
    (Purpose.CALL_REMINDER, due_call_reminders),
    (Purpose.FOLLOW_UP_REMINDER, due_follow_up_reminders),
    (Purpose.REFERRAL_REMINDER, due_referral_reminders),
    (Purpose.CHECK_IN, due_check_ins),
)


# A session or call reminder is queued at most 168 hours (the largest lead time) before it, so one queued
# earlier than twice that is about something already over.
LOOK_BACK = timedelta(hours=2 * 168)


def not_yet_reminded(purpose: str, due: list[Due], now: datetime) -> list[Due]:
    """Drops the reminders whose session or call was already reminded under another lead time (one query)."""
    prefixed = [d for d in due if d.once_per]
    if not prefixed:
        return due
    since = min(now, timezone.now()) - LOOK_BACK
    done: set[str] = set()
    participant_ids = sorted({d.participant.pk for d in prefixed})
    for start in range(0, len(participant_ids), 5000):
        keys = OutboundMessage.objects.filter(
            purpose=purpose, participant_id__in=participant_ids[start : start + 5000], created_at__gte=since
        ).values_list("idempotency_key", flat=True)
        done.update(key.rsplit(":", 1)[0] + ":" for key in keys)
    return [d for d in due if not d.once_per or d.once_per not in done]


def drafts_for(purpose: str, due: Iterable[Due], now: datetime) -> list[outbox.MessageDraft]:
    """Renders each due reminder in the participant's language, by their channel (none: no draft)."""
    rows = [(d, channel_for(d.participant)) for d in not_yet_reminded(purpose, list(due), now)]
    rows = [(d, c) for d, c in rows if c is not None]
    if not rows:
        return []
    book = TemplateBook(purpose, {d.participant.organization_id for d, _ in rows})
    drafts = []
    for d, channel in rows:
        assert channel is not None
        chosen = book.choose(
            d.participant.organization_id, d.enrollment.program_id, d.participant.preferred_language, channel
        )
        subject, body = chosen.render(d.values)
        drafts.append(
            outbox.MessageDraft(
                participant_id=d.participant.pk,
                enrollment_id=d.enrollment.pk,
                channel=channel,
                purpose=purpose,
                body=body,
                subject=subject,
                idempotency_key=d.key,
                send_after=now,
                template_id=chosen.template_id,
                functions=chosen.functions,
            )
        )
    return drafts


def generate_reminders(now: datetime | None = None) -> dict[str, int]:
    """Queues every reminder due at `now`; returns the messages added per purpose (0 when all were already
    queued). Safe to run twice or concurrently."""
    now = now or timezone.now()
    added: dict[str, int] = {}
    for purpose, find in KINDS:
        try:
            with transaction.atomic():  # a savepoint: a failed kind leaves the connection usable for the next
                drafts = drafts_for(purpose, find(now), now)
                added[purpose.value] = outbox.queue_many(drafts) if drafts else 0
        except (ValidationError, DatabaseError):
            # One kind failing (bad data, a lost connection) must not hold up the others; the next run retries,
            # and the idempotency keys make the retry safe.
            logger.exception("Reminders: %s could not be generated at %s", purpose.value, now.isoformat())
            added[purpose.value] = 0
    return added


@task()
def generate_reminders_task() -> dict[str, int]:
    """The periodic job (alongside/scheduling/jobs.py)."""
    return generate_reminders()


# ---- a program's reminder settings ----

SETTING_LIMITS: dict[str, tuple[int, int]] = {
    "session_reminder_hours": (1, 168),
    "call_reminder_hours": (1, 72),
    "daily_cap": (1, 20),
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def settings_for(program: Program) -> MessagingSettings:
    """The program's settings, or unsaved defaults when it has none."""
    return MessagingSettings.objects.filter(program=program).first() or MessagingSettings(program=program)


@transaction.atomic
def save_reminder_settings(by: User, program: Program, data: Mapping[str, Any]) -> MessagingSettings:
    """Sets when reminders go (hours before a session or call), the daily cap and the check-in weekday (None:
    no weekly check-in). Raises ValidationError {field: [messages]} and saves nothing when any is wrong."""
    if not can_manage(by) or (not by.is_superuser and by.organization_id != program.organization_id):
        raise ValidationError({"__all__": ["Only administrators and coordinators may change reminder settings."]})
    errors: dict[str, list[str]] = {}
    values: dict[str, int | None] = {}
    for field, (low, high) in SETTING_LIMITS.items():
        raw = data.get(field)
        try:
            number = int(str(raw).strip())
        except (TypeError, ValueError):
            errors[field] = [f"Enter a whole number from {low} to {high}."]
            continue
        if not low <= number <= high:
            errors[field] = [f"Enter a whole number from {low} to {high}."]
        values[field] = number
    weekday = str(data.get("check_in_weekday") if data.get("check_in_weekday") is not None else "").strip()
    values["check_in_weekday"] = None
    if weekday:
        if weekday in {str(day) for day in range(7)}:
            values["check_in_weekday"] = int(weekday)
        else:
            errors["check_in_weekday"] = ["Choose a day of the week, or none."]
    if errors:
        raise ValidationError(errors)
    row, _ = MessagingSettings.objects.update_or_create(program=program, defaults=values)
    return row
