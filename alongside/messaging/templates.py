"""Message templates: the variables each purpose may use, checking a template before it is saved, choosing
the template for a participant (program, then organization-wide, then the built-in default; in their
language, else English) and rendering it.

Placeholders are `{{ name }}`. Rendering is plain substitution, not the Django template language: texts
and emails are written by coordinators, so they must not be able to reach anything but the fixed list of
values the reminder code passes (no attribute look-ups, no tags, no filters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alongside.accounts.models import User
from alongside.messaging.defaults import DEFAULT_FUNCTIONS, default_text
from alongside.messaging.models import Channel, MessageTemplate, Purpose
from alongside.people.access import can_manage
from alongside.programs.models import Program
from alongside.taxonomy import FUNCTION_FIELDS, LANGUAGE_NAMES

FALLBACK_LANGUAGE = "en"

COMMON_VARIABLES = ("first_name", "program")
# The values each purpose's messages are given (reminders.py passes exactly these).
PURPOSE_VARIABLES: dict[str, tuple[str, ...]] = {
    Purpose.SESSION_REMINDER: (*COMMON_VARIABLES, "series", "session_date", "session_time", "venue"),
    Purpose.CALL_REMINDER: (*COMMON_VARIABLES, "supporter_first_name", "call_date", "call_time"),
    Purpose.FOLLOW_UP_REMINDER: (*COMMON_VARIABLES, "supporter_first_name"),
    Purpose.REFERRAL_REMINDER: (*COMMON_VARIABLES, "referral_to", "appointment_date", "appointment_time"),
    Purpose.CHECK_IN: COMMON_VARIABLES,
    Purpose.DIRECT: (*COMMON_VARIABLES, "supporter_first_name"),
    Purpose.SEQUENCE: COMMON_VARIABLES,
    Purpose.KEYWORD_REPLY: ("program",),
}
# Only email programs have a one-click unsubscribe link (per membership, messaging.unsubscribe).
# The purposes whose messages are made from these templates today (messaging.reminders). Direct texts are
# written by the supporter, email programs have their own steps and keyword replies are fixed by carriers'
# rules, so templates for them would never be used: they are refused rather than saved and ignored.
TEMPLATED_PURPOSES: tuple[str, ...] = (
    Purpose.SESSION_REMINDER,
    Purpose.CALL_REMINDER,
    Purpose.FOLLOW_UP_REMINDER,
    Purpose.REFERRAL_REMINDER,
    Purpose.CHECK_IN,
)
EMAIL_VARIABLES: dict[str, tuple[str, ...]] = {Purpose.SEQUENCE: ("unsubscribe_url",)}

# Sample values for the preview page.
SAMPLE_VALUES: dict[str, str] = {
    "first_name": "Maria",
    "program": "Diabetes Peer Support",
    "series": "Living Well with Diabetes",
    "session_date": "Tuesday 3 March",
    "session_time": "6:00 PM",
    "venue": "Riverside Library, Room 2",
    "supporter_first_name": "Sofia",
    "call_date": "Wednesday 4 March",
    "call_time": "10:30 AM",
    "referral_to": "Eastside Community Clinic",
    "appointment_date": "Thursday 5 March",
    "appointment_time": "9:15 AM",
    "unsubscribe_url": "https://example.org/messaging/unsubscribe/sample",
}

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# Anything brace-like left after the well-formed placeholders are taken out is a typo.
STRAY_BRACES = re.compile(r"\{\{|\}\}|\{%|%\}")

SMS_MAX_CHARS = 640  # four segments; longer texts arrive in pieces or not at all on some phones
SUBJECT_MAX_CHARS = 200


def allowed_variables(purpose: str, channel: str) -> tuple[str, ...]:
    base = PURPOSE_VARIABLES.get(purpose, COMMON_VARIABLES)
    return (*base, *EMAIL_VARIABLES.get(purpose, ())) if channel == Channel.EMAIL else base


def placeholder_errors(text: str, allowed: Iterable[str]) -> list[str]:
    """What is wrong with the placeholders in `text`, in words a coordinator can act on (empty: nothing)."""
    allowed_set = set(allowed)
    errors: list[str] = []
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in allowed_set})
    if unknown:
        errors.append(
            f"Unknown variable{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Use one of: {', '.join(sorted(allowed_set))}."
        )
    leftover = PLACEHOLDER.sub("", text)
    stray = STRAY_BRACES.search(leftover)
    if stray is not None:
        start = max(stray.start() - 15, 0)
        errors.append(
            f"Malformed placeholder near “{leftover[start : stray.end() + 15].strip()}”: "
            "write variables as {{ name }} with letters, digits and underscores only."
        )
    return errors


def render(text: str, values: Mapping[str, str]) -> str:
    """Substitutes every {{ name }}. Precondition: the text passed placeholder_errors (a name without a
    value renders as nothing rather than failing a batch of reminders)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), text)


