"""The outbox: the only way a message leaves.

`queue_message` / `queue_many` write rows (one idempotency key per message, so the same reminder is never
queued twice), suppressing what must not be sent (no consent, no address, over the participant's daily cap)
and moving what would land in the program's quiet hours to their end, in the participant's time zone.

`dispatch_due` claims due rows with a lease (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so workers never
wait on each other; SQLite has a single writer), sends each outside the claiming transaction with its key,
and records the outcome only if its claim token still matches: a worker whose lease ran out (and whose
message another worker took) records nothing. Failed sends are retried with exponential backoff up to
MESSAGING_MAX_ATTEMPTS. Keyword replies (STOP / START / HELP confirmations) skip consent, quiet hours and the
cap: carriers require them.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Count, F, Field, Q
from django.utils import timezone

from alongside.followup.models import FollowUpRules
from alongside.followup.services import in_quiet_hours
from alongside.messaging.models import (
    Channel,
    DeliveryEvent,
    MessageStatus,
    MessageTemplate,
    MessagingSettings,
    OutboundMessage,
    Purpose,
)
from alongside.messaging.providers import Outgoing, Provider, ProviderError, provider_for, provider_name_for
from alongside.people.models import Participant
from alongside.programs.models import Enrollment
from alongside.taxonomy import FUNCTION_FIELDS

logger = logging.getLogger(__name__)

DEFAULT_DAILY_CAP: int = MessagingSettings._meta.get_field("daily_cap").get_default()
# Statuses that count towards the daily cap: on their way, or sent.
PENDING = (MessageStatus.QUEUED, MessageStatus.SENDING)
SENT_STATES = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED)
EXEMPT_PURPOSES = (Purpose.KEYWORD_REPLY,)
INSERT_BATCH = 500
DEFAULT_RULES = FollowUpRules()  # unsaved: the quiet hours of a program without rules


@dataclass(frozen=True)
class MessageDraft:
    participant_id: int
    enrollment_id: int | None
    channel: str
    purpose: str
    body: str
    idempotency_key: str
    subject: str = ""
    send_after: datetime | None = None
    template_id: int | None = None
    functions: tuple[str, ...] = ()
    created_by_id: int | None = None


# ---- queueing ----


def _validate(drafts: list[MessageDraft]) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    for draft in drafts:
        if draft.channel not in Channel.values:
            errors["channel"].append(f"Unknown channel {draft.channel!r}.")
        if draft.purpose not in Purpose.values:
            errors["purpose"].append(f"Unknown purpose {draft.purpose!r}.")
        if not draft.body.strip():
            errors["body"].append("A message needs a text.")
        if not draft.idempotency_key or len(draft.idempotency_key) > 200:
            errors["idempotency_key"].append("Give every message a key of 1 to 200 characters.")
        unknown = [f for f in draft.functions if f not in FUNCTION_FIELDS]
        if unknown:
            errors["functions"].append(f"Unknown functions: {', '.join(unknown)}.")
        if draft.send_after is not None and timezone.is_naive(draft.send_after):
            errors["send_after"].append("send_after must be timezone-aware.")
        if len(draft.subject) > 200:
            errors["subject"].append("A subject is at most 200 characters.")
    if errors:
        raise ValidationError({field: sorted(set(messages))[:5] for field, messages in errors.items()})


def normalize_phone(raw: str) -> str | None:
    """The number in E.164, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def end_of_quiet_hours(rules: FollowUpRules, moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` itself when it is outside the quiet hours in `zone`, else the instant they end there."""
    local = moment.astimezone(zone)
    if not in_quiet_hours(rules, local.time().replace(tzinfo=None)):
        return moment
    day = local.date()
    if local.time().replace(tzinfo=None) >= rules.quiet_end:  # the evening part of a window across midnight
        day += timedelta(days=1)
    return datetime.combine(day, rules.quiet_end, tzinfo=zone)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends in `zone` (23 or 25 hours long on DST days)."""
    return (
        datetime.combine(day, time(0), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone),
    )


@dataclass
class _Plan:
    """What is known about the participants and programs of a batch of drafts."""

    participants: dict[int, Participant]
    program_of: dict[int, int]  # enrollment id -> program id
    rules: dict[int, FollowUpRules]
    caps: dict[int, int]
    templates: dict[int, MessageTemplate]

    @classmethod
    def load(cls, drafts: list[MessageDraft]) -> _Plan:
        participant_ids = {d.participant_id for d in drafts}
        participants: dict[int, Participant] = {}
        ids = sorted(participant_ids)
        for start in range(0, len(ids), 5000):
            for p in Participant.objects.select_related("organization").filter(id__in=ids[start : start + 5000]):
                participants[p.id] = p
        missing = participant_ids - participants.keys()
        if missing:
            raise ValidationError({"participant_id": [f"No participant {pk}." for pk in sorted(missing)[:5]]})
        enrollment_ids = sorted({d.enrollment_id for d in drafts if d.enrollment_id is not None})
        program_of: dict[int, int] = {}
        owner: dict[int, int] = {}
        for start in range(0, len(enrollment_ids), 5000):
            chunk = enrollment_ids[start : start + 5000]
            for pk, program_id, participant_id in Enrollment.objects.filter(id__in=chunk).values_list(
                "id", "program_id", "participant_id"
            ):
                program_of[pk] = program_id
                owner[pk] = participant_id
        errors = [
            f"Enrolment {d.enrollment_id} is not participant {d.participant_id}'s."
            for d in drafts
            if d.enrollment_id is not None and owner.get(d.enrollment_id) != d.participant_id
        ]
        if errors:
            raise ValidationError({"enrollment_id": errors[:5]})
        programs = set(program_of.values())
        rules = {r.program_id: r for r in FollowUpRules.objects.filter(program_id__in=programs)}
        caps = dict(MessagingSettings.objects.filter(program_id__in=programs).values_list("program_id", "daily_cap"))
        template_ids = {d.template_id for d in drafts if d.template_id is not None}
        templates = {t.id: t for t in MessageTemplate.objects.filter(id__in=template_ids)}
        return cls(participants, program_of, rules, caps, templates)

    def program(self, draft: MessageDraft) -> int | None:
        return None if draft.enrollment_id is None else self.program_of[draft.enrollment_id]

    def rules_for(self, program_id: int | None) -> FollowUpRules:
        return self.rules.get(program_id or 0) or DEFAULT_RULES

    def cap_for(self, program_id: int | None) -> int:
        return self.caps.get(program_id or 0, DEFAULT_DAILY_CAP)


def _address(draft: MessageDraft, participant: Participant) -> tuple[str, str]:
    """(address, reason not to send): the reason is blank when the message may go."""
    exempt = draft.purpose in EXEMPT_PURPOSES
    if draft.channel == Channel.SMS:
        if not participant.phone:
            return "", "No mobile number on record."
        number = normalize_phone(participant.phone)
        if number is None:
            return participant.phone, f"{participant.phone} is not a valid phone number."
        if not participant.consent_texts and not exempt:
            return number, "No consent to text messages."
        return number, ""
    if not participant.email:
        return "", "No email address on record."
    if not participant.consent_contact and not exempt:
        return participant.email, "No consent to be contacted."
    return participant.email, ""


class _DayCounts:
    """Messages per participant per local day already queued or sent, for the cap at queueing time."""

    def __init__(self, plan: _Plan, drafts: list[MessageDraft], now: datetime) -> None:
        self.counts: dict[tuple[int, date], int] = defaultdict(int)
        ids = sorted({d.participant_id for d in drafts})
        if not ids:
            return
        earliest = min((d.send_after or now) for d in drafts) - timedelta(days=2)
        latest = max((d.send_after or now) for d in drafts) + timedelta(days=2)
        for start in range(0, len(ids), 5000):
            rows = OutboundMessage.objects.filter(participant_id__in=ids[start : start + 5000]).filter(
                Q(status__in=PENDING, send_after__gte=earliest, send_after__lt=latest)
                | Q(status__in=SENT_STATES, sent_on__gte=earliest.date(), sent_on__lte=latest.date())
            )
            for participant_id, status, send_after, sent_on, purpose in rows.values_list(
                "participant_id", "status", "send_after", "sent_on", "purpose"
            ):
                if purpose in EXEMPT_PURPOSES:
                    continue
                zone = ZoneInfo(plan.participants[participant_id].zone)
                day: date = sent_on if status in SENT_STATES and sent_on else send_after.astimezone(zone).date()
                self.counts[(participant_id, day)] += 1


def _build(drafts: list[MessageDraft], plan: _Plan, now: datetime, single: bool) -> list[OutboundMessage]:
    counts = _DayCounts(plan, drafts, now)
    rows = []
    for draft in drafts:
        participant = plan.participants[draft.participant_id]
        zone = ZoneInfo(participant.zone)
        program_id = plan.program(draft)
        address, reason = _address(draft, participant)
        if single and draft.channel == Channel.SMS and address and normalize_phone(address) is None:
            raise ValidationError({"to_address": [reason]})
        send_after = draft.send_after or now
        exempt = draft.purpose in EXEMPT_PURPOSES
        if not reason and not exempt:
            send_after = end_of_quiet_hours(plan.rules_for(program_id), send_after, zone)
            day = send_after.astimezone(zone).date()
            cap = plan.cap_for(program_id)
            if counts.counts[(draft.participant_id, day)] >= cap:
                reason = f"Over the daily cap of {cap} messages on {day.isoformat()}."
            else:
                counts.counts[(draft.participant_id, day)] += 1
        flags = dict.fromkeys(FUNCTION_FIELDS.values(), False)
        template = plan.templates.get(draft.template_id or 0)
        if draft.functions:
            flags.update({FUNCTION_FIELDS[f]: True for f in draft.functions})
        elif template is not None:
            flags = {name: getattr(template, name) for name in flags}
        rows.append(
            OutboundMessage(
                organization_id=participant.organization_id,
                participant_id=draft.participant_id,
                enrollment_id=draft.enrollment_id,
                channel=draft.channel,
                to_address=address[:254],
                subject=draft.subject,
                body=draft.body,
                purpose=draft.purpose,
                template_id=draft.template_id if template is not None else None,
                idempotency_key=draft.idempotency_key,
                status=MessageStatus.SUPPRESSED if reason else MessageStatus.QUEUED,
                status_reason=reason[:300],
                send_after=send_after,
                next_attempt_at=send_after,
                created_by_id=draft.created_by_id,
                created_at=now,
                **flags,
            )
        )
    return rows


def queue_message(draft: MessageDraft) -> OutboundMessage:
    """Queues one message (or records it suppressed, with the reason). A key already queued returns the
    existing row unchanged. Raises ValidationError (nothing written) for bad input or an invalid number."""
    existing = OutboundMessage.objects.filter(idempotency_key=draft.idempotency_key).first()
    if existing is not None:
        return existing
    _validate([draft])
    plan = _Plan.load([draft])
    (row,) = _build([draft], plan, timezone.now(), single=True)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # queued by someone else meanwhile
        return OutboundMessage.objects.get(idempotency_key=draft.idempotency_key)
    return row


def _insert_ignoring_duplicates(rows: list[OutboundMessage]) -> int:
    """INSERT ... ON CONFLICT (idempotency_key) DO NOTHING; returns rows inserted (both engines).
    PostgreSQL gets one array per column (unnest): a short statement whatever the batch size."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: the proxy costs a lookup per value
    fields = [f for f in OutboundMessage._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = OutboundMessage._meta.db_table
    postgres = connection.vendor == "postgresql"
    batch_size = 5000 if postgres else INSERT_BATCH
    added = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            if postgres:
                arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
                params: list[Any] = [[f.get_db_prep_save(getattr(row, f.attname), db) for row in batch] for f in fields]
                values = f"SELECT * FROM unnest({arrays})"
            else:
                values = "VALUES " + ", ".join("(" + ", ".join(["%s"] * len(fields)) + ")" for _ in batch)
                params = [f.get_db_prep_save(getattr(row, f.attname), db) for row in batch for f in fields]
            cursor.execute(f"INSERT INTO {table} ({columns}) {values} ON CONFLICT (idempotency_key) DO NOTHING", params)
            added += cursor.rowcount
    return added


def queue_many(drafts: Iterable[MessageDraft]) -> int:
    """Queues many messages set-based: keys already queued (or repeated in `drafts`) are skipped. Invalid
    input raises ValidationError before anything is written; an invalid number does not stop the batch: that
    message is recorded suppressed with the reason. Returns the rows added."""
    unique: dict[str, MessageDraft] = {}
    for draft in drafts:
        unique.setdefault(draft.idempotency_key, draft)
    wanted = list(unique.values())
    if not wanted:
        return 0
    _validate(wanted)
    keys = list(unique)
    seen: set[str] = set()
    for start in range(0, len(keys), 5000):
        seen.update(
            OutboundMessage.objects.filter(idempotency_key__in=keys[start : start + 5000]).values_list(
                "idempotency_key", flat=True
            )
        )
    fresh = [d for d in wanted if d.idempotency_key not in seen]
    if not fresh:
        return 0
    plan = _Plan.load(fresh)
    rows = _build(fresh, plan, timezone.now(), single=False)
    with transaction.atomic():
        return _insert_ignoring_duplicates(rows)


# ---- dispatch ----


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claimable(now: datetime) -> Q:
    return Q(status=MessageStatus.QUEUED, next_attempt_at__lte=now, send_after__lte=now) | Q(
        status=MessageStatus.SENDING, claimed_until__lt=now
    )


def claim(limit: int, now: datetime | None = None) -> tuple[str, list[int]]:
    """Claims up to `limit` due messages: a fresh claim token and a lease of MESSAGING_LEASE_SECONDS.
    The conditional UPDATE is what makes a claim exclusive (it re-checks the row); SKIP LOCKED only keeps
    PostgreSQL workers from queueing behind each other."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        candidates = OutboundMessage.objects.filter(_claimable(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return token, []
        OutboundMessage.objects.filter(_claimable(now), id__in=ids).update(
            status=MessageStatus.SENDING,
            claim_token=token,
            claimed_until=now + timedelta(seconds=settings.MESSAGING_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    claimed = list(OutboundMessage.objects.filter(claim_token=token).values_list("id", flat=True))
    return token, claimed


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` tries: base, 2 x base, 4 x base ... up to the maximum."""
    seconds = settings.MESSAGING_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.MESSAGING_RETRY_MAX_SECONDS))


OUTCOME_FIELDS = (
    "status",
    "status_reason",
    "provider",
    "provider_message_id",
    "sent_at",
    "sent_on",
    "last_error",
    "next_attempt_at",
)


class _Recorder:
    """Writes outcomes, each only if the claim is still ours (a lost claim writes nothing, with a warning).

    When the provider refuses a repeated key, a resend after a crash is harmless, so outcomes are committed a
    claim at a time (one transaction for the batch). Otherwise (twilio, email, console, file) each outcome is
    committed as soon as the provider answers: the window in which a crash means a second send stays as
    narrow as the database allows."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.pending: list[tuple[OutboundMessage, dict[str, Any]]] = []

    def add(self, message: OutboundMessage, changes: dict[str, Any], event: dict[str, Any], batch: bool) -> None:
        for name, value in changes.items():
            setattr(message, name, value)
        self.pending.append((message, event))
        if not batch:
            self.flush()

    def flush(self) -> int:
        if not self.pending:
            return 0
        fields = [cast("Field[Any, Any]", OutboundMessage._meta.get_field(name)) for name in OUTCOME_FIELDS]
        table = OutboundMessage._meta.db_table
        assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
        sql = f"UPDATE {table} SET {assignments}, claim_token = '', claimed_until = NULL WHERE id = %s"
        now = timezone.now()
        adapt = connection.ops.adapt_datetimefield_value
        with transaction.atomic():
            ids = [m.id for m, _ in self.pending]
            ours = OutboundMessage.objects.filter(id__in=ids, claim_token=self.token)
            if connection.features.has_select_for_update:
                ours = ours.select_for_update()
            still_ours = set(ours.values_list("id", flat=True))
            rows = [
                [*(f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields), m.id]
                for m, _ in self.pending
                if m.id in still_ours
            ]
            if rows:
                with connection.cursor() as cursor:
                    cursor.executemany(sql, rows)
                events = [
                    (m.id, m.status, adapt(now), json.dumps(event)) for m, event in self.pending if m.id in still_ours
                ]
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {DeliveryEvent._meta.db_table} (message_id, status, at, detail) "
                        "VALUES (%s, %s, %s, %s)",
                        events,
                    )
        for message, _ in self.pending:
            if message.id not in still_ours:
                logger.warning("Message %s: the claim ran out before its outcome was recorded.", message.id)
        self.pending = []
        return len(still_ours)


