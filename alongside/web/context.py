from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from alongside.accounts.models import Role, User
from alongside.linkage.access import can_see_directory
from alongside.people.access import can_manage, can_read_access_log, can_see_aggregates, is_organization_wide


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu, from the same access rules the views enforce."""
    user = request.user
    if not isinstance(user, User):
        return {"nav": []}
    items: list[tuple[str, str]] = []
    if user.role == Role.SUPPORTER or is_organization_wide(user):
        items.append(("Today", reverse("followup:today")))
    if user.role == Role.SUPPORTER:
        items.append(("My caseload", reverse("people:caseload")))
    if user.role == Role.PARTICIPANT:
        items.append(("My record", reverse("people:me")))
    if is_organization_wide(user) or user.role == Role.PROFESSIONAL:
        items.append(("Participants", reverse("people:participants")))
    if can_see_aggregates(user):
        items.append(("Programs", reverse("programs:overview")))
    # groups: organization-wide roles, and supporters and professionals who lead a series.
    if is_organization_wide(user) or (user.role in (Role.SUPPORTER, Role.PROFESSIONAL) and user.facilitations.exists()):
        items.append(("Groups", reverse("groups:my_sessions")))
    elif user.role == Role.EVALUATOR:
        items.append(("Groups", reverse("groups:report")))
    # linkage: the resource directory, for every role of an organization (it holds no personal data).
    if can_see_directory(user):
        items.append(("Resources", reverse("linkage:directory")))
    if is_organization_wide(user):
        items.append(("Follow-up", reverse("followup:disengagement")))
        items.append(("Supporters", reverse("people:supporters")))
    if is_organization_wide(user) or user.role in (Role.PROFESSIONAL, Role.SUPPORTER):
        items.append(("Concerns", reverse("safety:concerns")))
    # linkage: a professional's referral inbox; organization-wide roles' open and stalled referrals.
    if user.role == Role.PROFESSIONAL:
        items.append(("Referrals", reverse("linkage:referrals_to_me")))
    elif is_organization_wide(user):
        items.append(("Referrals", reverse("linkage:referrals")))
    # messaging: texts from participants (unread count) for supporters and organization-wide roles.
    from alongside.messaging.views.inbox import may_use_inbox, unread_count

    if may_use_inbox(user):
        unread = unread_count(user)
        items.append((f"Messages ({unread})" if unread else "Messages", reverse("messaging:inbox")))
    # /messaging
    if can_read_access_log(user):
        items.append(("Access log", reverse("audit:access_log")))
    return {"nav": items, "can_manage": can_manage(user)}
