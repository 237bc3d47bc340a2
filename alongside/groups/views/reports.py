"""Completion figures for group series: per program and kind of series (over finished series) and per
series. Organization-wide roles and evaluators; evaluators get figures only, never a name or a link to
a roster. Every figure comes from groups.queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone

from alongside.accounts.models import Role
from alongside.groups.models import GroupKind, GroupSeries
from alongside.groups.queries import ProgramGroupFigures, SeriesFigures, program_figures, series_figures
from alongside.people import access as people_access
from alongside.programs.models import Program
from alongside.web.guards import current_user, require


@dataclass
class ProgramRow:
    program: Program
    kind_label: str
    figures: ProgramGroupFigures


@dataclass
class SeriesRow:
    series: GroupSeries
    figures: SeriesFigures


@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(people_access.can_see_aggregates(user))
    # Evaluators see no series pages (groups.access), but the figures of their organization's programs.
    series = GroupSeries.objects.filter(program__in=people_access.programs_visible_to(user))
    now = timezone.now()
    programs = {p.pk: p for p in Program.objects.filter(group_series__in=series).distinct()}
    by_program = [ProgramRow(programs[f.program_id], GroupKind(f.kind).label, f) for f in program_figures(series, now)]
    by_program.sort(key=lambda row: (row.program.name, row.kind_label))
    figures = series_figures(series, now)
    rows = [
        SeriesRow(s, figures[s.pk])
        for s in series.select_related("program").order_by("program__name", "kind", "title", "pk")
    ]
    context = {
        "by_program": by_program,
        "rows": rows,
        "links": user.is_superuser or user.role != Role.EVALUATOR,
    }
    return render(request, "groups/report.html", context)


urlpatterns: list[URLPattern] = [path("report/", report, name="report")]
