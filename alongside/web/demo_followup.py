"""Demo data for ongoing support (key function 4): a cadence for every program, follow-up rules, the
telephone program's call guides, call appointments and a few unanswered calls, then the full recompute.

Called by the demo loader (demo.py) once the people and contacts exist. Like the rest of the demo it is
dated from `now` and draws from a seeded Random, so two databases seeded the same day hold the same
records. It shapes the caseload of the "supporter" demo login so her Today list shows every kind of
line: overdue and due windows (from the published cadences), a promised call-back, a retry, repeated
unanswered calls, and appointments today and tomorrow.

Contacts and appointments are written directly rather than through contacts.services.log_contact and
followup.services.schedule_call, because those check dates against the wall clock and the demo may be
seeded for another day (tests seed it for New Year's Day or a leap day); the records obey the same
rules (tests check them with the services' own validation). Cadences, rules and guides go through the
services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alongside.accounts.models import Organization, Role, User
from alongside.contacts.models import Contact
from alongside.followup import engine, services
from alongside.followup.cadence import PRESET_BY_CODE
from alongside.followup.models import CallAppointment, FollowUpRules, FollowUpState
from alongside.people.models import Supporter
from alongside.programs.models import EnrollmentStatus, Program
from alongside.taxonomy import FUNCTION_FIELDS, Initiation, KeyFunction, Modality, Outcome
from alongside.web.demo_text import UNREACHED_NOTES

SUPPORTER_LOGIN = "supporter"

# The cadence preset for a program, by the first of its models found here (the seven models' numbers);
# programs delivering none of these get weekly reciprocal calls.
PRESET_BY_MODEL: tuple[tuple[int, str], ...] = (
    (6, "telephone_windows"),
    (3, "coaching_phases"),
    (4, "chw_fortnightly"),
    (5, "support_group_monthly"),
    (1, "support_group_monthly"),  # group visits meet monthly (domain-notes.md)
)
DEFAULT_PRESET = "reciprocal_weekly"

# Rules that differ from the defaults, per model, with why.
RULES_BY_MODEL: dict[int, dict[str, object]] = {
    6: {
        "retry_after_days": 2,  # a call window lasts days; give people a day's breathing room
        "max_failed_attempts": 3,
        "failed_attempts_window_days": 10,
        "no_contact_days": 60,  # windows are up to 50 days apart (days 70 -> 120)
        "never_contacted_days": 10,  # the first window closes on day 10
        "gap_linkage_days": 120,
        "quiet_start": "20:00",
        "quiet_end": "09:00",
    },
    3: {
        "no_contact_days": 35,  # monthly after the first 8 weeks, with a few days' grace
        "gap_daily_management_days": 30,  # coaching is about daily management: flag a month without it
        "gap_linkage_days": 90,
        "quiet_start": "21:00",
        "quiet_end": "08:30",
    },
}

CALL_GUIDE_EN_SCRIPT = """\
Hello, may I speak with [name]? This is [your name], your peer supporter from the Telephone Peer Support \
program at Riverside Community Health. Is this still a good time to talk for about 15 minutes?
If not: when would be better? Book it as a call appointment before you hang up.

I call as someone who lives with diabetes too, not as a nurse or a doctor. I can't tell you what is \
wrong or change your medicines, but I can listen, share what has worked for me and others, and help you \
reach your care team.

Closing: thank you for your time today. Agree when I will call next and the best time to reach you. \
If anything worries you before then, call your clinic; in an emergency call 911.

SAFETY: if they mention chest pain, confusion or shakiness with a low sugar, a reading under 70 or over \
300 mg/dL, a foot sore that looks infected, or any thought of suicide or self-harm: stay calm, stay on \
the line, raise a concern (emergency or urgent) and call your supervisor at once. Confidentiality ends \
where safety is threatened."""

CALL_GUIDE_EN_PROMPTS = """\
Daily management: how have your readings been since we last talked? What did you notice?
Daily management: last time you planned to [action plan]. How did it go? How sure are you, 0 to 10, \
that you can do it this week? (Below 7: make the plan smaller.)
Daily management: any trouble getting or taking your medicines? (Never advise a change: suggest the \
pharmacist or the clinic.)
Social and emotional: how are you feeling about living with diabetes right now? What has been hardest?
Social and emotional: who helps you at home? Have you been able to get out and see people?
Linkage: when is your next clinic visit or lab test? Do you need help with a ride, the cost, or \
questions to ask?
Linkage: would a community resource help (food pantry, walking group, support circle)?
Ongoing support: agree the next call and write it as the next contact due.
Safety check: any chest pain, very low or very high readings, foot problems, or feeling hopeless? \
If yes, escalate now."""

CALL_GUIDE_ES_SCRIPT = """\
Buenos días, ¿puedo hablar con [nombre]? Soy [su nombre], su compañera de apoyo del programa de Apoyo \
entre Pares por Teléfono de Riverside Community Health. ¿Es buen momento para hablar unos 15 minutos?
Si no: ¿cuándo le viene mejor? Anote una cita de llamada antes de colgar.

