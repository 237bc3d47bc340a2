"""Forms for the group series pages. They parse what a person typed into the values the services take;
the services do the real checking (and raise ValidationError that the views show beside the fields)."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from alongside.accounts.models import Role, User
from alongside.groups import recurrence
from alongside.groups.models import (
    DEFAULT_CAPACITY,
    DEFAULT_DURATION_MINUTES,
    AttendanceStatus,
    CurriculumTemplate,
    FacilitatorRole,
    GroupKind,
    GroupSeries,
    GroupSession,
)
from alongside.groups.services import MAX_MINUTES_LATE, SeriesInput
from alongside.people.models import Participant
from alongside.programs.models import Program
from alongside.taxonomy import ACTIVITY_BY_CODE, LANGUAGE_CHOICES, KeyFunction
from alongside.web.forms import ChipsMultiple, add_service_errors

# Rows of (person, role) on the series forms: a workshop has two leaders, a group visit a clinician and
# a peer or two; four rows leave room without JavaScript to add rows.
FACILITATOR_ROWS = 4
CUSTOM_DATE_FORMAT = "%Y-%m-%d %H:%M"


@cache
def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def show_service_errors(form: forms.Form, error: ValidationError, renamed: dict[str, str] | None = None) -> None:
    """A service's errors on the form, with the service's field names mapped onto the form's."""
    if hasattr(error, "error_dict") and renamed:
        error = ValidationError({renamed.get(key, key): value for key, value in error.message_dict.items()})
    add_service_errors(form, error)


class FacilitatorChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        kind = "clinician" if obj.role == Role.PROFESSIONAL else "peer supporter"
        return f"{obj.display_name} ({kind})"


class CurriculumChoiceField(forms.ModelChoiceField[CurriculumTemplate]):
    def label_from_instance(self, obj: CurriculumTemplate) -> str:
        return f"{obj.name} ({obj.program.name}, {GroupKind(obj.kind).label.lower()})"


class ParticipantChoiceField(forms.ModelChoiceField[Participant]):
    def label_from_instance(self, obj: Participant) -> str:
        return obj.full_name


def facilitator_candidates(organization_id: int | None) -> QuerySet[User]:
    """Who can lead a group: the organization's active supporters and professionals."""
    return User.objects.filter(
        organization=organization_id, is_active=True, role__in=(Role.SUPPORTER, Role.PROFESSIONAL)
    ).order_by("first_name", "last_name", "pk")


class FacilitatorRowsMixin(forms.Form):
    """FACILITATOR_ROWS pairs of fields: a person and their role. A row with nobody chosen is ignored."""

    def add_facilitator_rows(self, candidates: QuerySet[User], current: list[tuple[User, str]]) -> None:
        for i in range(1, FACILITATOR_ROWS + 1):
            self.fields[f"facilitator_{i}"] = FacilitatorChoiceField(
                queryset=candidates, required=False, empty_label="Nobody", label=f"Facilitator {i}"
            )
            self.fields[f"role_{i}"] = forms.ChoiceField(
                choices=[("", "Choose a role"), *FacilitatorRole.choices], required=False, label="Role"
            )
            if not self.is_bound and i <= len(current):
                user, role = current[i - 1]
                self.initial[f"facilitator_{i}"] = user.pk
                self.initial[f"role_{i}"] = role

    def facilitator_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(i, self[f"facilitator_{i}"], self[f"role_{i}"]) for i in range(1, FACILITATOR_ROWS + 1)]

    def clean_facilitators(self, data: dict[str, Any]) -> list[tuple[User, str]]:
        chosen: list[tuple[User, str]] = []
        for i in range(1, FACILITATOR_ROWS + 1):
            user, role = data.get(f"facilitator_{i}"), data.get(f"role_{i}")
            if user is None:
                continue
            if not role:
                self.add_error(f"role_{i}", f"Choose {user.display_name}'s role.")
                continue
            chosen.append((user, role))
        return chosen


