"""Writes about group series, shared by the web UI, the API, the CLI and the demo.

Every function validates first and raises ValidationError (field -> messages) before writing, and runs
in one transaction, so bad input changes nothing. Registration and capacity changes lock the series row,
so two coordinators filling the last place cannot both get it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from alongside.accounts.models import Role, User
from alongside.followup import engine as follow_up
from alongside.groups import recurrence
from alongside.groups.access import can_manage_series, can_run_session
from alongside.groups.models import (
    DEFAULT_COMPLETION,
    MODEL_OF_KIND,
    Attendance,
    AttendanceStatus,
    CompletionRule,
    CurriculumItem,
    CurriculumTemplate,
    Facilitator,
    FacilitatorRole,
    GroupKind,
    GroupSeries,
    GroupSession,
    Registration,
    RegistrationStatus,
    SessionStatus,
)
from alongside.people.models import Participant
from alongside.programs.models import Enrollment, EnrollmentStatus, Program
from alongside.taxonomy import ACTIVITY_BY_CODE, FUNCTION_FIELDS, LANGUAGE_NAMES, PeerSupportModel

# People can join a series while their enrolment is in one of these statuses.
REGISTRABLE_STATUSES = (EnrollmentStatus.REFERRED, EnrollmentStatus.ENROLLED, EnrollmentStatus.ACTIVE)
MAX_DURATION_MINUTES = 8 * 60
MAX_MINUTES_LATE = 8 * 60


def _fail(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


def _require(allowed: bool, message: str = "Your role cannot change this group series.") -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- series ------------------------------------------------------------------------------------------


@dataclass
class SeriesInput:
    """What a coordinator enters for a new series. Session times are local clock times (naive) in
    `timezone`. Give either a recurrence rule or custom dates."""

    program: Program
    kind: str
    title: str
    first_session: datetime | None = None
    recurrence: str = ""
    custom_dates: list[datetime] = field(default_factory=list)
    description: str = ""
    language: str = "en"
    venue: str = ""
    online_url: str = ""
    capacity: int | None = None
    timezone: str = ""
    duration_minutes: int | None = None
    curriculum: CurriculumTemplate | None = None
    facilitators: list[tuple[User, str]] = field(default_factory=list)
    completion: tuple[int, int] | None = None


def completion_rule_for(program: Program, kind: str) -> tuple[int, int]:
    rule = CompletionRule.objects.filter(program=program, kind=kind).first()
    return (rule.min_attended, rule.of_sessions) if rule else DEFAULT_COMPLETION[kind]


def check_completion(min_attended: Any, of_sessions: Any) -> tuple[int, int]:
    try:
        low, high = int(min_attended), int(of_sessions)
    except (TypeError, ValueError) as error:
        raise _fail("completion", "The completion rule is two whole numbers: sessions attended of sessions.") from error
    if high < 1 or low < 1 or low > high:
        raise _fail("completion", "Completion means attending at least 1 and at most all of the sessions.")
    return low, high


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise _fail("timezone", f"Unknown time zone: {name}. Use an IANA name such as America/Chicago.") from error
    return name


def _check_facilitators(series_org_id: int, facilitators: list[tuple[User, str]]) -> dict[str, list[str]]:
    errors: list[str] = []
    seen: set[int] = set()
    for user, role in facilitators:
        if role not in FacilitatorRole.values:
            errors.append(f"Unknown facilitator role: {role}.")
        elif user.organization_id != series_org_id or not user.is_active:
            errors.append(f"{user.display_name} is not an active member of this organization.")
        elif role == FacilitatorRole.PROFESSIONAL and user.role != Role.PROFESSIONAL:
            errors.append(f"{user.display_name} is not a professional (clinician) login.")
        elif role != FacilitatorRole.PROFESSIONAL and user.role not in (Role.SUPPORTER, Role.PROFESSIONAL):
            errors.append(f"{user.display_name} cannot lead a group: only supporters and professionals can.")
        elif user.pk in seen:
            errors.append(f"{user.display_name} is listed twice.")
        seen.add(user.pk)
    return {"facilitators": errors} if errors else {}


def series_warnings(series: GroupSeries) -> list[str]:
    """What a coordinator should fix but may run without (the series is still saved)."""
    warnings: list[str] = []
    facilitators = list(series.facilitators.select_related("user"))
    if series.kind == GroupKind.WORKSHOP:
        peers = [f for f in facilitators if f.user.role == Role.SUPPORTER]
        if len(facilitators) < 2 or not peers:
            warnings.append(
                "A self-management workshop needs two leaders, at least one of them a peer living with the "
                f"condition; this one has {len(facilitators)} leader(s), {len(peers)} of them a peer."
            )
    if series.kind == GroupKind.GROUP_VISIT and not any(f.role == FacilitatorRole.PROFESSIONAL for f in facilitators):
        warnings.append("A group visit is led by a professional (clinician); none is listed.")
    if not series.venue and not series.online_url:
        warnings.append("No venue or online link yet: participants will not know where to go.")
    return warnings


def _check_series_fields(data: SeriesInput, now: datetime) -> tuple[dict[str, Any], list[datetime]]:
    """Validated field values and the session start times, or ValidationError with every problem."""
    errors: dict[str, list[str]] = {}

    def collect(error: ValidationError) -> None:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)

    program = data.program
    if data.kind not in GroupKind.values:
        errors["kind"] = ["Choose group visit, self-management workshop or support group."]
    elif not program.delivery_models.filter(model=MODEL_OF_KIND[data.kind]).exists():
        model = PeerSupportModel(MODEL_OF_KIND[data.kind])
        errors["kind"] = [
            f"{program.name} does not deliver model {model.value} ({model.label}); add it to the program first."
        ]
    title = data.title.strip()
    if not title:
        errors["title"] = ["A series needs a title."]
    elif len(title) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    if data.language not in LANGUAGE_NAMES:
        errors["language"] = [f"Unknown language code: {data.language}."]
    if data.online_url:
        try:
            URLValidator(schemes=["https", "http"])(data.online_url)
        except ValidationError:
            errors["online_url"] = ["The online link must be a web address starting with https://."]
    if data.capacity is None or data.capacity < 1 or data.capacity > 500:
        errors["capacity"] = ["Capacity is the number of places, 1 to 500."]
    if data.duration_minutes is None or not 1 <= data.duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = [f"Sessions last 1 to {MAX_DURATION_MINUTES} minutes."]
    zone = data.timezone or program.organization.timezone
    try:
        _check_zone(zone)
    except ValidationError as error:
        collect(error)
        zone = ""
    if data.curriculum is not None and (data.curriculum.program_id != program.pk or data.curriculum.kind != data.kind):
        errors["curriculum"] = ["Choose a curriculum of this program made for this kind of series."]
    completion = data.completion
    if completion is not None:
        try:
            completion = check_completion(*completion)
        except ValidationError as error:
            collect(error)
    errors.update(_check_facilitators(program.organization_id, data.facilitators))

    starts: list[datetime] = []
    if zone:
        try:
            if data.custom_dates:
                starts = recurrence.from_dates(data.custom_dates, zone)
            elif data.first_session is None:
                errors["first_session"] = ["When is the first session?"]
            else:
                starts = recurrence.expand(data.recurrence, data.first_session, zone)
        except ValidationError as error:
            collect(error)
    if starts and starts[0] < now:
        local = timezone.localtime(starts[0], ZoneInfo(zone))
        errors.setdefault("first_session", []).append(
            f"A new series cannot start in the past ({local:%Y-%m-%d %H:%M}); record past sessions as they happen."
        )
    if errors:
        raise ValidationError(errors)
    clean = {"title": title, "timezone": zone, "completion": completion or completion_rule_for(program, data.kind)}
    return clean, starts


@transaction.atomic
def create_series(by: User, data: SeriesInput) -> GroupSeries:
    """A series with its sessions (generated from the rule or the dates), the curriculum copied onto the
    sessions by number, and its facilitators."""
    _require(can_manage_series(by) and (by.is_superuser or data.program.organization_id == by.organization_id))
    clean, starts = _check_series_fields(data, timezone.now())
    min_attended, of_sessions = clean["completion"]
    assert data.capacity is not None and data.duration_minutes is not None  # checked above
    series = GroupSeries.objects.create(
        program=data.program,
        kind=data.kind,
        title=clean["title"],
        description=data.description.strip(),
        language=data.language,
        venue=data.venue.strip(),
        online_url=data.online_url,
        capacity=data.capacity,
        timezone=clean["timezone"],
        duration_minutes=data.duration_minutes,
        recurrence="" if data.custom_dates else recurrence.normalise(data.recurrence),
        curriculum=data.curriculum,
        completion_min_attended=min_attended,
        completion_of_sessions=of_sessions,
        created_by=by,
    )
    items = {item.number: item for item in data.curriculum.items.all()} if data.curriculum else {}
    sessions = []
    for number, start in enumerate(starts, start=1):
        session = GroupSession(
            series=series,
            number=number,
            starts_at=start,
            starts_on=start.date(),  # already local: recurrence returns times in the series' zone
            duration_minutes=data.duration_minutes,
        )
        _copy_curriculum(session, items.get(number))
        sessions.append(session)
    GroupSession.objects.bulk_create(sessions)
    Facilitator.objects.bulk_create(
        Facilitator(series=series, user=user, role=role) for user, role in data.facilitators
    )
    return series


def _copy_curriculum(session: GroupSession, item: CurriculumItem | None) -> None:
    if item is None:
        return
    session.topic = item.topic
    session.description = item.description
    session.activities = list(item.activities)
    session.set_functions(item.functions)


@transaction.atomic
def update_series(by: User, series: GroupSeries, data: dict[str, Any]) -> GroupSeries:
    """Title, description, language, venue, online link, capacity and completion rule. Capacity cannot
    go below the people already registered; raising it promotes from the waiting list at once."""
    _require(can_manage_series(by, series))
    series = GroupSeries.objects.select_for_update().get(pk=series.pk)
    errors: dict[str, list[str]] = {}
    if "title" in data:
        title = str(data["title"] or "").strip()
        if not title or len(title) > 200:
            errors["title"] = ["A series needs a title of at most 200 characters."]
        series.title = title
    if "description" in data:
        series.description = str(data["description"] or "").strip()
    if "language" in data:
        if data["language"] not in LANGUAGE_NAMES:
            errors["language"] = [f"Unknown language code: {data['language']}."]
        series.language = data["language"]
    if "venue" in data:
        series.venue = str(data["venue"] or "").strip()[:300]
    if "online_url" in data:
        url = str(data["online_url"] or "").strip()
        if url:
            try:
                URLValidator(schemes=["https", "http"])(url)
            except ValidationError:
                errors["online_url"] = ["The online link must be a web address starting with https://."]
        series.online_url = url
    if "capacity" in data:
        try:
            capacity = int(data["capacity"])
        except (TypeError, ValueError):
            capacity = 0
        registered = series.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        if not 1 <= capacity <= 500:
            errors["capacity"] = ["Capacity is the number of places, 1 to 500."]
        elif capacity < registered:
            errors["capacity"] = [
                f"{registered} people are registered; capacity cannot go below that. "
                "Move someone to the waiting list or drop them first."
            ]
        series.capacity = capacity
    if "completion" in data:
        try:
            series.completion_min_attended, series.completion_of_sessions = check_completion(*data["completion"])
        except (ValidationError, TypeError) as error:
            errors["completion"] = (
                error.message_dict["completion"] if isinstance(error, ValidationError) else ["Give two numbers."]
            )
    if errors:
        raise ValidationError(errors)
    series.save()
    _promote_waiting(by, series)
    return series


@transaction.atomic
def set_facilitators(by: User, series: GroupSeries, facilitators: list[tuple[User, str]]) -> list[str]:
    """Replaces the series' facilitators; returns the warnings that still apply."""
    _require(can_manage_series(by, series))
    errors = _check_facilitators(series.program.organization_id, facilitators)
    if errors:
        raise ValidationError(errors)
    series.facilitators.all().delete()
    Facilitator.objects.bulk_create(Facilitator(series=series, user=user, role=role) for user, role in facilitators)
    return series_warnings(series)


