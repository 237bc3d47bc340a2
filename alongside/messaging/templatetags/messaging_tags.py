"""Template helpers for messaging links on other apps' pages."""

from __future__ import annotations

from django import template

from alongside.accounts.models import User
from alongside.messaging.direct import may_text as _may_text
from alongside.people.models import Participant

register = template.Library()


@register.filter
def may_text(user: object, participant: Participant) -> bool:
    """{% if user|may_text:participant %}: the Text <name> link is offered to those the page accepts."""
    return isinstance(user, User) and _may_text(user, participant)
