"""Action plan pages: a participant's plans, a new plan (in a contact, at a session, or by the person
themself), a review, and the plans of everyone at a group session.

The low-confidence prompt is the service's error on "confidence": the form comes back with everything
typed, the prompt beside the confidence, and a "Keep this plan as it is" box. Every page that shows a
participant's plans writes the access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alongside.accounts.models import User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.contacts.services import LOGGABLE_STATUSES
from alongside.groups.access import access_session, can_see_roster
from alongside.groups.models import GroupSession
from alongside.groups.queries import RosterLine, roster
from alongside.programs.models import Enrollment
from alongside.selfcare.access import (
    access_plan,
    access_selfcare_enrollment,
    can_write_plan,
    plan_writers_at_session,
    plans_visible_to,
    selfcare_enrollments_visible_to,
)
from alongside.selfcare.forms import ActionPlanForm, ReviewForm, WithdrawForm
from alongside.selfcare.models import ActionPlan, ActionPlanStatus, ReviewOutcome
from alongside.selfcare.services import create_action_plan, review_action_plan, withdraw_action_plan
from alongside.selfcare.views.common import WorkContext, work_context
from alongside.web.forms import add_service_errors
from alongside.web.guards import current_user, require

PLAN_RELATED = (
    "enrollment__program",
    "participant",
    "created_by",
    "reviewed_by",
    "set_in_contact",
    "set_in_session__series",
    "reviewed_in_contact",
    "reviewed_in_session__series",
    "revised_by",
)


def _set_today(plan: ActionPlan | None, zone: str) -> bool:
    """Whether the plan was set on the person's today, so it can still be revised (see services)."""
    if plan is None:
        return False
    local: date = plan.created_at.astimezone(ZoneInfo(zone)).date()
    return local == timezone.now().astimezone(ZoneInfo(zone)).date()


def _active_plan(enrollment: Enrollment) -> ActionPlan | None:
    return (
        ActionPlan.objects.filter(enrollment=enrollment, status=ActionPlanStatus.ACTIVE)
        .select_related(*PLAN_RELATED)
        .first()
    )


@dataclass
class EnrollmentPlans:
    enrollment: Enrollment
    active: ActionPlan | None
    history: list[ActionPlan]
    may_write: bool


@login_required
def participant_plans(request: HttpRequest, participant_id: int) -> HttpResponse:
    """A participant's plans, per program: the active one (review, withdraw) and the history."""
    user = current_user(request)
    enrollments = list(
        selfcare_enrollments_visible_to(user)
        .filter(participant=participant_id)
        .select_related("program", "participant__organization")
        .order_by("-enrolled_on", "-pk")
    )
    require(bool(enrollments))
    participant = enrollments[0].participant
    log_access(user, [participant.pk], AccessChannel.PAGE, request.path)
    plans = list(
        plans_visible_to(user).filter(participant=participant).select_related(*PLAN_RELATED).order_by("-created_at")
    )
    groups = [
        EnrollmentPlans(
            enrollment=e,
            active=next((p for p in plans if p.enrollment_id == e.pk and p.status == ActionPlanStatus.ACTIVE), None),
            history=[p for p in plans if p.enrollment_id == e.pk and p.status != ActionPlanStatus.ACTIVE],
            may_write=e.status in LOGGABLE_STATUSES and can_write_plan(user, e),
        )
        for e in enrollments
    ]
    return render(
        request,
        "selfcare/participant_plans.html",
        {
            "participant": participant,
            "groups": groups,
            "is_self": participant.user_id == user.pk,
            "withdraw_form": WithdrawForm(),
        },
    )


def _after_plan(enrollment: Enrollment, ctx: WorkContext) -> str:
    if ctx.next_url:
        return ctx.next_url
    if ctx.session is not None:
        return reverse("selfcare:session_plans", args=[ctx.session.pk]) + f"#person-{enrollment.pk}"
    return reverse("selfcare:participant_plans", args=[enrollment.participant_id])


