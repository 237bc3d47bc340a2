"""Message templates: the list (for the organization, or one program), the edit page with a preview in sample
values, and nothing else: a template is created by editing the text a purpose, language and channel would
use today (the program's, the organization's, or the built-in default).

Pages are for organization-wide roles (administrators, coordinators, supervisors; others get a 404); saving
is for administrators and coordinators and goes through messaging.templates.save_template, which checks
every placeholder before writing. No participant data is shown, so there is no access log to write.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from alongside.accounts.models import User
from alongside.messaging.defaults import DEFAULT_LANGUAGES
from alongside.messaging.models import Channel, MessageTemplate, MessagingSettings, Purpose
from alongside.messaging.reminders import WEEKDAY_NAMES, save_reminder_settings, settings_for
from alongside.messaging.templates import (
    TEMPLATED_PURPOSES,
    TemplateBook,
    TemplateText,
    allowed_variables,
    check_template,
    preview,
    sample_values,
    save_template,
)
from alongside.people import access
from alongside.programs.models import Program
from alongside.taxonomy import LANGUAGE_NAMES, KeyFunction
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=200, required=False, label="Subject", help_text="Emails only.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Message", strip=False)
    functions = forms.MultipleChoiceField(
        choices=KeyFunction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Key functions these messages serve",
    )


class ReminderSettingsForm(forms.Form):
    """Collects what was typed; messaging.reminders.save_reminder_settings checks the ranges."""

    session_reminder_hours = forms.CharField(
        label="Group session reminder: hours before", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    call_reminder_hours = forms.CharField(
        label="Call reminder: hours before", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    daily_cap = forms.CharField(
        label="At most this many messages a day per person",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    check_in_weekday = forms.ChoiceField(
        label="Weekly self-monitoring check-in",
        choices=[("", "No weekly check-in"), *[(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)]],
        required=False,
    )

    @classmethod
    def for_settings(cls, row: MessagingSettings) -> ReminderSettingsForm:
        return cls(
            initial={
                "session_reminder_hours": row.session_reminder_hours,
                "call_reminder_hours": row.call_reminder_hours,
                "daily_cap": row.daily_cap,
                "check_in_weekday": "" if row.check_in_weekday is None else str(row.check_in_weekday),
            }
        )


def _program(user: User, raw: str | None) -> Program | None:
    """The program named in ?program= (in the user's scope, else 404), or None for organization-wide."""
    if not raw:
        return None
    return access.access_program(user, raw)


def _organization_id(user: User, program: Program | None) -> int:
    if program is not None:
        return program.organization_id
    if user.organization_id is None:
        raise Http404("Choose a program.")
    return user.organization_id


@dataclass(frozen=True)
class Cell:
    language: str
    language_name: str
    channel: str
    source: str  # "program", "organization" or "default"
    edit_url: str


def _source(chosen_template_id: int | None, saved: dict[int, MessageTemplate], program: Program | None) -> str:
    if chosen_template_id is None:
        return "default"
    template = saved[chosen_template_id]
    return "program" if program is not None and template.program_id == program.pk else "organization"


def _edit_url(program: Program | None, purpose: str, language: str, channel: str) -> str:
    query = f"purpose={purpose}&language={language}&channel={channel}"
    if program is not None:
        query += f"&program={program.pk}"
    return f"{reverse('messaging:template_edit')}?{query}"


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.is_organization_wide(user))
    return _list_page(request, user, _program(user, request.GET.get("program")))


def _list_page(
    request: HttpRequest, user: User, program: Program | None, settings_form: ReminderSettingsForm | None = None
) -> HttpResponse:
    if program is not None and settings_form is None:
        settings_form = ReminderSettingsForm.for_settings(settings_for(program))
    organization_id = _organization_id(user, program)
    languages = list(dict.fromkeys([*DEFAULT_LANGUAGES, *(program.languages if program else [])]))
    rows = []
    for purpose in map(Purpose, TEMPLATED_PURPOSES):
        book = TemplateBook(purpose.value, [organization_id])
        saved = {t.pk: t for t in book.saved.values()}
        cells = []
        for language in languages:
            for channel in Channel:
                chosen = book.choose(organization_id, program.pk if program else None, language, channel.value)
                cells.append(
                    Cell(
                        language,
                        LANGUAGE_NAMES.get(language, language),
                        channel.label,
                        _source(chosen.template_id, saved, program),
                        _edit_url(program, purpose.value, language, channel.value),
                    )
                )
        rows.append({"purpose": purpose, "cells": cells})
    return render(
        request,
        "messaging/template_list.html",
        {
            "program": program,
            "programs": access.programs_visible_to(user).order_by("name"),
            "rows": rows,
            "can_manage": access.can_manage(user),
            "settings_form": settings_form,
        },
    )


