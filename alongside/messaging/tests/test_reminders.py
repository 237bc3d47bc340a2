"""Automatic reminders: each kind is queued once however often the job runs, only for the people it is for,
in their language, by their channel, with quiet hours applied in their own time zone (by the outbox)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.followup.models import CallAppointment, FollowUpState
from alongside.groups.models import GroupSession, RegistrationStatus, SessionStatus
from alongside.linkage.models import Referral, ReferralKind, ReferralStatus
from alongside.messaging import reminders
from alongside.messaging.models import Channel, MessageStatus, MessagingSettings, OutboundMessage, Purpose
from alongside.messaging.reminders import channel_for, due_check_ins, generate_reminders, save_reminder_settings
from alongside.messaging.templates import TemplateText, save_template
from alongside.people.models import Participant
from alongside.programs.models import Enrollment, EnrollmentStatus
from alongside.scheduling.jobs import periodic_jobs
from alongside.testing.groups import GroupWorld
from alongside.testing.world import World, make_enrollment, make_participant

pytestmark = pytest.mark.django_db

# A Tuesday, 14:00 UTC: 10:00 in New York (EDT), 23:00 in Tokyo.
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def messages(purpose: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(purpose=purpose).select_related("participant").order_by("pk"))


def reachable(group_world: GroupWorld) -> None:
    """Gives the group's participants ways to be reached: Ana by email, Carmen (Spanish) by text."""
    people = group_world.participants
    Participant.objects.filter(pk=people["ana"].pk).update(email="ana@example.org")
    Participant.objects.filter(pk=people["carmen"].pk).update(
        phone="+12025550177", consent_texts=True, preferred_language="es"
    )
    for key in ("ben", "dev", "elena"):
        Participant.objects.filter(pk=people[key].pk).update(phone=f"+1202555018{len(key)}", consent_texts=True)


def next_session(group_world: GroupWorld) -> GroupSession:
    return group_world.workshop.sessions.get(number=5)


# ---- group sessions ----


def test_a_session_reminder_goes_to_each_registered_person_once(group_world: GroupWorld) -> None:
    reachable(group_world)
    session = next_session(group_world)
    at = session.starts_at - timedelta(hours=23)

    first = generate_reminders(at)
    second = generate_reminders(at + timedelta(minutes=15))

    sent = messages(Purpose.SESSION_REMINDER)
    names = sorted(m.participant.preferred_name for m in sent)
    assert names == ["Ana", "Ben", "Carmen", "Dev", "Elena", "Paul"]
    assert first[Purpose.SESSION_REMINDER] == 6 and second[Purpose.SESSION_REMINDER] == 0
    paul = next(m for m in sent if m.participant_id == group_world.participants["paul"].pk)
    assert paul.idempotency_key == f"session:{session.pk}:{paul.participant_id}:24h"
    assert paul.channel == Channel.SMS and paul.enrollment_id == group_world.enrollments["paul"].pk
    assert "Living Well with Diabetes, spring" in paul.body and "Riverside Library" in paul.body
    assert paul.fn_ongoing  # the default template's function
    ana = next(m for m in sent if m.participant.preferred_name == "Ana")
    assert ana.channel == Channel.EMAIL and ana.subject.startswith("Reminder:")


def test_no_session_reminder_before_the_programs_lead_time(group_world: GroupWorld) -> None:
    reachable(group_world)
    MessagingSettings.objects.create(program=group_world.program, session_reminder_hours=2)
    session = next_session(group_world)

    generate_reminders(session.starts_at - timedelta(hours=3))
    assert not messages(Purpose.SESSION_REMINDER)

    generate_reminders(session.starts_at - timedelta(hours=2))
    assert {m.idempotency_key.rsplit(":", 1)[1] for m in messages(Purpose.SESSION_REMINDER)} == {"2h"}