class _SentToday:
    """Messages sent to each participant on their local today, for the cap at send time."""

    def __init__(self, messages: list[OutboundMessage], now: datetime) -> None:
        self.counts: dict[tuple[int, date], int] = defaultdict(int)
        ids = {m.participant_id for m in messages}
        days = {now.astimezone(ZoneInfo(m.participant.zone)).date() for m in messages}
        rows = (
            OutboundMessage.objects.filter(participant_id__in=ids, sent_on__in=days, status__in=SENT_STATES)
            .exclude(purpose__in=EXEMPT_PURPOSES)
            .values("participant_id", "sent_on")
            .annotate(n=Count("id"))
        )
        for row in rows:
            self.counts[(row["participant_id"], row["sent_on"])] = row["n"]


def _caps(messages: list[OutboundMessage]) -> dict[int, int]:
    programs = {m.enrollment.program_id for m in messages if m.enrollment is not None}
    return dict(MessagingSettings.objects.filter(program_id__in=programs).values_list("program_id", "daily_cap"))


def _send_one(
    message: OutboundMessage,
    recorder: _Recorder,
    providers: dict[str, Provider],
    sent_today: _SentToday,
    caps: dict[int, int],
) -> None:
    now = timezone.now()
    changes: dict[str, Any]
    participant = message.participant
    zone = ZoneInfo(participant.zone)
    today = now.astimezone(zone).date()
    exempt = message.purpose in EXEMPT_PURPOSES
    # Consent may have been withdrawn (STOP) since the message was queued.
    withdrawn = (message.channel == Channel.SMS and not participant.consent_texts) or (
        message.channel == Channel.EMAIL and not participant.consent_contact
    )
    if withdrawn and not exempt:
        changes = {"status": MessageStatus.SUPPRESSED, "status_reason": "Consent withdrawn."}
        recorder.add(message, changes, {}, batch=False)
        return
    cap = caps.get(message.enrollment.program_id if message.enrollment else 0, DEFAULT_DAILY_CAP)
    if not exempt and sent_today.counts[(participant.id, today)] >= cap:
        reason = f"Over the daily cap of {cap} messages on {today.isoformat()}."
        recorder.add(message, {"status": MessageStatus.SUPPRESSED, "status_reason": reason}, {}, batch=False)
        return
    if message.channel not in providers:
        providers[message.channel] = provider_for(message.channel)
    provider = providers[message.channel]
    outgoing = Outgoing(
        channel=message.channel,
        to_address=message.to_address,
        body=message.body,
        idempotency_key=message.idempotency_key,
        subject=message.subject,
        status_callback_url=settings.MESSAGING_STATUS_CALLBACK_URL,
    )
    try:
        result = provider.send(outgoing)
    except ProviderError as error:
        detail = {"error": str(error)[:500], "attempt": message.attempts}
        if error.retryable and message.attempts < settings.MESSAGING_MAX_ATTEMPTS:
            changes = {
                "status": MessageStatus.QUEUED,
                "next_attempt_at": now + backoff(message.attempts),
                "last_error": str(error)[:500],
            }
        else:
            changes = {"status": MessageStatus.FAILED, "last_error": str(error)[:500], "status_reason": "Not sent."}
        recorder.add(message, changes, detail, batch=False)
        return
    sent_at = timezone.now()
    recorder.add(
        message,
        {
            "status": MessageStatus.SENT,
            "provider": result.provider,
            "provider_message_id": result.provider_message_id,
            "sent_at": sent_at,
            "sent_on": sent_at.astimezone(zone).date(),
            "last_error": "",
        },
        {"provider": result.provider, "provider_message_id": result.provider_message_id},
        batch=getattr(provider, "honours_idempotency_key", False),
    )
    sent_today.counts[(participant.id, today)] += 0 if exempt else 1