@transaction.atomic
def cancel_series(by: User, series: GroupSeries, reason: str) -> GroupSeries:
    """Cancels every session still to come; sessions already held keep their attendance."""
    _require(can_manage_series(by, series))
    reason = reason.strip()
    if not reason:
        raise _fail("reason", "Say why the series is cancelled; participants and leaders will see it.")
    series.is_cancelled = True
    series.save(update_fields=["is_cancelled"])
    for session in series.sessions.filter(starts_at__gt=timezone.now(), status=SessionStatus.SCHEDULED):
        _cancel(session, reason)
    return series


# --- single sessions: every change touches one row only --------------------------------------------


def _local_start(series: GroupSeries, when: datetime) -> datetime:
    """A naive local clock time placed in the series' zone; an aware one is kept as it is."""
    return when.replace(tzinfo=series.zone) if when.tzinfo is None else when


def _cancel(session: GroupSession, reason: str) -> None:
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason[:300]
    session.sequence += 1
    session.save()


@transaction.atomic
def cancel_session(by: User, session: GroupSession, reason: str) -> GroupSession:
    _require(can_manage_series(by, session.series))
    session = GroupSession.objects.select_for_update().select_related("series").get(pk=session.pk)
    if session.is_cancelled:
        raise _fail("status", "This session is already cancelled.")
    if not reason.strip():
        raise _fail("reason", "Say why the session is cancelled; participants and leaders will see it.")
    if session.attendance.exists():
        raise _fail("status", "Attendance has been taken for this session, so it was held; it cannot be cancelled.")
    _cancel(session, reason.strip())
    return session