@login_required
def new_plan(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """Set a plan for one enrolment, in ?contact= or at ?session= (or neither). When an active plan exists
    the page shows it first: review it, or (if it was set today) revise it with this one."""
    user = current_user(request)
    enrollment = access_selfcare_enrollment(user, enrollment_id)
    ctx = work_context(request, user, enrollment)
    require(can_write_plan(user, enrollment, ctx.session))
    participant = enrollment.participant
    log_access(user, [participant.pk], AccessChannel.PAGE, request.path)
    active = _active_plan(enrollment)
    revisable = _set_today(active, participant.zone)
    form = ActionPlanForm(request.POST or None, show_revise=revisable)
    if request.method == "POST" and form.is_valid():
        try:
            plan = create_action_plan(
                user,
                enrollment,
                form.plan_input(),
                contact=ctx.contact,
                session=ctx.session,
                keep_low_confidence=form.cleaned_data["keep_low_confidence"],
                revises=active if form.cleaned_data.get("revise") else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Action plan saved: {plan.summary} (confidence {plan.confidence} of 10).")
            return redirect(_after_plan(enrollment, ctx))
    return render(
        request,
        "selfcare/new_plan.html",
        {
            "enrollment": enrollment,
            "participant": participant,
            "is_self": participant.user_id == user.pk,
            "active": active,
            "revisable": revisable,
            "form": form,
            "ctx": ctx,
        },
    )


@login_required
def review_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    """How the plan went: done, partly or not done; then on to the next plan."""
    user = current_user(request)
    plan = access_plan(user, plan_id)
    enrollment = plan.enrollment
    ctx = work_context(request, user, enrollment)
    require(can_write_plan(user, enrollment, ctx.session))
    log_access(user, [plan.participant_id], AccessChannel.PAGE, request.path)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and plan.status == ActionPlanStatus.ACTIVE and form.is_valid():
        try:
            review_action_plan(
                user,
                plan,
                form.cleaned_data.get("outcome") or "",
                form.cleaned_data.get("note") or "",
                contact=ctx.contact,
                session=ctx.session,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            outcome = ReviewOutcome(form.cleaned_data["outcome"]).label
            messages.success(request, f"Plan reviewed: {outcome.lower()}. Now set the next plan.")
            return redirect(reverse("selfcare:new_plan", args=[enrollment.pk]) + ctx.query())
    return render(
        request,
        "selfcare/review_plan.html",
        {
            "plan": plan,
            "participant": plan.participant,
            "is_self": plan.participant.user_id == user.pk,
            "form": form,
            "ctx": ctx,
        },
    )


@login_required
@require_POST
def withdraw_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = current_user(request)
    plan = access_plan(user, plan_id)
    require(can_write_plan(user, plan.enrollment))
    form = WithdrawForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        withdraw_action_plan(user, plan, note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Plan withdrawn: {plan.summary}.")
    return redirect("selfcare:participant_plans", plan.participant_id)


# --- at a group session ---------------------------------------------------------------------------------


@dataclass
class SessionPlanLine:
    line: RosterLine
    enrollment: Enrollment
    active: ActionPlan | None
    done_here: list[ActionPlan]  # set or reviewed at this session
    may_write: bool
    form: ActionPlanForm

    @property
    def anchor(self) -> str:
        return f"person-{self.enrollment.pk}"

    @property
    def revisable(self) -> bool:
        return "revise" in self.form.fields

    @property
    def form_open(self) -> bool:
        return self.form.is_bound or self.active is None


def _session_lines(
    user: User, session: GroupSession, bound: tuple[int, ActionPlanForm] | None = None
) -> list[SessionPlanLine]:
    lines = roster(session)
    ids = [line.registration.enrollment_id for line in lines]
    enrollments = {e.pk: e for e in Enrollment.objects.filter(pk__in=ids).select_related("participant__organization")}
    plans = list(
        plans_visible_to(user)
        .filter(enrollment__in=ids)
        .filter(Q(status=ActionPlanStatus.ACTIVE) | Q(set_in_session=session) | Q(reviewed_in_session=session))
        .select_related(*PLAN_RELATED)
    )
    active = {p.enrollment_id: p for p in plans if p.status == ActionPlanStatus.ACTIVE}
    here = [p for p in plans if p.set_in_session_id == session.pk or p.reviewed_in_session_id == session.pk]
    writers = plan_writers_at_session(user, session, ids)
    result = []
    for line in lines:
        enrollment = enrollments[line.registration.enrollment_id]
        plan = active.get(enrollment.pk)
        revisable = _set_today(plan, enrollment.participant.zone)
        if bound is not None and bound[0] == enrollment.pk:
            form = bound[1]
        else:
            form = ActionPlanForm(prefix=f"p{enrollment.pk}", show_revise=revisable)
        result.append(
            SessionPlanLine(
                line=line,
                enrollment=enrollment,
                active=plan,
                done_here=[p for p in here if p.enrollment_id == enrollment.pk],
                may_write=enrollment.pk in writers,
                form=form,
            )
        )
    return result


def _session(user: User, session_id: int) -> GroupSession:
    session = access_session(user, session_id)
    require(can_see_roster(user, session.series))
    return session


def _render_session_plans(
    request: HttpRequest, user: User, session: GroupSession, bound: tuple[int, ActionPlanForm] | None = None
) -> HttpResponse:
    lines = _session_lines(user, session, bound)
    log_access(user, [line.enrollment.participant_id for line in lines], AccessChannel.PAGE, request.path)
    return render(
        request,
        "selfcare/session_plans.html",
        {"session": session, "series": session.series, "lines": lines, "outcomes": ReviewOutcome.choices},
    )


def _roster_enrollment(session: GroupSession, raw: str) -> Enrollment:
    ids = {line.registration.enrollment_id for line in roster(session)}
    if not raw.isdigit() or int(raw) not in ids:
        raise Http404("Not on this session's roster.")
    return Enrollment.objects.select_related("participant__organization", "program").get(pk=int(raw))


@login_required
def session_plans(request: HttpRequest, session_id: int) -> HttpResponse:
    """Everyone at a group session with their active plan: review it (done, partly, not done) with one
    tap, and set the next one in a short form per person."""
    user = current_user(request)
    session = _session(user, session_id)
    if request.method != "POST":
        return _render_session_plans(request, user, session)
    enrollment = _roster_enrollment(session, request.POST.get("enrollment", ""))
    require(can_write_plan(user, enrollment, session))
    back = reverse("selfcare:session_plans", args=[session.pk]) + f"#person-{enrollment.pk}"
    name = enrollment.participant.full_name
    if request.POST.get("action") == "review":
        plan = _active_plan(enrollment)
        if plan is None or str(plan.pk) != request.POST.get("plan", ""):
            messages.error(request, f"{name}'s plan has changed since the page was loaded; nothing was saved.")
            return redirect(back)
        try:
            review_action_plan(user, plan, request.POST.get("outcome", ""), session=session)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, f"{name}: " + " ".join(getattr(error, "messages", [str(error)])))
        else:
            outcome = ReviewOutcome(request.POST["outcome"]).label.lower()
            messages.success(request, f"{name}'s plan reviewed: {outcome}.")
        return redirect(back)
    active = _active_plan(enrollment)
    form = ActionPlanForm(
        request.POST, prefix=f"p{enrollment.pk}", show_revise=_set_today(active, enrollment.participant.zone)
    )
    if form.is_valid():
        try:
            plan = create_action_plan(
                user,
                enrollment,
                form.plan_input(),
                session=session,
                keep_low_confidence=form.cleaned_data["keep_low_confidence"],
                revises=active if form.cleaned_data.get("revise") else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{name}'s plan saved: {plan.summary} (confidence {plan.confidence} of 10).")
            return redirect(back)
    return _render_session_plans(request, user, session, bound=(enrollment.pk, form))


urlpatterns: list[URLPattern] = [
    path("participants/<int:participant_id>/plans/", participant_plans, name="participant_plans"),
    path("enrollments/<int:enrollment_id>/plans/new/", new_plan, name="new_plan"),
    path("plans/<int:plan_id>/review/", review_plan, name="review_plan"),
    path("plans/<int:plan_id>/withdraw/", withdraw_plan, name="withdraw_plan"),
    path("sessions/<int:session_id>/plans/", session_plans, name="session_plans"),
]