Le llamo como alguien que también vive con diabetes, no como enfermera ni médica. No puedo decirle qué \
tiene ni cambiar sus medicinas, pero puedo escucharle, compartir lo que nos ha servido a mí y a otras \
personas, y ayudarle a comunicarse con su equipo de salud.

Para cerrar: gracias por su tiempo hoy. Acuerden cuándo será la próxima llamada y la mejor hora para \
encontrarle. Si algo le preocupa antes, llame a su clínica; en una emergencia llame al 911.

SEGURIDAD: si menciona dolor de pecho, confusión o temblor con el azúcar baja, una lectura de menos de \
70 o de más de 300 mg/dL, una herida en el pie que parece infectada, o cualquier idea de suicidio o de \
hacerse daño: mantenga la calma, no cuelgue, registre una preocupación (emergencia o urgente) y llame a \
su supervisora de inmediato. La confidencialidad termina donde peligra la seguridad."""

CALL_GUIDE_ES_PROMPTS = """\
Manejo diario: ¿cómo han estado sus lecturas desde la última vez? ¿Qué notó?
Manejo diario: la vez pasada planeó [plan de acción]. ¿Cómo le fue? Del 0 al 10, ¿qué tan seguro/a \
está de poder hacerlo esta semana? (Menos de 7: haga el plan más pequeño.)
Manejo diario: ¿ha tenido problemas para conseguir o tomar sus medicinas? (Nunca aconseje cambios: \
sugiera hablar con la farmacia o la clínica.)
Apoyo social y emocional: ¿cómo se siente ahora con la diabetes? ¿Qué ha sido lo más difícil?
Apoyo social y emocional: ¿quién le ayuda en casa? ¿Ha podido salir y ver a otras personas?
Conexión con servicios: ¿cuándo es su próxima cita o análisis? ¿Necesita ayuda con el transporte, el \
costo o las preguntas para el médico?
Conexión con servicios: ¿le serviría un recurso de la comunidad (despensa de alimentos, grupo de \
caminata, círculo de apoyo)?
Apoyo continuo: acuerden la próxima llamada y anótela como próximo contacto.
Revisión de seguridad: ¿dolor de pecho, lecturas muy bajas o muy altas, problemas en los pies, o se \
siente sin esperanza? Si es así, escale ahora."""

PROMISE_NOTE = (
    "She called about high morning readings since her work shifts changed; we talked through breakfast "
    "options and she will ask the clinic nurse. I said I'd call back {day} to hear how the week went."
)
APPOINTMENT_NOTES = (
    "Asked for a call after her shift; best on the mobile.",
    "Booked the next window's call; his daughter will be there to help.",
)


@dataclass
class FollowUpDemo:
    """What was added, for the loader's tests."""

    cadences: dict[str, str] = field(default_factory=dict)  # program name -> preset
    contacts: list[Contact] = field(default_factory=list)
    appointments: list[CallAppointment] = field(default_factory=list)
    roles: dict[str, int] = field(default_factory=dict)  # "repeated_failures" etc. -> enrollment id


def preset_for(program: Program) -> str:
    models = set(program.model_numbers)
    return next((code for model, code in PRESET_BY_MODEL if model in models), DEFAULT_PRESET)


def load_follow_up(organization: Organization, *, now: datetime, seed: int) -> FollowUpDemo:
    return _Loader(organization, now, seed).load()