@transaction.atomic
def reinstate_session(by: User, session: GroupSession) -> GroupSession:
    _require(can_manage_series(by, session.series))
    session = GroupSession.objects.select_for_update().select_related("series").get(pk=session.pk)
    if not session.is_cancelled:
        raise _fail("status", "This session is not cancelled.")
    if session.series.is_cancelled:
        raise _fail("status", "The whole series is cancelled.")
    session.status = SessionStatus.SCHEDULED
    session.cancel_reason = ""
    session.sequence += 1
    session.save()
    return session


@transaction.atomic
def move_session(
    by: User, session: GroupSession, new_start: datetime, duration_minutes: int | None = None
) -> GroupSession:
    """Moves one session (a naive time is the series' local clock). The others stay where they are."""
    _require(can_manage_series(by, session.series))
    session = GroupSession.objects.select_for_update().select_related("series").get(pk=session.pk)
    start = _local_start(session.series, new_start)
    if session.is_cancelled:
        raise _fail("starts_at", "Reinstate the session before moving it.")
    if session.attendance.exists():
        raise _fail("starts_at", "Attendance has been taken for this session; it cannot move.")
    if start < timezone.now():
        raise _fail("starts_at", "A session cannot be moved into the past.")
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise _fail("duration_minutes", f"Sessions last 1 to {MAX_DURATION_MINUTES} minutes.")
    if session.original_starts_at is None:
        session.original_starts_at = session.starts_at
    session.starts_at = start
    if duration_minutes is not None:
        session.duration_minutes = duration_minutes
    session.sequence += 1
    session.save()
    return session