def test_cancelled_sessions_and_dropped_registrations_get_no_reminder(group_world: GroupWorld) -> None:
    reachable(group_world)
    session = next_session(group_world)
    GroupSession.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)
    registration = group_world.registrations["ben"]
    registration.status = RegistrationStatus.DROPPED
    registration.save()
    waitlisted = group_world.registrations["dev"]
    waitlisted.status = RegistrationStatus.WAITLISTED
    waitlisted.save()

    generate_reminders(session.starts_at - timedelta(hours=23))
    assert not messages(Purpose.SESSION_REMINDER)

    session6 = group_world.workshop.sessions.get(number=6)
    generate_reminders(session6.starts_at - timedelta(hours=23))
    names = sorted(m.participant.preferred_name for m in messages(Purpose.SESSION_REMINDER))
    assert names == ["Ana", "Carmen", "Elena", "Paul"]


def test_spanish_speakers_get_the_spanish_text_with_spanish_dates(group_world: GroupWorld) -> None:
    reachable(group_world)
    session = next_session(group_world)

    generate_reminders(session.starts_at - timedelta(hours=23))

    carmen = next(m for m in messages(Purpose.SESSION_REMINDER) if m.participant.preferred_name == "Carmen")
    assert carmen.body.startswith("Hola Carmen")
    local = session.local_start()
    weekday = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")[local.weekday()]
    assert f"{weekday} {local.day} de" in carmen.body and local.strftime("%H:%M") in carmen.body


def test_a_programs_own_template_is_used_and_its_functions_recorded(group_world: GroupWorld) -> None:
    reachable(group_world)
    world = group_world.world
    template = save_template(
        world.cora,
        world.org.pk,
        TemplateText(
            purpose=Purpose.SESSION_REMINDER,
            language="en",
            channel=Channel.SMS,
            subject="",
            body="{{ first_name }}: {{ series }} {{ session_time }}",
            functions=("social_emotional",),
            program=group_world.program,
        ),
    )
    session = next_session(group_world)

    generate_reminders(session.starts_at - timedelta(hours=23))

    paul = next(m for m in messages(Purpose.SESSION_REMINDER) if m.participant.preferred_name == "Paul")
    assert paul.template_id == template.pk
    assert paul.body.startswith("Paul: Living Well with Diabetes, spring ")
    assert (paul.fn_social_emotional, paul.fn_ongoing) == (True, False)


def test_finding_what_is_due_takes_a_bounded_number_of_queries(group_world: GroupWorld) -> None:
    reachable(group_world)
    session = next_session(group_world)
    with CaptureQueriesContext(connection) as few:
        generate_reminders(session.starts_at - timedelta(hours=23))
    for extra in range(10):
        person = make_participant(
            group_world.world.org, f"Extra{extra}", phone=f"+1202555019{extra}", consent_texts=True
        )
        enrollment = make_enrollment(group_world.world.cora, person, group_world.program)
        group_world.workshop.registrations.create(
            participant=person,
            enrollment=enrollment,
            status=RegistrationStatus.REGISTERED,
            joined_at=timezone.now(),
            added_by=group_world.world.cora,
        )
    OutboundMessage.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        added = generate_reminders(session.starts_at - timedelta(hours=23))
    assert added[Purpose.SESSION_REMINDER] == 16
    assert len(many.captured_queries) == len(few.captured_queries)


# ---- calls, follow-ups, referrals, check-ins ----


def test_a_scheduled_call_is_reminded_once_within_its_lead_time(world: World) -> None:
    soon = CallAppointment.objects.create(
        enrollment=world.paul_enrollment,
        supporter=world.sofia,
        scheduled_for=NOW + timedelta(hours=1),
        created_by=world.cora,
    )
    CallAppointment.objects.create(
        enrollment=world.paul_enrollment,
        supporter=world.sofia,
        scheduled_for=NOW + timedelta(hours=5),
        created_by=world.cora,
    )

    assert generate_reminders(NOW)[Purpose.CALL_REMINDER] == 1
    assert generate_reminders(NOW)[Purpose.CALL_REMINDER] == 0

    (message,) = messages(Purpose.CALL_REMINDER)
    assert message.idempotency_key == f"call:{soon.pk}:2h"
    assert message.body == "Hi Paul, Sofia from Telephone Peer Support will call you Tuesday 10 March at 11:00 AM."