class _Loader:
    def __init__(self, organization: Organization, now: datetime, seed: int) -> None:
        self.org = organization
        self.now = now
        self.rng = random.Random(f"{seed}:followup")
        self.tz = ZoneInfo(organization.timezone)
        self.today = now.astimezone(self.tz).date()
        self.coordinator = User.objects.filter(organization=organization, role=Role.COORDINATOR).order_by("pk")[0]
        self.programs = list(Program.objects.filter(organization=organization).order_by("pk"))
        self.result = FollowUpDemo()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local time on `day`, never later than half an hour ago (the demo has no future contacts)."""
        return min(datetime.combine(day, time(hour, minute), self.tz), self.now - timedelta(minutes=30))

    def load(self) -> FollowUpDemo:
        self._policies()
        engine.recompute_all()
        self._shape_supporter_login()
        self._retries_elsewhere()
        Contact.objects.bulk_create(self.result.contacts)
        CallAppointment.objects.bulk_create(self.result.appointments)
        engine.recompute_all()
        return self.result

    # --- cadences, rules, call guides --------------------------------------------------------------

    def _policies(self) -> None:
        for program in self.programs:
            code = preset_for(program)
            services.save_cadence(self.coordinator, PRESET_BY_CODE[code].cadence, program=program, preset=code)
            self.result.cadences[program.name] = code
            rules = next((r for model, r in RULES_BY_MODEL.items() if model in program.model_numbers), None)
            if rules is not None:
                services.save_rules(self.coordinator, program, dict(rules))
            if 6 in program.model_numbers:
                guides = {"en": (CALL_GUIDE_EN_SCRIPT, CALL_GUIDE_EN_PROMPTS)}
                if "es" in program.languages:
                    guides["es"] = (CALL_GUIDE_ES_SCRIPT, CALL_GUIDE_ES_PROMPTS)
                for language, (script, prompts) in guides.items():
                    services.save_call_guide(self.coordinator, program, language, script, prompts)

    # --- the supporter login's Today list ----------------------------------------------------------

    def _states(self, supporter: Supporter | None = None) -> list[FollowUpState]:
        states = FollowUpState.objects.filter(
            program__organization=self.org, enrollment__status=EnrollmentStatus.ACTIVE, supporter__isnull=False
        ).select_related("enrollment", "program", "participant__organization", "supporter")
        if supporter is not None:
            states = states.filter(supporter=supporter)
        return sorted(states, key=lambda s: (s.enrolled_on, s.pk))

    def _is_due_or_overdue(self, state: FollowUpState) -> bool:
        return state.window_start is not None and state.window_start <= self.today

    def _has_follow_up_today(self, state: FollowUpState) -> bool:
        return any(day is not None and day <= self.today for day in (state.promised_on, state.retry_on)) or (
            state.appointment_at is not None and state.appointment_at.astimezone(self.tz).date() <= self.today
        )

    def _last_contact_day(self, state: FollowUpState) -> date | None:
        last = Contact.objects.filter(enrollment_id=state.pk).order_by("-occurred_on").first()
        return last.occurred_on if last else None

    def _quiet_since(self, state: FollowUpState, day: date) -> bool:
        """No contact of any kind on or after `day`, and enrolled before it: a contact added on `day`
        becomes the latest one."""
        last = self._last_contact_day(state)
        return state.enrolled_on < day and (last is None or last < day)

    def _shape_supporter_login(self) -> None:
        supporter = Supporter.objects.filter(organization=self.org, user__username=SUPPORTER_LOGIN).first()
        if supporter is None:
            return
        states = self._states(supporter)
        used: set[int] = set()
        today = self.today

        def pick(*preferences: list[FollowUpState]) -> FollowUpState | None:
            for candidates in preferences:
                for state in candidates:
                    if state.pk not in used:
                        used.add(state.pk)
                        return state
            return None

        # Calls are logged against the windows of the telephone program, so no extra calls there.
        untimed = [s for s in states if 6 not in s.program.model_numbers]
        late = sorted(
            (s for s in untimed if self._is_due_or_overdue(s) and self._quiet_since(s, today - timedelta(days=6))),
            key=lambda s: (s.window_end or today, s.pk),
        )
        repeated = pick(late)
        if repeated is not None:  # three unanswered calls in a week: over the default limit of 3 in 14 days
            for days_ago, hour, outcome in (
                (6, 10, Outcome.NO_ANSWER),
                (3, 17, Outcome.LEFT_MESSAGE),
                (1, 12, Outcome.NO_ANSWER),
            ):
                self._attempt(repeated, today - timedelta(days=days_ago), hour, outcome)
            self.result.roles["repeated_failures"] = repeated.pk

        not_yet_due = [s for s in untimed if not self._is_due_or_overdue(s)]
        retry_after = {
            r.program_id: r.retry_after_days for r in FollowUpRules.objects.filter(program__in=self.programs)
        }
        retry = pick(
            [s for s in not_yet_due if self._quiet_since(s, today - timedelta(days=retry_after.get(s.program_id, 1)))],
            [s for s in untimed if self._quiet_since(s, today - timedelta(days=retry_after.get(s.program_id, 1)))],
        )
        if retry is not None:  # one voicemail, due a retry today
            self._attempt(retry, today - timedelta(days=retry_after.get(retry.program_id, 1)), 18, Outcome.LEFT_MESSAGE)
            self.result.roles["retry"] = retry.pk

        promise_day = today - timedelta(days=4)
        promised = pick(
            [s for s in not_yet_due if self._quiet_since(s, promise_day)],
            [s for s in states if self._quiet_since(s, promise_day)],
        )
        if promised is not None:  # she called; the supporter promised to call back today
            self._promise(promised, promise_day)
            self.result.roles["promised"] = promised.pk

        # Today's appointment goes to someone not on the list for another reason, so it adds a line.
        idle = [s for s in states if not self._is_due_or_overdue(s) and not self._has_follow_up_today(s)]
        telephone = [s for s in states if 6 in s.program.model_numbers]
        today_state = pick([s for s in telephone if s in idle], idle, telephone, states)
        if today_state is not None:
            self._appointment(today_state, self._appointment_time(today), APPOINTMENT_NOTES[0])
            self.result.roles["appointment_today"] = today_state.pk
        tomorrow_state = pick(telephone, states)
        if tomorrow_state is not None:
            self._appointment(tomorrow_state, self._appointment_time(today + timedelta(days=1)), APPOINTMENT_NOTES[1])
            self.result.roles["appointment_tomorrow"] = tomorrow_state.pk

    def _retries_elsewhere(self) -> None:
        """Other supporters' telephone participants in their window, called two days ago without an
        answer: retries on their lists too (the call is inside the window, as the program logs them)."""
        login = Supporter.objects.filter(organization=self.org, user__username=SUPPORTER_LOGIN).first()
        day = self.today - timedelta(days=2)
        chosen = [
            s
            for s in self._states()
            if s.supporter != login
            and 6 in s.program.model_numbers
            and s.window_start is not None
            and s.window_start <= day
            and s.window_end is not None
            and s.window_end >= self.today
            and self._quiet_since(s, day)
        ][:2]
        for state in chosen:
            self._attempt(state, day, 11, Outcome.NO_ANSWER)

    # --- records -----------------------------------------------------------------------------------

    def _contact(self, state: FollowUpState, occurred_at: datetime, outcome: str) -> Contact:
        supporter = state.supporter
        assert supporter is not None  # _states() keeps only rows with a supporter
        contact = Contact(
            participant=state.participant,
            enrollment=state.enrollment,
            supporter=supporter,
            recorded_by_id=supporter.user_id,
            occurred_at=occurred_at,
            modality=Modality.PHONE_CALL,
            initiated_by=Initiation.PROACTIVE,
            outcome=outcome,
        )
        contact.occurred_on = contact.local_day()
        self.result.contacts.append(contact)
        return contact

    def _attempt(self, state: FollowUpState, day: date, hour: int, outcome: str) -> None:
        contact = self._contact(state, self.at(day, hour, self.rng.choice((5, 20, 35, 50))), outcome)
        contact.duration_minutes = 0 if outcome == Outcome.NO_ANSWER else 1
        contact.note = self.rng.choice(UNREACHED_NOTES[outcome])

    def _promise(self, state: FollowUpState, day: date) -> None:
        contact = self._contact(state, self.at(day, 15, 20), Outcome.REACHED)
        contact.initiated_by = Initiation.PARTICIPANT
        contact.duration_minutes = 15
        functions = (KeyFunction.DAILY_MANAGEMENT.value, KeyFunction.SOCIAL_EMOTIONAL.value)
        activities: list[str] = []
        for function in functions:
            setattr(contact, FUNCTION_FIELDS[function], True)
            activities += state.program.activities_for(function)[:1]
        contact.activities = activities
        contact.next_contact_due = self.today
        contact.note = PROMISE_NOTE.format(day=f"{self.today:%A}")

    def _appointment_time(self, day: date) -> datetime:
        """Late afternoon, participant's time; today, if that has passed, soon after now (still today)."""
        at = datetime.combine(day, time(16, 30), self.tz)
        if day == self.today and at <= self.now:
            soon = (self.now + timedelta(minutes=45)).astimezone(self.tz).replace(second=0, microsecond=0)
            at = soon if soon.date() == day else self.now
        return at

    def _appointment(self, state: FollowUpState, at: datetime, note: str) -> None:
        supporter = state.supporter
        assert supporter is not None
        self.result.appointments.append(
            CallAppointment(
                enrollment=state.enrollment, supporter=supporter, scheduled_for=at, note=note, created_by=supporter.user
            )
        )
