"""Providers: each gets the idempotency key; chosen per channel in settings."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from alongside.messaging.models import Channel, FakeProviderRecord
from alongside.messaging.providers import (
    ConsoleProvider,
    DjangoEmailProvider,
    FakeProvider,
    FileProvider,
    Outgoing,
    ProviderError,
    TwilioProvider,
    fake_behaviour,
    provider_for,
)

TEXT = Outgoing(Channel.SMS, "+12025550143", "Group tomorrow at 6", "key-1")
EMAIL = Outgoing(Channel.EMAIL, "paul@example.org", "Week 2: walking", "key-2", subject="Your weekly tip")


def test_the_default_provider_is_the_console_and_logs_the_key(caplog: Any) -> None:
    provider = provider_for(Channel.SMS)
    assert isinstance(provider, ConsoleProvider)
    with caplog.at_level(logging.INFO, logger="alongside.messaging.providers"):
        result = provider.send(TEXT)
    assert result.provider == "console" and result.provider_message_id.startswith("console-")
    assert "key-1" in caplog.text and "+12025550143" in caplog.text


def test_an_unknown_provider_name_is_refused(settings: Any) -> None:
    settings.MESSAGING_EMAIL_PROVIDER = "pigeon"
    with pytest.raises(ImproperlyConfigured, match="pigeon"):
        provider_for(Channel.EMAIL)


def test_the_file_provider_writes_json_lines_with_the_key(tmp_path: Path) -> None:
    provider = FileProvider(tmp_path)
    provider.send(TEXT)
    provider.send(EMAIL)
    (line,) = (tmp_path / "sms.jsonl").read_text().splitlines()
    assert json.loads(line) | {"at": "", "id": ""} == {
        "id": "",
        "at": "",
        "channel": "sms",
        "to": "+12025550143",
        "subject": "",
        "body": "Group tomorrow at 6",
        "idempotency_key": "key-1",
    }
    assert json.loads((tmp_path / "email.jsonl").read_text())["subject"] == "Your weekly tip"


def test_django_email_sends_with_a_message_id_from_the_key(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = DjangoEmailProvider().send(EMAIL)
    (sent,) = mail.outbox
    assert sent.to == ["paul@example.org"] and sent.subject == "Your weekly tip"
    assert sent.extra_headers["Message-ID"] == result.provider_message_id
    assert DjangoEmailProvider().send(EMAIL).provider_message_id == result.provider_message_id
    with pytest.raises(ProviderError):
        DjangoEmailProvider().send(TEXT)


def test_an_email_program_message_carries_one_click_unsubscribe_headers(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALONGSIDE_BASE_URL = "https://alongside.example.org"
    DjangoEmailProvider().send(Outgoing(Channel.EMAIL, "paul@example.org", "Tip", "seq:7:2", subject="Week 2"))
    DjangoEmailProvider().send(EMAIL)
    program_mail, reminder_mail = mail.outbox
    assert program_mail.extra_headers["List-Unsubscribe"].startswith("<https://alongside.example.org/messaging/")
    assert program_mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe" not in reminder_mail.extra_headers


def test_twilio_needs_its_credentials_from_the_environment(settings: Any) -> None:
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"):
        TwilioProvider()


def test_twilio_sends_through_the_messaging_service_and_sorts_errors(settings: Any) -> None:
    from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]

    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC123", "token"
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG123"
    provider = TwilioProvider()
    with mock.patch.object(provider.client.messages, "create", return_value=mock.Mock(sid="SM1")) as create:
        result = provider.send(TEXT)
    assert result.provider_message_id == "SM1"
    assert create.call_args.kwargs == {
        "to": "+12025550143",
        "body": "Group tomorrow at 6",
        "messaging_service_sid": "MG123",
    }
    rejected = TwilioRestException(400, "uri", msg="Invalid To number", code=21211)
    with mock.patch.object(provider.client.messages, "create", side_effect=rejected), pytest.raises(ProviderError) as e:
        provider.send(TEXT)
    assert not e.value.retryable
    busy = TwilioRestException(503, "uri", msg="Unavailable", code=20503)
    with mock.patch.object(provider.client.messages, "create", side_effect=busy), pytest.raises(ProviderError) as e:
        provider.send(TEXT)
    assert e.value.retryable


@pytest.mark.django_db
def test_the_fake_records_each_key_once_and_returns_the_first_result() -> None:
    first = FakeProvider("a").send(TEXT)
    again = FakeProvider("b").send(TEXT)
    assert first.first_send and not again.first_send
    assert again.provider_message_id == first.provider_message_id
    record = FakeProviderRecord.objects.get()
    assert (record.idempotency_key, record.requests, record.worker) == ("key-1", 2, "a")


@pytest.mark.django_db
def test_the_fake_can_be_told_to_fail() -> None:
    with fake_behaviour(fail_times=1):
        with pytest.raises(ProviderError):
            FakeProvider().send(TEXT)
        assert FakeProvider().send(TEXT).first_send
