from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from alongside.accounts.models import Role

HOME_BY_ROLE: dict[str, str] = {
    Role.SUPPORTER: "followup:today",
    Role.PARTICIPANT: "people:me",
    Role.SUPERVISOR: "safety:concerns",
    Role.PROFESSIONAL: "people:participants",
    Role.COORDINATOR: "programs:overview",
    Role.ADMIN: "programs:overview",
    Role.EVALUATOR: "programs:overview",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own first screen."""
    role = getattr(request.user, "role", "")
    return redirect(HOME_BY_ROLE.get(role, "programs:overview"))


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
