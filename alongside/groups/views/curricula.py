"""A program's group settings: its curricula (what each session covers and which key functions it
serves) and its completion rules per kind of series. Administrators and coordinators of the program's
organization only; everyone else gets a 404, as on the other settings pages.

The curriculum editor works without JavaScript: "Add a session" and "Remove" are submit buttons that show
the form again with one row more or less, nothing saved until "Save curriculum". Bad input shows the form
again with the errors and everything typed; the services save all or nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from alongside.accounts.models import User
from alongside.groups.curricula import DEFAULT_BY_KEY, DEFAULT_CURRICULA
from alongside.groups.models import MODEL_OF_KIND, CurriculumTemplate, GroupKind
from alongside.groups.program_settings import rule_lines, save_completion_rules
from alongside.groups.services import CurriculumSession, save_curriculum
from alongside.people import access
from alongside.programs.models import Program
from alongside.taxonomy import KeyFunction, activities_for
from alongside.web.forms import ChipsMultiple, ChipsSingle, add_service_errors
from alongside.web.guards import current_user, require

MAX_ROWS = 60  # a year of weekly sessions and then some; guards against a forged row count


def _managed_program(user: User, program_id: int) -> Program:
    require(access.can_manage(user))
    return access.access_program(user, program_id)


def _delivered_kinds(program: Program) -> list[str]:
    models = set(program.delivery_models.values_list("model", flat=True))
    return [kind for kind in GroupKind.values if MODEL_OF_KIND[kind] in models]


# ---- curricula ----


class CurriculumForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=GroupKind.choices, widget=ChipsSingle, label="For")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SessionForm(forms.Form):
    topic = forms.CharField(max_length=200, error_messages={"required": "Give the session a topic."})
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="What happens in the session."
    )
    functions = forms.MultipleChoiceField(
        choices=KeyFunction.choices,
        widget=ChipsMultiple,
        label="Key functions it serves",
        error_messages={"required": "Which key functions does this session serve?"},
    )
    activities = forms.MultipleChoiceField(
        choices=[(f.label, [(a.code, a.label) for a in activities_for(f.value)]) for f in KeyFunction],
        widget=ChipsMultiple,
        required=False,
    )

    def as_session(self) -> CurriculumSession:
        data = self.cleaned_data
        return CurriculumSession(
            topic=data["topic"],
            functions=list(data["functions"]),
            description=data["description"],
            activities=list(data["activities"]),
        )


def _row(index: int, **kwargs: Any) -> SessionForm:
    # Every row may be left blank (it is then ignored); a row with anything in it is checked in full.
    return SessionForm(prefix=f"session-{index}", use_required_attribute=False, empty_permitted=True, **kwargs)


def _rows_posted(post: QueryDict) -> list[SessionForm]:
    try:
        count = min(max(int(post.get("session_count", "0")), 0), MAX_ROWS)
    except ValueError:
        count = 0
    return [_row(i, data=post) for i in range(count)]


def _typed(row: SessionForm) -> dict[str, Any]:
    """What was typed in a posted row, as initial values for showing it again."""
    return {name: row[name].value() for name in row.fields}


def _unbound_rows(values: list[dict[str, Any]]) -> list[SessionForm]:
    return [_row(i, initial=initial) for i, initial in enumerate(values)]


def _template_values(template: CurriculumTemplate) -> list[dict[str, Any]]:
    return [
        {"topic": i.topic, "description": i.description, "functions": i.functions, "activities": i.activities}
        for i in template.items.order_by("number")
    ]


def _editor(
    request: HttpRequest,
    program: Program,
    template: CurriculumTemplate | None,
    form: CurriculumForm,
    rows: list[SessionForm],
    *,
    started_from: str = "",
) -> HttpResponse:
    return render(
        request,
        "groups/curriculum_edit.html",
        {
            "program": program,
            "template": template,
            "form": form,
            "rows": rows,
            "has_errors": form.is_bound and (bool(form.errors) or any(r.errors for r in rows)),
            "started_from": started_from,
            "series_count": template.series.count() if template else 0,
        },
    )


@login_required
def curricula(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _managed_program(current_user(request), program_id)
    templates = (
        CurriculumTemplate.objects.filter(program=program)
        .annotate(sessions=Count("items", distinct=True), used_by=Count("series", distinct=True))
        .order_by("kind", "name")
    )
    delivered = _delivered_kinds(program)
    return render(
        request,
        "groups/curricula.html",
        {
            "program": program,
            "templates": templates,
            "defaults": sorted(DEFAULT_CURRICULA, key=lambda d: d.kind not in delivered),
            "delivered": delivered,
            "kinds": [(kind, GroupKind(kind).label) for kind in delivered or GroupKind.values],
        },
    )


@login_required
def curriculum_edit(request: HttpRequest, program_id: int, template_id: str) -> HttpResponse:
    """template_id is a curriculum's id, or "new" (with ?default=<key> to start from a built-in one, or
    ?kind=<kind> to start empty)."""
    user = current_user(request)
    program = _managed_program(user, program_id)
    template: CurriculumTemplate | None = None
    if template_id != "new":
        if not template_id.isdigit():
            raise Http404("No such curriculum.")
        template = CurriculumTemplate.objects.filter(program=program, pk=int(template_id)).first()
        if template is None:
            raise Http404("No such curriculum.")

    if request.method != "POST":
        default = DEFAULT_BY_KEY.get(request.GET.get("default", ""))
        if template is not None:
            initial = {"name": template.name, "kind": template.kind, "description": template.description}
            values = _template_values(template)
        elif default is not None:
            initial = {"name": default.name, "kind": default.kind, "description": default.description}
            values = [
                {"topic": s.topic, "description": s.description, "functions": s.functions, "activities": s.activities}
                for s in default.sessions
            ]
        else:
            kind = request.GET.get("kind", "")
            initial = {"kind": kind if kind in GroupKind.values else GroupKind.WORKSHOP}
            values = [{}]
        return _editor(
            request,
            program,
            template,
            CurriculumForm(initial=initial),
            _unbound_rows(values),
            started_from=default.name if default and not template else "",
        )

    rows = _rows_posted(request.POST)
    if "add_row" in request.POST or "remove_row" in request.POST:
        values = [_typed(row) for row in rows]
        if "add_row" in request.POST:
            values.append({})
        else:
            remove = request.POST.get("remove_row", "")
            values = [v for i, v in enumerate(values) if str(i) != remove]
        header = CurriculumForm(initial={name: request.POST.get(name, "") for name in CurriculumForm.base_fields})
        return _editor(request, program, template, header, _unbound_rows(values))

    form = CurriculumForm(request.POST)
    filled = [row for row in rows if row.has_changed()]
    if form.is_valid() and all(row.is_valid() for row in rows):
        data = form.cleaned_data
        try:
            saved = save_curriculum(
                user,
                program,
                data["kind"],
                data["name"],
                [row.as_session() for row in filled],
                description=data["description"],
                template=template,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Curriculum “{saved.name}” saved with {len(filled)} sessions.")
            return redirect("groups:curricula", program.pk)
    return _editor(request, program, template, form, rows)


# ---- completion rules ----


class CompletionRulesForm(forms.Form):
    """Two numbers per kind of series: at least `min` of every `of` sessions."""

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"min_{line.kind}"] = forms.IntegerField(
                label="At least", initial=line.min_attended, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
            )
            self.fields[f"of_{line.kind}"] = forms.IntegerField(
                label="of every", initial=line.of_sessions, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
            )

    def kinds(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(line, self[f"min_{line.kind}"], self[f"of_{line.kind}"]) for line in self.lines]

    def changed_rules(self) -> dict[str, tuple[object, object]]:
        """The kinds whose numbers differ from what was shown (so an untouched default stays a default)."""
        data = self.cleaned_data
        return {
            line.kind: (data[f"min_{line.kind}"], data[f"of_{line.kind}"])
            for line in self.lines
            if (data[f"min_{line.kind}"], data[f"of_{line.kind}"]) != (line.min_attended, line.of_sessions)
        }


@login_required
def completion_rules(request: HttpRequest, program_id: int) -> HttpResponse:
    user = current_user(request)
    program = _managed_program(user, program_id)
    lines = rule_lines(program)
    form = CompletionRulesForm(request.POST if request.method == "POST" else None, lines=lines)
    if request.method == "POST" and form.is_valid():
        changed = form.changed_rules()
        try:
            save_completion_rules(user, program, changed)
        except ValidationError as error:
            for kind, problems in error.message_dict.items():
                form.add_error(f"min_{kind}" if f"min_{kind}" in form.fields else None, problems)
        else:
            if changed:
                messages.success(request, "Completion rules saved. New series use them; existing series keep theirs.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("groups:completion_rules", program.pk)
    return render(request, "groups/completion_rules.html", {"program": program, "form": form})


urlpatterns: list[URLPattern] = [
    path("programs/<int:program_id>/curricula/", curricula, name="curricula"),
    path("programs/<int:program_id>/curricula/<str:template_id>/", curriculum_edit, name="curriculum_edit"),
    path("programs/<int:program_id>/completion/", completion_rules, name="completion_rules"),
]