def _release(token: str) -> None:
    """Gives back what a claim did not get to (the lease nearly ran out, or an error stopped the batch)."""
    OutboundMessage.objects.filter(claim_token=token, status=MessageStatus.SENDING).update(
        status=MessageStatus.QUEUED, claim_token="", claimed_until=None, attempts=F("attempts") - 1
    )


def dispatch_due(limit: int = 500, worker: str = "") -> int:
    """Claims, sends and records due messages, a claim of MESSAGING_CLAIM_BATCH at a time, until `limit`
    messages were handled or none is due. Returns the messages handled (sent, retried, failed or
    suppressed). Safe to run in any number of processes at once."""
    handled = 0
    providers: dict[str, Provider] = {}
    for channel in Channel.values:
        provider_name_for(channel)  # a misconfigured provider fails here, before anything is claimed
    while handled < limit:
        token, ids = claim(min(settings.MESSAGING_CLAIM_BATCH, limit - handled))
        if not ids:
            break
        messages = list(
            OutboundMessage.objects.filter(id__in=ids, claim_token=token)
            .select_related("participant__organization", "enrollment")
            .order_by("next_attempt_at", "id")
        )
        deadline = min(m.claimed_until for m in messages if m.claimed_until) - timedelta(
            seconds=settings.MESSAGING_LEASE_SECONDS / 4
        )
        sent_today = _SentToday(messages, timezone.now())
        caps = _caps(messages)
        recorder = _Recorder(token)
        try:
            for message in messages:
                if timezone.now() >= deadline:
                    break  # past this, another worker may take the rest: give them back instead
                _send_one(message, recorder, providers, sent_today, caps)
                handled += 1
        finally:
            recorder.flush()
            _release(token)
    if handled:
        logger.info("Dispatch %s handled %d messages.", worker or worker_name(), handled)
    return handled