# ---- choosing the template ----


@dataclass(frozen=True)
class Chosen:
    """The text a message is made from: a saved template (template_id) or a built-in default."""

    subject: str
    body: str
    template_id: int | None
    functions: tuple[str, ...]
    language: str

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        return render(self.subject, values), render(self.body, values)


def template_functions(template: MessageTemplate) -> tuple[str, ...]:
    return tuple(code for code, field in FUNCTION_FIELDS.items() if getattr(template, field))


def _from_template(template: MessageTemplate) -> Chosen:
    return Chosen(template.subject, template.body, template.pk, template_functions(template), template.language)


class TemplateBook:
    """The saved templates of one purpose, loaded once (one query) and looked up per participant, so a
    batch of reminders does not query per message."""

    def __init__(self, purpose: str, organization_ids: Iterable[int]) -> None:
        self.purpose = purpose
        self.saved: dict[tuple[int, int | None, str, str], MessageTemplate] = {
            (t.organization_id, t.program_id, t.language, t.channel): t
            for t in MessageTemplate.objects.filter(organization_id__in=set(organization_ids), purpose=purpose)
        }

    def choose(self, organization_id: int, program_id: int | None, language: str, channel: str) -> Chosen:
        """The program's template in the participant's language, else the organization-wide one, else the
        built-in default; when none exists in that language, the same search in English."""
        for lang in dict.fromkeys([language, FALLBACK_LANGUAGE]):
            for program in dict.fromkeys([program_id, None]):
                saved = self.saved.get((organization_id, program, lang, channel))
                if saved is not None:
                    return _from_template(saved)
            default = default_text(self.purpose, lang, channel)
            if default is not None:
                return Chosen(default[0], default[1], None, DEFAULT_FUNCTIONS[self.purpose], lang)
        raise LookupError(f"No built-in {channel} text for {self.purpose}.")  # defaults cover every purpose


def choose_template(organization_id: int, program_id: int | None, purpose: str, language: str, channel: str) -> Chosen:
    return TemplateBook(purpose, [organization_id]).choose(organization_id, program_id, language, channel)


# ---- formatting values in the participant's language ----

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


def format_date(day: date, language: str) -> str:
    if language == "es":
        return f"{WEEKDAYS['es'][day.weekday()]} {day.day} de {MONTHS['es'][day.month - 1]}"
    return f"{WEEKDAYS['en'][day.weekday()]} {day.day} {MONTHS['en'][day.month - 1]}"


def format_time(moment: datetime, language: str) -> str:
    """Local clock time: 24-hour in Spanish, 12-hour with AM/PM otherwise."""
    if language == "es":
        return moment.strftime("%H:%M")
    return moment.strftime("%I:%M %p").lstrip("0")


# ---- saving (the service the pages and the API call) ----


@dataclass(frozen=True)
class TemplateText:
    purpose: str
    language: str
    channel: str
    subject: str
    body: str
    functions: tuple[str, ...]
    program: Program | None = None