@login_required
@require_POST
def reminder_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    program = access.access_program(user, program_id)
    form = ReminderSettingsForm(request.POST)
    if form.is_valid():
        try:
            save_reminder_settings(user, program, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Reminder settings saved; they apply from the next reminders.")
            return redirect(reverse("messaging:templates") + f"?program={program.pk}")
    return _list_page(request, user, program, form)


def _choice(raw: str | None, values: list[str], noun: str) -> str:
    if raw not in values:
        raise Http404(f"No such {noun}.")
    assert raw is not None
    return raw


@login_required
def template_edit(request: HttpRequest) -> HttpResponse:
    """GET: the text this purpose, language and channel uses now, to edit. POST: save it as the program's (or
    the organization's) own template, or with "preview", only show it with sample values."""
    user = current_user(request)
    require(access.is_organization_wide(user))
    params = request.GET
    program = _program(user, params.get("program"))
    organization_id = _organization_id(user, program)
    purpose = _choice(params.get("purpose"), list(TEMPLATED_PURPOSES), "purpose")
    language = _choice(params.get("language"), list(LANGUAGE_NAMES), "language")
    channel = _choice(params.get("channel"), Channel.values, "channel")
    own = MessageTemplate.objects.filter(
        organization_id=organization_id,
        program=program,
        purpose=purpose,
        language=language,
        channel=channel,
    ).first()
    chosen = TemplateBook(purpose, [organization_id]).choose(
        organization_id, program.pk if program else None, language, channel
    )
    shown: tuple[str, str] | None = None
    if request.method == "POST":
        require(access.can_manage(user))
        form = TemplateForm(request.POST)
        if form.is_valid():
            text = TemplateText(
                purpose,
                language,
                channel,
                form.cleaned_data["subject"],
                form.cleaned_data["body"],
                tuple(form.cleaned_data["functions"]),
                program,
            )
            try:
                if "preview" in request.POST:
                    errors = check_template(text)
                    if errors:
                        raise ValidationError(errors)
                    shown = preview(text)
                else:
                    save_template(user, organization_id, text, own)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if shown is None:
                    messages.success(request, "Template saved; the next messages use it.")
                    query = f"?program={program.pk}" if program else ""
                    return redirect(reverse("messaging:templates") + query)
    else:
        form = TemplateForm(
            initial={"subject": chosen.subject, "body": chosen.body, "functions": list(chosen.functions)}
        )
        shown = chosen.render(sample_values(language))
    return render(
        request,
        "messaging/template_form.html",
        {
            "program": program,
            "purpose": Purpose(purpose),
            "language_name": LANGUAGE_NAMES[language],
            "channel": Channel(channel),
            "own": own,
            "inherits": "default" if chosen.template_id is None else "saved",
            "form": form,
            "variables": allowed_variables(purpose, channel),
            "preview": shown,
            "can_manage": access.can_manage(user),
            "back_url": reverse("messaging:templates") + (f"?program={program.pk}" if program else ""),
        },
    )


@login_required
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Removes a saved template: the organization's template (or the built-in default) applies again."""
    user = current_user(request)
    require(access.can_manage(user))
    template = MessageTemplate.objects.filter(pk=pk, program__in=access.programs_visible_to(user)).first()
    if template is None and user.organization_id is not None:
        template = MessageTemplate.objects.filter(
            pk=pk, program__isnull=True, organization_id=user.organization_id
        ).first()
    if template is None:
        raise Http404("No such template.")
    program_id = template.program_id
    template.delete()
    messages.success(request, "Template removed; the organization's text or the built-in default applies again.")
    return redirect(reverse("messaging:templates") + (f"?program={program_id}" if program_id else ""))


urlpatterns: list[URLPattern] = [
    path("templates/", template_list, name="templates"),
    path("templates/edit/", template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", template_delete, name="template_delete"),
    path("programs/<int:program_id>/reminders/", reminder_settings, name="reminder_settings"),
]
