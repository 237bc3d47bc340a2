"""Providers: what actually hands a message to the outside world. Chosen per channel in settings
(MESSAGING_SMS_PROVIDER, MESSAGING_EMAIL_PROVIDER).

Every provider gets the message's idempotency key. Which ones honour it:
- `fake` refuses a key it has seen and returns the first send's result (exactly once, across processes);
- `file` and `console` write the key next to the message (a reader can de-duplicate);
- `django_email` puts it in the Message-ID header (`<key-hash@alongside>`), so a duplicate email is
  recognisable (and many mail systems drop it), but SMTP does not refuse it;
- `twilio`: Twilio's Messages API has no idempotency key. Delivery is at least once: a worker killed after
  Twilio accepted the message but before the outcome was committed leaves the row `sending`; once its lease
  runs out another worker sends it again. The lease (no second worker while the first may still be
  sending) and the provider id committed in the statement that marks the row sent narrow that window to
  the moments between Twilio's answer and our commit.

A provider raises ProviderError for a failed send: `retryable=True` (network, 5xx, rate limit) puts the
message back in the queue with backoff; `retryable=False` (a number the carrier rejects) fails it at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from alongside.messaging.models import Channel, FakeProviderRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """What a provider needs to send one message."""

    channel: str
    to_address: str
    body: str
    idempotency_key: str
    subject: str = ""
    status_callback_url: str = ""


@dataclass(frozen=True)
class SendResult:
    provider: str
    provider_message_id: str
    # False when the provider recognised the key and did not send again (fake provider only).
    first_send: bool = True


class ProviderError(Exception):
    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Provider(Protocol):
    name: str
    # True when the provider itself refuses a key it has seen (then a resend after a crash is harmless).
    honours_idempotency_key: bool

    def send(self, message: Outgoing) -> SendResult: ...


class ConsoleProvider:
    """Zero set-up default: logs what would be sent."""

    name = "console"
    honours_idempotency_key = False

    def send(self, message: Outgoing) -> SendResult:
        logger.info(
            "Would send %s to %s (key %s)%s: %s",
            message.channel,
            message.to_address,
            message.idempotency_key,
            f" subject {message.subject!r}" if message.subject else "",
            message.body,
        )
        return SendResult(self.name, f"console-{uuid.uuid4().hex[:20]}")


class FileProvider:
    """Appends one JSON line per message to <MESSAGING_FILE_DIR>/<channel>.jsonl."""

    name = "file"
    honours_idempotency_key = False
    _lock = threading.Lock()

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.MESSAGING_FILE_DIR)

    def send(self, message: Outgoing) -> SendResult:
        provider_id = f"file-{uuid.uuid4().hex[:20]}"
        line = json.dumps(
            {
                "id": provider_id,
                "at": timezone.now().isoformat(),
                "channel": message.channel,
                "to": message.to_address,
                "subject": message.subject,
                "body": message.body,
                "idempotency_key": message.idempotency_key,
            }
        )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._lock, (self.directory / f"{message.channel}.jsonl").open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as error:
            raise ProviderError(f"Could not write to {self.directory}: {error}") from error
        return SendResult(self.name, provider_id)


class DjangoEmailProvider:
    """Email through Django's email backend (SMTP in production: EMAIL_HOST, EMAIL_PORT, ...)."""

    name = "django_email"
    honours_idempotency_key = False

    def send(self, message: Outgoing) -> SendResult:
        from django.core.mail import EmailMessage

        from alongside.messaging.unsubscribe import list_unsubscribe_headers

        if message.channel != Channel.EMAIL:
            raise ProviderError("The django_email provider sends email only.", retryable=False)
        digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
        message_id = f"<{digest}@alongside>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.MESSAGING_FROM_EMAIL,
            to=[message.to_address],
            # An email program's message also carries List-Unsubscribe (RFC 2369 / 8058 one-click).
            headers={"Message-ID": message_id, **list_unsubscribe_headers(message.idempotency_key)},
        )
        try:
            email.send(fail_silently=False)
        except OSError as error:  # smtplib errors are OSErrors
            raise ProviderError(f"Email not sent: {error}") from error
        return SendResult(self.name, message_id)


