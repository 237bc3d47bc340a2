"""Today: the supporter's list of who to contact next and why, one tap from each line to the call screen.

Supporters see their own list only; coordinators, supervisors and admins pick any supporter of their
organization, or the participants nobody is assigned to. Filters are plain GET parameters so the page
works without JavaScript (and a filtered list can be bookmarked).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from alongside.accounts.models import Role, User
from alongside.followup.worklist import REASON_CHOICES, REASONS, worklist
from alongside.people import access
from alongside.people.models import Supporter
from alongside.programs.models import Program
from alongside.web.guards import current_user, require


class TodayFilterForm(forms.Form):
    """The list's filters. Unknown values are dropped (a stale bookmark still shows a list)."""

    reason = forms.ChoiceField(choices=[("", "Any reason"), *REASON_CHOICES], required=False, label="Reason")
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(), required=False, empty_label="All programs", label="Program"
    )
    q = forms.CharField(required=False, max_length=100, label="Search by name")

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = programs


def own_supporter(user: User) -> Supporter | None:
    return Supporter.objects.filter(user=user).first() if user.role == Role.SUPPORTER else None


def chosen_supporter(user: User, raw: str, own: Supporter | None) -> Supporter | None:
    """The supporter whose list is asked for. A supporter may only ask for their own (anything else is a
    404, like any record out of scope); organization-wide roles may ask for any supporter they can see."""
    if not raw:
        return own
    if not access.is_organization_wide(user):
        require(own is not None and raw == str(own.pk))
        return own
    return access.access_supporter(user, raw)


@login_required
def today(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    organization_wide = access.is_organization_wide(user)
    own = own_supporter(user)
    require(organization_wide or own is not None)
    unassigned = request.GET.get("unassigned") == "1"
    require(organization_wide or not unassigned)
    supporter = None if unassigned else chosen_supporter(user, request.GET.get("supporter", ""), own)

    programs = access.programs_visible_to(user).order_by("name")
    form = TodayFilterForm(request.GET, programs=programs)
    form.is_valid()  # invalid filters are dropped, never fatal
    reason = form.cleaned_data.get("reason") or ""
    program = form.cleaned_data.get("program")
    search = form.cleaned_data.get("q") or ""

    scope: dict[str, Any] = {
        "supporter": supporter,
        "unassigned": unassigned,
        "program_id": program.pk if program else None,
        "search": search,
    }
    every_line = worklist(user, **scope)
    # The counts cover every reason in scope, so each chip says how many lines it would show.
    counts = Counter(code for line in every_line for code in line.reason_codes)
    lines = worklist(user, reason=reason, **scope) if reason else every_line
    reason_chips = [(code, label, counts[code]) for code, label in REASON_CHOICES if counts[code]]
    if reason and not counts[reason]:
        reason_chips.append((reason, REASONS[reason][1], 0))

    context = {
        "form": form,
        "lines": lines,
        "urgent_lines": [line for line in lines if line.quiet_until is None],
        "quiet_lines": [line for line in lines if line.quiet_until is not None],
        "reason_chips": reason_chips,
        "reason": reason,
        "total": len(every_line),
        "supporter": supporter,
        "own": own,
        "unassigned": unassigned,
        "organization_wide": organization_wide,
        "supporters": access.supporters_visible_to(user).order_by("user__first_name", "user__last_name", "pk")
        if organization_wide
        else Supporter.objects.none(),
        "filtered": bool(reason or program or search),
        "heading": heading(user, supporter, own, unassigned),
    }
    return render(request, "followup/today.html", context)


def heading(user: User, supporter: Supporter | None, own: Supporter | None, unassigned: bool) -> str:
    if unassigned:
        return "Today: participants with no supporter"
    if supporter is None:
        return "Today: everyone in your organization"
    if own is not None and supporter.pk == own.pk:
        return "Today"
    return f"Today: {supporter}"


urlpatterns: list[URLPattern] = [path("today/", today, name="today")]
