"""Built-in texts for every purpose, in English and Spanish, for SMS and email. A program or organization
that saves its own template replaces these; the variables are the ones messaging.templates allows.

Texts are short (one SMS segment where possible), say who is writing, and never contain health details:
a text can be read by anyone who picks up the phone.
"""

from __future__ import annotations

from alongside.messaging.models import Channel, Purpose
from alongside.taxonomy import KeyFunction

ONGOING = KeyFunction.ONGOING.value
LINKAGE = KeyFunction.LINKAGE.value
DAILY = KeyFunction.DAILY_MANAGEMENT.value
SOCIAL = KeyFunction.SOCIAL_EMOTIONAL.value

# The key functions a purpose's messages serve unless a saved template says otherwise: every reminder is
# proactive follow-up over time; a referral reminder is also linkage; a check-in prompts self-monitoring.
DEFAULT_FUNCTIONS: dict[str, tuple[str, ...]] = {
    Purpose.SESSION_REMINDER: (ONGOING,),
    Purpose.CALL_REMINDER: (ONGOING,),
    Purpose.FOLLOW_UP_REMINDER: (ONGOING,),
    Purpose.REFERRAL_REMINDER: (LINKAGE, ONGOING),
    Purpose.CHECK_IN: (DAILY, ONGOING),
    Purpose.DIRECT: (SOCIAL,),
    Purpose.SEQUENCE: (DAILY,),
    Purpose.KEYWORD_REPLY: (),
}

# Email programs have a one-click unsubscribe link per membership; reminders belong to the person's support,
# so stopping them is a consent change a supporter records (people.services.record_consent).
_UNSUBSCRIBE = {
    "en": "\n\nTo stop these emails: {{ unsubscribe_url }}",
    "es": "\n\nPara dejar de recibir estos correos: {{ unsubscribe_url }}",
}
_STOP_REMINDERS = {
    "en": "\n\nTo stop these reminders, reply to this email or tell your supporter.",
    "es": "\n\nPara dejar de recibir estos recordatorios, responda a este correo o dígaselo a su acompañante.",
}

# (purpose, language) -> (email subject, body). The SMS text is the body; the email adds the unsubscribe line.
TEXTS: dict[tuple[str, str], tuple[str, str]] = {
    (Purpose.SESSION_REMINDER, "en"): (
        "Reminder: {{ series }} on {{ session_date }}",
        "Hi {{ first_name }}, a reminder from {{ program }}: {{ series }} meets {{ session_date }} at "
        "{{ session_time }}, {{ venue }}. See you there!",
    ),
    (Purpose.SESSION_REMINDER, "es"): (
        "Recordatorio: {{ series }} el {{ session_date }}",
        "Hola {{ first_name }}, le recordamos de {{ program }}: {{ series }} se reúne el {{ session_date }} a las "
        "{{ session_time }}, {{ venue }}. ¡Le esperamos!",
    ),
    (Purpose.CALL_REMINDER, "en"): (
        "Your call with {{ supporter_first_name }}",
        "Hi {{ first_name }}, {{ supporter_first_name }} from {{ program }} will call you {{ call_date }} at "
        "{{ call_time }}.",
    ),
    (Purpose.CALL_REMINDER, "es"): (
        "Su llamada con {{ supporter_first_name }}",
        "Hola {{ first_name }}, {{ supporter_first_name }} de {{ program }} le llamará el {{ call_date }} a las "
        "{{ call_time }}.",
    ),
    (Purpose.FOLLOW_UP_REMINDER, "en"): (
        "{{ supporter_first_name }} will be in touch today",
        "Hi {{ first_name }}, {{ supporter_first_name }} from {{ program }} will be in touch with you today.",
    ),
    (Purpose.FOLLOW_UP_REMINDER, "es"): (
        "{{ supporter_first_name }} se pondrá en contacto hoy",
        "Hola {{ first_name }}, {{ supporter_first_name }} de {{ program }} se pondrá en contacto con usted hoy.",
    ),
    (Purpose.REFERRAL_REMINDER, "en"): (
        "Your appointment tomorrow: {{ referral_to }}",
        "Hi {{ first_name }}, a reminder from {{ program }}: your appointment with {{ referral_to }} is "
        "{{ appointment_date }} at {{ appointment_time }}.",
    ),
    (Purpose.REFERRAL_REMINDER, "es"): (
        "Su cita de mañana: {{ referral_to }}",
        "Hola {{ first_name }}, le recordamos de {{ program }}: su cita con {{ referral_to }} es el "
        "{{ appointment_date }} a las {{ appointment_time }}.",
    ),
    (Purpose.CHECK_IN, "en"): (
        "Your weekly check-in",
        "Hi {{ first_name }}, it's check-in day with {{ program }}. How are you doing? Log your readings and "
        "your action plan progress, or reply to this message.",
    ),
    (Purpose.CHECK_IN, "es"): (
        "Su revisión semanal",
        "Hola {{ first_name }}, hoy es día de revisión con {{ program }}. ¿Cómo está? Anote sus mediciones y "
        "cómo va su plan de acción, o responda a este mensaje.",
    ),
    (Purpose.DIRECT, "en"): (
        "A message from {{ supporter_first_name }}",
        "Hi {{ first_name }}, this is {{ supporter_first_name }} from {{ program }}.",
    ),
    (Purpose.DIRECT, "es"): (
        "Un mensaje de {{ supporter_first_name }}",
        "Hola {{ first_name }}, le escribe {{ supporter_first_name }} de {{ program }}.",
    ),
    (Purpose.SEQUENCE, "en"): (
        "News from {{ program }}",
        "Hi {{ first_name }}, here is this week's note from {{ program }}.",
    ),
    (Purpose.SEQUENCE, "es"): (
        "Noticias de {{ program }}",
        "Hola {{ first_name }}, esta es la nota de esta semana de {{ program }}.",
    ),
    (Purpose.KEYWORD_REPLY, "en"): (
        "{{ program }}",
        "{{ program }}: reply STOP to stop texts, START to receive them again, HELP for help.",
    ),
    (Purpose.KEYWORD_REPLY, "es"): (
        "{{ program }}",
        "{{ program }}: responda STOP para dejar de recibir mensajes, START para volver a recibirlos, HELP para ayuda.",
    ),
}

DEFAULT_LANGUAGES = ("en", "es")


def default_text(purpose: str, language: str, channel: str) -> tuple[str, str] | None:
    """(subject, body) of the built-in text, or None when there is none in that language. SMS has no subject."""
    found = TEXTS.get((purpose, language))
    if found is None:
        return None
    subject, body = found
    if channel == Channel.EMAIL:
        footer = _UNSUBSCRIBE if purpose == Purpose.SEQUENCE else _STOP_REMINDERS
        return subject, body + footer[language]
    return "", body