class TwilioProvider:
    """SMS through Twilio's Messages API (TWILIO_* settings, from the environment only)."""

    name = "twilio"
    honours_idempotency_key = False

    def __init__(self) -> None:
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured("Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to send texts through Twilio.")
        if not (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID):
            raise ImproperlyConfigured("Set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID.")
        from twilio.rest import Client  # type: ignore[import-untyped]

        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)

    def send(self, message: Outgoing) -> SendResult:
        from twilio.base.exceptions import TwilioException, TwilioRestException  # type: ignore[import-untyped]

        if message.channel != Channel.SMS:
            raise ProviderError("The twilio provider sends text messages only.", retryable=False)
        arguments: dict[str, Any] = {"to": message.to_address, "body": message.body}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            arguments["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            arguments["from_"] = settings.TWILIO_FROM_NUMBER
        if message.status_callback_url:
            arguments["status_callback"] = message.status_callback_url
        try:
            sent = self.client.messages.create(**arguments)
        except TwilioRestException as error:
            # 4xx other than 429 are about this message (bad number, blocked): retrying will not help.
            retryable = error.status == 429 or error.status >= 500
            raise ProviderError(f"Twilio {error.status} ({error.code}): {error.msg}", retryable=retryable) from error
        except (TwilioException, OSError) as error:
            raise ProviderError(f"Twilio unreachable: {error}") from error
        return SendResult(self.name, str(sent.sid))


# ---- the recording fake ----


@dataclass
class FakeBehaviour:
    """How the fake misbehaves (tests): fail the next `fail_times` sends, and pause `pause_seconds` inside
    every send (after recording it, before answering). Environment variables set the same for worker subprocesses:
    MESSAGING_FAKE_PAUSE_SECONDS, MESSAGING_FAKE_FAIL_TIMES, MESSAGING_FAKE_FAIL_PERMANENTLY."""

    fail_times: int = 0
    fail_permanently: bool = False
    pause_seconds: float = 0.0


_behaviour = FakeBehaviour(
    fail_times=int(os.environ.get("MESSAGING_FAKE_FAIL_TIMES", "0") or 0),
    fail_permanently=os.environ.get("MESSAGING_FAKE_FAIL_PERMANENTLY", "") == "1",
    pause_seconds=float(os.environ.get("MESSAGING_FAKE_PAUSE_SECONDS", "0") or 0),
)


@contextmanager
def fake_behaviour(fail_times: int = 0, fail_permanently: bool = False, pause_seconds: float = 0.0) -> Iterator[None]:
    """Within the block, the fake provider fails the next `fail_times` sends and/or pauses in each send."""
    global _behaviour
    saved = _behaviour
    _behaviour = FakeBehaviour(fail_times, fail_permanently, pause_seconds)
    try:
        yield
    finally:
        _behaviour = saved


class FakeProvider:
    """Records every send in FakeProviderRecord (shared by every process using the database). A key it has
    seen is not sent again: the first send's result comes back, with first_send=False."""

    name = "fake"
    honours_idempotency_key = True

    def __init__(self, worker: str = "") -> None:
        self.worker = worker or f"pid{os.getpid()}"
        self._async_commit = False

    def send(self, message: Outgoing) -> SendResult:
        if _behaviour.fail_times > 0:
            _behaviour.fail_times -= 1
            raise ProviderError("The fake provider was told to fail.", retryable=not _behaviour.fail_permanently)
        provider_id = f"fake-{uuid.uuid4().hex[:24]}"
        table = FakeProviderRecord._meta.db_table
        sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not self._async_commit:
                # A test double: its record must survive a worker's death, not a database server crash, so
                # its commits need not wait for the disk (the session setting: one round trip per send).
                cursor.execute("SET synchronous_commit TO OFF")
                self._async_commit = True
            cursor.execute(
                f"INSERT INTO {table} (idempotency_key, provider_message_id, channel, to_address, body, sent_at, "
                "worker, requests) VALUES (%s, %s, %s, %s, %s, %s, %s, 1) ON CONFLICT (idempotency_key) DO NOTHING",
                [
                    message.idempotency_key,
                    provider_id,
                    message.channel,
                    message.to_address,
                    message.body,
                    sent_at,
                    self.worker,
                ],
            )
            first_send = cursor.rowcount == 1
            if not first_send:
                cursor.execute(
                    f"UPDATE {table} SET requests = requests + 1 WHERE idempotency_key = %s", [message.idempotency_key]
                )
                cursor.execute(
                    f"SELECT provider_message_id FROM {table} WHERE idempotency_key = %s", [message.idempotency_key]
                )
                (first_id,) = cursor.fetchone()
        if not first_send:
            return SendResult(self.name, first_id, first_send=False)
        if _behaviour.pause_seconds:
            # Accepted, and the answer not yet back: a worker killed here has sent but not recorded it.
            time.sleep(_behaviour.pause_seconds)
        return SendResult(self.name, provider_id)


PROVIDERS: dict[str, type[Provider]] = {
    "console": ConsoleProvider,
    "file": FileProvider,
    "django_email": DjangoEmailProvider,
    "twilio": TwilioProvider,
    "fake": FakeProvider,
}


def provider_name_for(channel: str) -> str:
    name: str = settings.MESSAGING_SMS_PROVIDER if channel == Channel.SMS else settings.MESSAGING_EMAIL_PROVIDER
    if name not in PROVIDERS:
        raise ImproperlyConfigured(f"Unknown messaging provider {name!r}; use one of {', '.join(PROVIDERS)}.")
    return name


def provider_for(channel: str) -> Provider:
    """A new provider instance for the channel, as configured."""
    return PROVIDERS[provider_name_for(channel)]()
