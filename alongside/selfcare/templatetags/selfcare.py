"""Template tags that put action plans and readings on other apps' pages without touching their views:

    {% selfcare_summary participant %}     the participant page: active plans and the latest readings
    {% my_action_plans participant %}      "My record": the person's own plans, to set and review
    {% action_plan_on_call enrollment %}   the call screen: the current plan, a link to set or review it
    {% optional_url "app:name" arg as url %}   a URL, or "" when that page does not exist (yet)
    {{ measurement|canonical }}            a reading in its canonical unit ("8.0 %")

The pages that include them already write the access log for the participant they show.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from alongside.accounts.models import User
from alongside.contacts.services import LOGGABLE_STATUSES as OPEN_FOR_PLANS
from alongside.people.models import Participant
from alongside.programs.models import Enrollment
from alongside.selfcare.access import (
    can_write_plan,
    measurements_visible_to,
    plans_visible_to,
    rights_over,
    selfcare_enrollments_visible_to,
)
from alongside.selfcare.models import ActionPlanStatus, Measurement, MeasurementKind
from alongside.selfcare.units import canonical_display

register = template.Library()

RECENT_READINGS = 40  # enough rows to find the latest of each kind


def _viewer(context: template.Context) -> User | None:
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    return user if isinstance(user, User) else None


@register.simple_tag
def optional_url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def canonical(measurement: Measurement) -> str:
    return canonical_display(measurement.kind, measurement.canonical_value, measurement.value2)


@register.inclusion_tag("selfcare/_participant_section.html", takes_context=True)
def selfcare_summary(context: template.Context, participant: Participant) -> dict[str, Any]:
    user = _viewer(context)
    if user is None:
        return {"visible": False}
    enrollments = list(
        selfcare_enrollments_visible_to(user)
        .filter(participant=participant)
        .select_related("program__organization", "participant")
        .order_by("-enrolled_on")
    )
    if not enrollments:
        return {"visible": False}
    plans = {
        p.enrollment_id: p
        for p in plans_visible_to(user)
        .filter(participant=participant, status=ActionPlanStatus.ACTIVE)
        .select_related("created_by", "set_in_session__series", "set_in_contact")
    }
    recent = list(
        measurements_visible_to(user)
        .filter(participant=participant)
        .select_related("concern")
        .order_by("-taken_at", "-pk")[:RECENT_READINGS]
    )
    latest: dict[str, Measurement] = {}
    for m in recent:
        latest.setdefault(m.kind, m)
    writable, recordable = rights_over(user, enrollments)
    return {
        "visible": True,
        "participant": participant,
        "lines": [(e, plans.get(e.pk), e.status in OPEN_FOR_PLANS and e.pk in writable) for e in enrollments],
        "latest": [latest[k.value] for k in MeasurementKind if k.value in latest],
        "may_record": bool(recordable),
    }


@register.inclusion_tag("selfcare/_my_plans.html", takes_context=True)
def my_action_plans(context: template.Context, participant: Participant) -> dict[str, Any]:
    user = _viewer(context)
    if user is None or participant.user_id != user.pk:
        return {"visible": False}
    enrollments = list(
        selfcare_enrollments_visible_to(user).filter(status__in=OPEN_FOR_PLANS).select_related("program", "participant")
    )
    active = (
        plans_visible_to(user)
        .filter(status=ActionPlanStatus.ACTIVE, participant=participant)
        .select_related("created_by", "set_in_session__series", "set_in_contact")
    )
    plans = {p.enrollment_id: p for p in active}
    return {
        "visible": bool(enrollments),
        "participant": participant,
        "lines": [(e, plans.get(e.pk)) for e in enrollments],
    }


@register.inclusion_tag("selfcare/_call_plan.html", takes_context=True)
def action_plan_on_call(context: template.Context, enrollment: Enrollment) -> dict[str, Any]:
    user = _viewer(context)
    if user is None:
        return {"visible": False}
    request = context.get("request")
    back = request.path if request is not None else ""
    plan = (
        plans_visible_to(user)
        .filter(enrollment=enrollment, status=ActionPlanStatus.ACTIVE)
        .select_related("created_by", "set_in_session__series", "set_in_contact")
        .first()
    )
    return {
        "visible": True,
        "enrollment": enrollment,
        "plan": plan,
        "may_write": enrollment.status in OPEN_FOR_PLANS and can_write_plan(user, enrollment),
        "next": back,
    }