@transaction.atomic
def add_session(
    by: User, series: GroupSeries, start: datetime, *, topic: str = "", functions: list[str] | None = None
) -> GroupSession:
    """An extra session (a make-up meeting, a booster). It takes the next number in the series."""
    _require(can_manage_series(by, series))
    series = GroupSeries.objects.select_for_update().get(pk=series.pk)
    when = _local_start(series, start)
    if series.is_cancelled:
        raise _fail("starts_at", "The series is cancelled.")
    if when < timezone.now():
        raise _fail("starts_at", "A new session cannot be in the past.")
    if series.sessions.filter(starts_at=when).exists():
        raise _fail("starts_at", "The series already has a session at that time.")
    _check_functions(functions or [])
    number = (series.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
    session = GroupSession(
        series=series,
        number=number,
        starts_at=when,
        duration_minutes=series.duration_minutes,
        is_added=True,
        topic=topic.strip()[:200],
    )
    session.set_functions(functions or [])
    session.save()
    return session


def _check_functions(functions: list[str]) -> None:
    unknown = [f for f in functions if f not in FUNCTION_FIELDS]
    if unknown:
        raise _fail("functions", f"Unknown key function(s): {', '.join(unknown)}.")


@transaction.atomic
def edit_session_content(
    by: User,
    session: GroupSession,
    *,
    topic: str,
    description: str = "",
    functions: list[str],
    activities: list[str] | None = None,
) -> GroupSession:
    """The session's topic, notes, the key functions it served and its activities. Facilitators may edit
    them (what was actually covered), as well as managers."""
    _require(can_run_session(by, session.series), "Only the series' facilitators and managers can edit a session.")
    _check_functions(functions)
    unknown = [a for a in activities or [] if a not in ACTIVITY_BY_CODE]
    if unknown:
        raise _fail("activities", f"Unknown activities: {', '.join(unknown)}.")
    if len(topic.strip()) > 200:
        raise _fail("topic", "Keep the topic under 200 characters.")
    session.topic = topic.strip()
    session.description = description.strip()
    session.set_functions(functions)
    if activities is not None:
        session.activities = activities
    session.sequence += 1
    session.save()
    follow_up.refresh(list(session.attendance.values_list("enrollment_id", flat=True)))
    return session


# --- registration and the waiting list -----------------------------------------------------------


def _registrable_enrollment(series: GroupSeries, participant: Participant) -> Enrollment:
    enrollment = (
        Enrollment.objects.filter(participant=participant, program=series.program_id, status__in=REGISTRABLE_STATUSES)
        .order_by("-enrolled_on")
        .first()
    )
    if enrollment is None:
        raise _fail(
            "participant",
            f"{participant.full_name} has no open enrolment in {series.program.name}; enrol them first.",
        )
    return enrollment


@transaction.atomic
def register(by: User, series: GroupSeries, participant: Participant) -> Registration:
    """A place if one is free, otherwise the end of the waiting list. Registering someone who dropped
    out re-opens their row (their earlier attendance stays)."""
    _require(can_manage_series(by, series))
    series = GroupSeries.objects.select_for_update().select_related("program").get(pk=series.pk)
    if series.is_cancelled:
        raise _fail("series", "This series is cancelled.")
    if participant.organization_id != series.program.organization_id:
        raise _fail("participant", "This person belongs to another organization.")
    if not series.sessions.filter(status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now()).exists():
        raise _fail("series", "This series has no sessions left to join.")
    enrollment = _registrable_enrollment(series, participant)
    existing = Registration.objects.filter(series=series, participant=participant).first()
    if existing is not None and existing.status != RegistrationStatus.DROPPED:
        raise _fail("participant", f"{participant.full_name} is already {existing.get_status_display().lower()}.")
    registered = series.registrations.filter(status=RegistrationStatus.REGISTERED).count()
    status = RegistrationStatus.REGISTERED if registered < series.capacity else RegistrationStatus.WAITLISTED
    now = timezone.now()
    registration = existing or Registration(series=series, participant=participant, added_by=by)
    registration.enrollment = enrollment
    registration.status = status
    registration.joined_at = now
    registration.promoted_at = None
    registration.dropped_at = None
    registration.drop_reason = ""
    registration.added_by = by
    registration.save()
    return registration


@transaction.atomic
def drop(by: User, registration: Registration, reason: str = "") -> Registration:
    """Takes the person off the series (or the waiting list); the first person waiting takes the place."""
    _require(can_manage_series(by, registration.series))
    series = GroupSeries.objects.select_for_update().get(pk=registration.series_id)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status == RegistrationStatus.DROPPED:
        raise _fail("status", "Already dropped out.")
    registration.status = RegistrationStatus.DROPPED
    registration.dropped_at = timezone.now()
    registration.drop_reason = reason.strip()[:300]
    registration.save()
    _promote_waiting(by, series)
    return registration


def _promote_waiting(by: User, series: GroupSeries) -> list[Registration]:
    """Fills free places from the waiting list, first come first served. Precondition: the caller holds
    the series row lock (select_for_update) in the current transaction."""
    registered = series.registrations.filter(status=RegistrationStatus.REGISTERED).count()
    free = series.capacity - registered
    if free <= 0:
        return []
    waiting = list(series.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("joined_at", "id")[:free])
    now = timezone.now()
    for registration in waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
    Registration.objects.bulk_update(waiting, ["status", "promoted_at"])
    return waiting


# --- attendance ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceMark:
    registration_id: int
    status: str
    minutes_late: int = 0
    made_up_on: date | None = None
    note: str = ""


def _check_mark(
    session: GroupSession, registration: Registration | None, mark: AttendanceMark, today: date
) -> list[str]:
    if registration is None:
        return ["This person is not registered for the series."]
    who = registration.participant.full_name
    if registration.status == RegistrationStatus.WAITLISTED:
        return [f"{who} is on the waiting list, not registered; register them before taking attendance."]
    if registration.status == RegistrationStatus.DROPPED and (
        registration.dropped_at is None or registration.dropped_at <= session.starts_at
    ):
        return [f"{who} had dropped out before this session."]
    errors: list[str] = []
    if mark.status not in AttendanceStatus.values:
        errors.append(f"Unknown attendance status for {who}: {mark.status}.")
    if mark.minutes_late and mark.status != AttendanceStatus.PRESENT:
        errors.append(f"Only someone present can be late ({who}).")
    if not 0 <= mark.minutes_late <= MAX_MINUTES_LATE:
        errors.append(f"Minutes late for {who} must be 0 to {MAX_MINUTES_LATE}.")
    if mark.status == AttendanceStatus.MADE_UP:
        if mark.made_up_on is None:
            errors.append(f"When did {who} make up the session?")
        elif not session.starts_on <= mark.made_up_on <= today:
            errors.append(f"A make-up for {who} falls between the session and today.")
    elif mark.made_up_on is not None:
        errors.append(f"A make-up date only goes with the status 'made up' ({who}).")
    if len(mark.note) > 300:
        errors.append(f"Keep the note for {who} under 300 characters.")
    return errors


@transaction.atomic
def record_attendance(by: User, session: GroupSession, marks: list[AttendanceMark]) -> list[Attendance]:
    """Records (or corrects) attendance for one session: all marks or none. Updates each person's
    follow-up state (attendance delivers the session's functions)."""
    series = session.series
    _require(can_run_session(by, series), "Only the series' facilitators and managers take attendance.")
    if session.is_cancelled:
        raise _fail("session", "This session was cancelled; there is no attendance to take.")
    today = timezone.localdate(timezone=series.zone)
    if session.starts_on > today:
        raise _fail("session", f"This session is on {session.starts_on:%Y-%m-%d}; take attendance on the day.")
    if not marks:
        raise _fail("attendance", "Mark at least one person.")
    ids = [m.registration_id for m in marks]
    if len(set(ids)) != len(ids):
        raise _fail("attendance", "The same person is marked twice.")
    registrations = {
        r.pk: r for r in Registration.objects.filter(series=series, pk__in=ids).select_related("participant")
    }
    errors = [e for m in marks for e in _check_mark(session, registrations.get(m.registration_id), m, today)]
    if errors:
        raise ValidationError({"attendance": errors})
    now = timezone.now()
    existing = {a.registration_id: a for a in Attendance.objects.filter(session=session, registration_id__in=ids)}
    saved: list[Attendance] = []
    for mark in marks:
        registration = registrations[mark.registration_id]
        row = existing.get(mark.registration_id) or Attendance(
            session=session, registration=registration, enrollment_id=registration.enrollment_id
        )
        row.status = mark.status
        row.minutes_late = mark.minutes_late
        row.made_up_on = mark.made_up_on
        row.note = mark.note.strip()
        row.recorded_by = by
        row.recorded_at = now
        saved.append(row)
    Attendance.objects.bulk_create([row for row in saved if row.pk is None])
    Attendance.objects.bulk_update(
        [row for row in saved if row.pk is not None],
        ["status", "minutes_late", "made_up_on", "note", "recorded_by", "recorded_at"],
    )
    follow_up.refresh(sorted({registrations[m.registration_id].enrollment_id for m in marks}))
    return saved


def mark_one(by: User, session: GroupSession, registration_id: int, status: str, minutes_late: int = 0) -> Attendance:
    """One tap on the attendance screen."""
    return record_attendance(by, session, [AttendanceMark(registration_id, status, minutes_late)])[0]


# --- program settings: completion rules and curricula --------------------------------------------


@transaction.atomic
def save_completion_rule(by: User, program: Program, kind: str, min_attended: Any, of_sessions: Any) -> CompletionRule:
    _require(can_manage_series(by) and (by.is_superuser or program.organization_id == by.organization_id))
    if kind not in GroupKind.values:
        raise _fail("kind", "Choose group visit, self-management workshop or support group.")
    low, high = check_completion(min_attended, of_sessions)
    rule, _ = CompletionRule.objects.update_or_create(
        program=program, kind=kind, defaults={"min_attended": low, "of_sessions": high}
    )
    return rule


@dataclass(frozen=True)
class CurriculumSession:
    topic: str
    functions: list[str]
    description: str = ""
    activities: list[str] = field(default_factory=list)


@transaction.atomic
def save_curriculum(
    by: User,
    program: Program,
    kind: str,
    name: str,
    sessions: list[CurriculumSession],
    *,
    description: str = "",
    template: CurriculumTemplate | None = None,
) -> CurriculumTemplate:
    """Creates or replaces a program's curriculum template. Series already made from it keep their copy."""
    _require(can_manage_series(by) and (by.is_superuser or program.organization_id == by.organization_id))
    errors: dict[str, list[str]] = {}
    if kind not in GroupKind.values:
        errors["kind"] = ["Choose group visit, self-management workshop or support group."]
    name = name.strip()
    if not name:
        errors["name"] = ["A curriculum needs a name."]
    elif (
        CurriculumTemplate.objects.filter(program=program, name__iexact=name)
        .exclude(pk=template.pk if template else 0)
        .exists()
    ):
        errors["name"] = ["This program already has a curriculum with that name."]
    if not sessions:
        errors["sessions"] = ["A curriculum has at least one session."]
    for number, item in enumerate(sessions, start=1):
        if not item.topic.strip():
            errors.setdefault("sessions", []).append(f"Session {number} needs a topic.")
        if not item.functions:
            errors.setdefault("sessions", []).append(f"Session {number}: which key functions does it serve?")
        bad = [f for f in item.functions if f not in FUNCTION_FIELDS] + [
            a for a in item.activities if a not in ACTIVITY_BY_CODE
        ]
        if bad:
            errors.setdefault("sessions", []).append(f"Session {number}: unknown codes {', '.join(bad)}.")
    if errors:
        raise ValidationError(errors)
    if template is None:
        template = CurriculumTemplate.objects.create(program=program, kind=kind, name=name, description=description)
    else:
        template.kind, template.name, template.description = kind, name, description
        template.save()
        template.items.all().delete()
    items = []
    for number, item in enumerate(sessions, start=1):
        row = CurriculumItem(
            template=template,
            number=number,
            topic=item.topic.strip(),
            description=item.description.strip(),
            activities=list(item.activities),
        )
        row.set_functions(item.functions)
        items.append(row)
    CurriculumItem.objects.bulk_create(items)
    return template