def check_template(text: TemplateText) -> dict[str, list[str]]:
    """Every problem with a template, by field (empty: it can be saved)."""
    errors: dict[str, list[str]] = {}
    if text.purpose not in Purpose.values:
        errors["purpose"] = [f"Unknown purpose: {text.purpose}."]
    elif text.purpose not in TEMPLATED_PURPOSES:
        errors["purpose"] = [f"{Purpose(text.purpose).label} messages are not made from templates."]
    if text.channel not in Channel.values:
        errors["channel"] = [f"Unknown channel: {text.channel}."]
    if text.language not in LANGUAGE_NAMES:
        errors["language"] = [f"Unknown language: {text.language}."]
    unknown_functions = sorted(set(text.functions) - set(FUNCTION_FIELDS))
    if unknown_functions:
        errors["functions"] = [f"Unknown key function: {', '.join(unknown_functions)}."]
    if errors:
        return errors
    allowed = allowed_variables(text.purpose, text.channel)
    if not text.body.strip():
        errors["body"] = ["Write the message."]
    else:
        body_errors = placeholder_errors(text.body, allowed)
        if body_errors:
            errors["body"] = body_errors
        elif text.channel == Channel.SMS and len(text.body) > SMS_MAX_CHARS:
            errors["body"] = [f"A text message can be at most {SMS_MAX_CHARS} characters ({len(text.body)} now)."]
    if text.channel == Channel.SMS and text.subject.strip():
        errors["subject"] = ["Text messages have no subject; leave it blank."]
    elif text.channel == Channel.EMAIL:
        if not text.subject.strip():
            errors["subject"] = ["An email needs a subject."]
        elif len(text.subject) > SUBJECT_MAX_CHARS:
            errors["subject"] = [f"At most {SUBJECT_MAX_CHARS} characters."]
        else:
            subject_errors = placeholder_errors(text.subject, allowed)
            if subject_errors:
                errors["subject"] = subject_errors
    return errors


def save_template(
    by: User, organization_id: int, text: TemplateText, template: MessageTemplate | None = None
) -> MessageTemplate:
    """Creates a template, or rewrites `template` (its purpose, language, channel and program stay).
    Precondition: the caller checked that `template` and `text.program` are in `by`'s scope.
    Raises ValidationError {field: [messages]} and saves nothing when any field is wrong."""
    if not can_manage(by) or (not by.is_superuser and by.organization_id != organization_id):
        raise ValidationError({"__all__": ["Only administrators and coordinators may change message templates."]})
    if template is not None:
        text = TemplateText(
            template.purpose,
            template.language,
            template.channel,
            text.subject,
            text.body,
            text.functions,
            template.program,
        )
    errors = check_template(text)
    program_id = text.program.pk if text.program is not None else None
    if text.program is not None and text.program.organization_id != organization_id:
        errors.setdefault("program", []).append("That program belongs to another organization.")
    if template is None and not errors:
        clash = MessageTemplate.objects.filter(
            organization_id=organization_id,
            program__isnull=program_id is None,
            purpose=text.purpose,
            language=text.language,
            channel=text.channel,
        )
        if program_id is not None:
            clash = clash.filter(program_id=program_id)
        if clash.exists():
            errors["__all__"] = ["There is already a template for this purpose, language and channel; edit it."]
    if errors:
        raise ValidationError(errors)
    row = template or MessageTemplate(
        organization_id=organization_id,
        program_id=program_id,
        purpose=text.purpose,
        language=text.language,
        channel=text.channel,
    )
    row.subject = text.subject.strip() if text.channel == Channel.EMAIL else ""
    row.body = text.body.strip()
    row.updated_by = by
    for code, field in FUNCTION_FIELDS.items():
        setattr(row, field, code in text.functions)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:  # a concurrent save of the same purpose, language and channel
        raise ValidationError(
            {"__all__": ["There is already a template for this purpose, language and channel; edit it."]}
        ) from error
    return row


SAMPLE_SESSION = datetime(2026, 3, 3, 18, 0)
SAMPLE_CALL = datetime(2026, 3, 4, 10, 30)
SAMPLE_APPOINTMENT = datetime(2026, 3, 5, 9, 15)


def sample_values(language: str) -> dict[str, str]:
    """The sample values, with dates and times written as messages in `language` write them."""
    return {
        **SAMPLE_VALUES,
        "session_date": format_date(SAMPLE_SESSION.date(), language),
        "session_time": format_time(SAMPLE_SESSION, language),
        "call_date": format_date(SAMPLE_CALL.date(), language),
        "call_time": format_time(SAMPLE_CALL, language),
        "appointment_date": format_date(SAMPLE_APPOINTMENT.date(), language),
        "appointment_time": format_time(SAMPLE_APPOINTMENT, language),
    }


def preview(text: TemplateText) -> tuple[str, str]:
    """Subject and body rendered with the sample values. Precondition: check_template found nothing."""
    values = sample_values(text.language)
    return render(text.subject, values), render(text.body, values)
