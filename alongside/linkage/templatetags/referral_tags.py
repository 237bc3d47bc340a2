"""Referrals on other apps' pages without touching their views:

    {% referrals_on_participant participant %}   the participant page: open referrals and "Refer"

The pages that include it already write the access log for the participant they show. One query.
"""

from __future__ import annotations

from typing import Any

from django import template

from alongside.accounts.models import User
from alongside.linkage.models import OPEN_REFERRAL_STATUSES
from alongside.linkage.referral_access import may_refer_at_all, referrals_visible_to
from alongside.people.models import Participant

register = template.Library()

SHOWN = 20


def _viewer(context: template.Context) -> User | None:
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    return user if isinstance(user, User) else None


@register.inclusion_tag("linkage/referral_section.html", takes_context=True)
def referrals_on_participant(context: template.Context, participant: Participant) -> dict[str, Any]:
    user = _viewer(context)
    if user is None:
        return {"visible": False}
    open_referrals = list(
        referrals_visible_to(user)
        .filter(participant=participant, status__in=OPEN_REFERRAL_STATUSES)
        .select_related("service", "to_professional", "enrollment__program")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    may_refer = may_refer_at_all(user)
    return {
        "visible": may_refer or bool(open_referrals),
        "participant": participant,
        "open_referrals": open_referrals,
        "may_refer": may_refer,
    }