def test_a_promised_follow_up_is_reminded_on_its_day(world: World) -> None:
    today = NOW.astimezone(ZoneInfo(world.paul.zone)).date()
    state = FollowUpState.objects.create(
        enrollment=world.paul_enrollment,
        participant=world.paul,
        program=world.telephone,
        supporter=world.sofia,
        enrolled_on=world.paul_enrollment.enrolled_on,
        promised_on=today + timedelta(days=1),
        computed_at=NOW,
    )
    assert generate_reminders(NOW)[Purpose.FOLLOW_UP_REMINDER] == 0

    FollowUpState.objects.filter(pk=state.pk).update(promised_on=today)
    assert generate_reminders(NOW)[Purpose.FOLLOW_UP_REMINDER] == 1
    assert generate_reminders(NOW)[Purpose.FOLLOW_UP_REMINDER] == 0
    (message,) = messages(Purpose.FOLLOW_UP_REMINDER)
    assert message.idempotency_key == f"followup:{world.paul_enrollment.pk}:{today.isoformat()}"
    assert "Sofia" in message.body


def _referral(world: World, appointment_at: datetime, status: str = ReferralStatus.SCHEDULED) -> Referral:
    return Referral.objects.create(
        participant=world.paul,
        enrollment=world.paul_enrollment,
        kind=ReferralKind.COMMUNITY,
        to_name="Eastside Food Bank",
        reason="Food",
        consent_to_share=True,
        status=status,
        status_changed_at=NOW,
        appointment_at=appointment_at,
        created_by=world.sofia.user,
        created_at=NOW,
    )


def test_an_open_referral_with_an_appointment_tomorrow_is_reminded_once(world: World) -> None:
    zone = ZoneInfo(world.paul.zone)
    tomorrow = NOW.astimezone(zone).date() + timedelta(days=1)
    open_one = _referral(world, datetime.combine(tomorrow, time(9, 15), tzinfo=zone))
    _referral(world, datetime.combine(tomorrow, time(10, 0), tzinfo=zone), status=ReferralStatus.CANCELLED)
    _referral(world, datetime.combine(tomorrow + timedelta(days=1), time(9, 0), tzinfo=zone))

    assert generate_reminders(NOW)[Purpose.REFERRAL_REMINDER] == 1
    assert generate_reminders(NOW + timedelta(hours=1))[Purpose.REFERRAL_REMINDER] == 0
    (message,) = messages(Purpose.REFERRAL_REMINDER)
    assert message.idempotency_key.startswith(f"referral:{open_one.pk}:")
    assert "Eastside Food Bank" in message.body and "9:15 AM" in message.body
    assert (message.fn_linkage, message.fn_ongoing) == (True, True)