class SeriesForm(FacilitatorRowsMixin):
    """A new series: what it is, where, and its schedule (a common pattern, custom dates, or a raw rule)."""

    program = forms.ModelChoiceField(queryset=Program.objects.none(), empty_label=None, label="Program")
    kind = forms.ChoiceField(choices=GroupKind.choices, label="Kind of series")
    title = forms.CharField(max_length=200, label="Title")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Description")
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, initial="en", label="Language")
    venue = forms.CharField(required=False, max_length=300, label="Venue", help_text="Where it meets in person.")
    online_url = forms.CharField(
        required=False,
        max_length=200,
        label="Online link",
        help_text="Video link, for online sessions.",
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    capacity = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=500,
        label="Places",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    duration_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        label="Session length (minutes)",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    timezone = forms.ChoiceField(choices=(), label="Time zone", help_text="Session times are clock times in this zone.")
    curriculum = CurriculumChoiceField(
        queryset=CurriculumTemplate.objects.none(),
        required=False,
        empty_label="None: topics added later",
        label="Curriculum",
        help_text="Its topics and key functions are copied onto the sessions, by number.",
    )
    pattern = forms.ChoiceField(choices=recurrence.PATTERN_CHOICES, initial=recurrence.Pattern.WEEKLY, label="Repeats")
    first_day = forms.DateField(required=False, label="First session", widget=forms.DateInput(attrs={"type": "date"}))
    first_time = forms.TimeField(
        required=False, label="Starts at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    count = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=recurrence.MAX_SESSIONS,
        initial=6,
        label="Number of sessions",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    custom_dates = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-03-03 18:00\n2026-03-10 18:00"}),
        label="Custom dates",
        help_text="With 'Custom dates': one session per line, YYYY-MM-DD HH:MM.",
    )
    rrule = forms.CharField(
        required=False,
        max_length=500,
        label="Recurrence rule (RFC 5545)",
        help_text="Advanced: replaces the pattern, from the first session, e.g. FREQ=WEEKLY;BYDAY=TU,TH;COUNT=12.",
    )

    # The service's names for what this form calls otherwise.
    SERVICE_FIELDS = {"first_session": "first_day", "dates": "custom_dates"}

    def __init__(
        self,
        *args: Any,
        programs: QuerySet[Program],
        organization_zone: str,
        organization_id: int | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)
        program_field.queryset = programs
        curriculum_field = self.fields["curriculum"]
        assert isinstance(curriculum_field, forms.ModelChoiceField)
        curriculum_field.queryset = CurriculumTemplate.objects.filter(program__in=programs).select_related("program")
        zone_field = self.fields["timezone"]
        assert isinstance(zone_field, forms.ChoiceField)
        zone_field.choices = zone_choices()
        self.initial.setdefault("timezone", organization_zone)
        if self.initial.get("kind") not in GroupKind.values:
            self.initial["kind"] = GroupKind.WORKSHOP
        kind = self.initial["kind"]
        self.fields["capacity"].help_text = "Blank for the usual size: " + ", ".join(
            f"{GroupKind(k).label.lower()} {n}" for k, n in DEFAULT_CAPACITY.items()
        )
        self.fields["duration_minutes"].help_text = "Blank for the usual length: " + ", ".join(
            f"{GroupKind(k).label.lower()} {n}" for k, n in DEFAULT_DURATION_MINUTES.items()
        )
        if not self.is_bound:
            self.initial.setdefault("capacity", DEFAULT_CAPACITY[kind])
            self.initial.setdefault("duration_minutes", DEFAULT_DURATION_MINUTES[kind])
        self.add_facilitator_rows(facilitator_candidates(organization_id), [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["facilitators"] = self.clean_facilitators(data)
        data["first_session"], data["recurrence"], data["dates"] = self._schedule(data)
        return data

    def _schedule(self, data: dict[str, Any]) -> tuple[datetime | None, str, list[datetime]]:
        """(first session, rule, custom dates) from whichever way the schedule was given."""
        day: date | None = data.get("first_day")
        at: time | None = data.get("first_time")
        first = datetime.combine(day, at) if day and at else None
        rule = (data.get("rrule") or "").strip()
        pattern = data.get("pattern")
        if rule:
            if first is None:
                self.add_error("first_day", "Give the first session's date and time; the rule counts from it.")
            return first, rule, []
        if pattern == recurrence.Pattern.CUSTOM:
            return None, "", self._custom_dates(data.get("custom_dates") or "")
        if day is None:
            self.add_error("first_day", "When is the first session?")
        if at is None and "first_time" not in self.errors:
            self.add_error("first_time", "What time does it start?")
        count = data.get("count")
        if count is None and "count" not in self.errors:
            self.add_error("count", "How many sessions?")
        if first is None or count is None or not pattern:
            return None, "", []
        return first, recurrence.rule_for(pattern, first, count), []

    def _custom_dates(self, text: str) -> list[datetime]:
        dates: list[datetime] = []
        bad: list[str] = []
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                dates.append(datetime.strptime(line, CUSTOM_DATE_FORMAT))
            except ValueError:
                bad.append(line)
        if bad:
            self.add_error("custom_dates", f"Not a date and time (YYYY-MM-DD HH:MM): {', '.join(bad)}.")
        elif not dates:
            self.add_error("custom_dates", "Give at least one session date, one per line.")
        return dates

    def series_input(self) -> SeriesInput:
        data = self.cleaned_data
        kind = data["kind"]
        return SeriesInput(
            program=data["program"],
            kind=kind,
            title=data["title"],
            first_session=data["first_session"],
            recurrence=data["recurrence"],
            custom_dates=data["dates"],
            description=data.get("description", ""),
            language=data["language"],
            venue=data.get("venue", ""),
            online_url=(data.get("online_url") or "").strip(),
            capacity=data["capacity"] if data.get("capacity") is not None else DEFAULT_CAPACITY[kind],
            timezone=data["timezone"],
            duration_minutes=(
                data["duration_minutes"] if data.get("duration_minutes") is not None else DEFAULT_DURATION_MINUTES[kind]
            ),
            curriculum=data.get("curriculum"),
            facilitators=data["facilitators"],
        )

    def show_errors(self, error: ValidationError) -> None:
        renamed = dict(self.SERVICE_FIELDS)
        # A bad rule belongs beside the field it came from: the raw rule, or the pattern.
        renamed["recurrence"] = "rrule" if (self.cleaned_data.get("rrule") or "").strip() else "pattern"
        show_service_errors(self, error, renamed)


class SeriesEditForm(FacilitatorRowsMixin):
    """What can change once a series exists (the schedule changes session by session)."""

    title = forms.CharField(max_length=200, label="Title")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Description")
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, label="Language")
    venue = forms.CharField(required=False, max_length=300, label="Venue")
    online_url = forms.CharField(
        required=False, max_length=200, label="Online link", widget=forms.URLInput(attrs={"inputmode": "url"})
    )
    capacity = forms.IntegerField(label="Places", widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    completion_min = forms.IntegerField(
        label="Completed when attended at least", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    completion_of = forms.IntegerField(
        label="of every … sessions", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )

    def __init__(self, *args: Any, series: GroupSeries, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(
                title=series.title,
                description=series.description,
                language=series.language,
                venue=series.venue,
                online_url=series.online_url,
                capacity=series.capacity,
                completion_min=series.completion_min_attended,
                completion_of=series.completion_of_sessions,
            )
        current = [(f.user, f.role) for f in series.facilitators.select_related("user").order_by("pk")]
        self.add_facilitator_rows(facilitator_candidates(series.program.organization_id), current)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["facilitators"] = self.clean_facilitators(data)
        return data

    def series_changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description", ""),
            "language": data["language"],
            "venue": data.get("venue", ""),
            "online_url": data.get("online_url", ""),
            "capacity": data["capacity"],
            "completion": (data["completion_min"], data["completion_of"]),
        }

    def show_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error, {"completion": "completion_min"})


class SessionTimeForm(forms.Form):
    """A new date and local clock time for a session (moving one, or adding one)."""

    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def local_start(self) -> datetime:
        """Naive: the services place it in the series' zone."""
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["at"])

    def show_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error, {"starts_at": "day", "duration_minutes": "at"})


class SessionAddForm(SessionTimeForm):
    topic = forms.CharField(required=False, max_length=200, label="Topic (optional)")


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Reason")

    def show_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error)