def test_the_weekly_check_in_goes_on_the_programs_weekday_in_each_persons_zone(world: World) -> None:
    MessagingSettings.objects.create(program=world.telephone, check_in_weekday=NOW.weekday())
    tokyo = make_participant(world.org, "Yuki", phone="+12025550166", consent_texts=True, timezone="Asia/Tokyo")
    make_enrollment(world.cora, tokyo, world.telephone)
    kiritimati = make_participant(
        world.org, "Kai", phone="+12025550167", consent_texts=True, timezone="Pacific/Kiritimati"
    )  # UTC+14: already Wednesday
    make_enrollment(world.cora, kiritimati, world.telephone)

    assert generate_reminders(NOW)[Purpose.CHECK_IN] == 2
    assert generate_reminders(NOW)[Purpose.CHECK_IN] == 0

    by_name = {m.participant.preferred_name: m for m in messages(Purpose.CHECK_IN)}
    assert set(by_name) == {"Paul", "Yuki"}
    # 10:00 in New York: goes now. 23:00 in Tokyo: the outbox holds it until quiet hours end at 08:00 there.
    assert by_name["Paul"].send_after == NOW
    assert by_name["Yuki"].send_after == datetime(2026, 3, 11, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert by_name["Yuki"].status == MessageStatus.QUEUED


# ---- who is reached, and how ----


def test_the_channel_is_a_text_with_consent_else_an_email_with_consent_else_none(world: World) -> None:
    person = Participant(phone="+12025550100", consent_texts=True, email="a@example.org", consent_contact=True)
    assert channel_for(person) == Channel.SMS
    person.consent_texts = False
    assert channel_for(person) == Channel.EMAIL
    person.consent_contact = False
    assert channel_for(person) is None


def test_people_without_consent_or_not_in_support_get_nothing(world: World) -> None:
    MessagingSettings.objects.create(program=world.telephone, check_in_weekday=NOW.weekday())
    Participant.objects.filter(pk=world.paul.pk).update(consent_texts=False)  # no email either
    quiet = make_participant(world.org, "Quinn", phone="+12025550168", consent_texts=True)
    Enrollment.objects.filter(pk=make_enrollment(world.cora, quiet, world.telephone).pk).update(
        status=EnrollmentStatus.PAUSED
    )

    assert generate_reminders(NOW)[Purpose.CHECK_IN] == 0
    assert not OutboundMessage.objects.exists()


def test_the_scheduler_runs_the_reminders_job() -> None:
    assert "messaging.reminders" in [job.name for job in periodic_jobs()]


def test_running_with_nothing_due_adds_nothing(world: World) -> None:
    assert sum(generate_reminders(NOW).values()) == 0
    assert generate_reminders(datetime.combine(date(2026, 3, 10), time(3), tzinfo=UTC)) == dict.fromkeys(
        [p.value for p in (Purpose.SESSION_REMINDER, Purpose.CALL_REMINDER, Purpose.FOLLOW_UP_REMINDER,
                           Purpose.REFERRAL_REMINDER, Purpose.CHECK_IN)], 0
    )  # fmt: skip


def test_changing_the_lead_time_does_not_remind_again(group_world: GroupWorld) -> None:
    reachable(group_world)
    session = next_session(group_world)
    generate_reminders(session.starts_at - timedelta(hours=20))
    assert len(messages(Purpose.SESSION_REMINDER)) == 6

    save_reminder_settings(
        group_world.world.cora,
        group_world.program,
        {"session_reminder_hours": 48, "call_reminder_hours": 2, "daily_cap": 3},
    )
    assert generate_reminders(session.starts_at - timedelta(hours=19))[Purpose.SESSION_REMINDER] == 0
    session6 = group_world.workshop.sessions.get(number=6)
    generate_reminders(session6.starts_at - timedelta(hours=47))
    assert {m.idempotency_key.rsplit(":", 1)[1] for m in messages(Purpose.SESSION_REMINDER)} == {"24h", "48h"}


def test_reminder_settings_are_checked_before_anything_is_saved(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        save_reminder_settings(
            world.cora,
            world.telephone,
            {"session_reminder_hours": 0, "call_reminder_hours": "x", "daily_cap": 3, "check_in_weekday": 9},
        )
    assert set(caught.value.message_dict) == {"session_reminder_hours", "call_reminder_hours", "check_in_weekday"}
    assert not MessagingSettings.objects.exists()
    with pytest.raises(ValidationError):
        save_reminder_settings(world.otto, world.telephone, {"session_reminder_hours": 24})

    saved = save_reminder_settings(
        world.cora,
        world.telephone,
        {"session_reminder_hours": 12, "call_reminder_hours": 1, "daily_cap": 2, "check_in_weekday": "0"},
    )
    assert (saved.session_reminder_hours, saved.daily_cap, saved.check_in_weekday) == (12, 2, 0)


def test_a_check_in_days_later_runs_do_not_reread_those_already_queued(world: World) -> None:
    MessagingSettings.objects.create(program=world.telephone, check_in_weekday=NOW.weekday())
    assert len(list(due_check_ins(NOW))) == 1
    generate_reminders(NOW)
    assert list(due_check_ins(NOW + timedelta(hours=1))) == []


def test_one_kind_failing_does_not_hold_up_the_others(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    MessagingSettings.objects.create(program=world.telephone, check_in_weekday=NOW.weekday())

    def broken(now: datetime) -> list[object]:
        raise DatabaseError("connection lost")

    monkeypatch.setattr(reminders, "KINDS", ((Purpose.SESSION_REMINDER, broken), *reminders.KINDS[1:]))
    added = generate_reminders(NOW)
    assert added[Purpose.SESSION_REMINDER] == 0 and added[Purpose.CHECK_IN] == 1