class SessionContentForm(forms.Form):
    """What a session covers: topic, notes, the key functions it serves and its activities."""

    topic = forms.CharField(required=False, max_length=200, label="Topic")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Notes")
    functions = forms.MultipleChoiceField(
        choices=KeyFunction.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Key functions served"
    )

    def __init__(self, *args: Any, session: GroupSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program = session.series.program
        if not self.is_bound:
            self.initial.update(topic=session.topic, description=session.description, functions=session.functions)
        # The program's own activities, plus any the session already has (so saving never drops one).
        for function in KeyFunction:
            codes = [c for c in program.activities_for(function.value) if c in ACTIVITY_BY_CODE]
            codes += [
                c
                for c in session.activities
                if c not in codes and c in ACTIVITY_BY_CODE and ACTIVITY_BY_CODE[c].function == function.value
            ]
            name = f"activities_{function.value}"
            self.fields[name] = forms.MultipleChoiceField(
                choices=[(c, ACTIVITY_BY_CODE[c].label) for c in codes],
                required=False,
                widget=ChipsMultiple,
                label=function.label,
            )
            if not self.is_bound:
                self.initial[name] = [c for c in session.activities if c in codes]

    def function_toggles(self) -> list[tuple[str, str, forms.BoundField]]:
        return [(f.value, f.label, self[f"activities_{f.value}"]) for f in KeyFunction]

    def activities(self) -> list[str]:
        return [code for f in KeyFunction for code in self.cleaned_data.get(f"activities_{f.value}", [])]

    def show_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error)


class RegisterForm(forms.Form):
    participant = ParticipantChoiceField(queryset=Participant.objects.none(), label="Participant")

    def __init__(self, *args: Any, candidates: QuerySet[Participant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates

    def show_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error, {"series": "participant"})


class DropForm(forms.Form):
    reason = forms.CharField(required=False, max_length=300, label="Reason (optional)")


class MarkForm(forms.Form):
    """One tap on the attendance screen (and its late / made-up variants)."""

    registration = forms.IntegerField()
    status = forms.ChoiceField(choices=AttendanceStatus.choices)
    minutes_late = forms.IntegerField(required=False, min_value=0, max_value=MAX_MINUTES_LATE)
    made_up_on = forms.DateField(required=False)

    def problems(self) -> str:
        """The form's errors as one sentence for the line."""
        labels = {"minutes_late": "Minutes late", "made_up_on": "Make-up date", "status": "Status"}
        return " ".join(
            f"{labels.get(field, field.replace('_', ' ').capitalize())}: {' '.join(str(e) for e in errors)}"
            for field, errors in self.errors.items()
        )
