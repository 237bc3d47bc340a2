"""A program's group settings as one screen (or one API call) sees them: the completion rule of every kind
of series at once, saved all or nothing, and the curriculum a default template becomes.

The writes themselves are services.save_completion_rule and services.save_curriculum; this module only
combines them so that one bad rule leaves every rule as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from alongside.accounts.models import User
from alongside.groups.models import DEFAULT_COMPLETION, MODEL_OF_KIND, CompletionRule, GroupKind
from alongside.groups.services import save_completion_rule
from alongside.programs.models import Program


@dataclass(frozen=True)
class RuleLine:
    """One kind's completion rule for a program: its own, or the default when it never set one."""

    kind: str
    min_attended: int
    of_sessions: int
    is_default: bool
    delivered: bool

    @property
    def kind_label(self) -> str:
        return GroupKind(self.kind).label

    @property
    def default(self) -> tuple[int, int]:
        return DEFAULT_COMPLETION[self.kind]


def rule_lines(program: Program) -> list[RuleLine]:
    """Every kind of series, the kinds the program delivers first."""
    saved = {r.kind: r for r in CompletionRule.objects.filter(program=program)}
    delivered = set(program.delivery_models.values_list("model", flat=True))
    lines = []
    for kind in GroupKind.values:
        rule = saved.get(kind)
        low, high = (rule.min_attended, rule.of_sessions) if rule else DEFAULT_COMPLETION[kind]
        lines.append(RuleLine(kind, low, high, rule is None, MODEL_OF_KIND[kind] in delivered))
    return sorted(lines, key=lambda line: not line.delivered)


class _Rollback(Exception):
    pass


def save_completion_rules(by: User, program: Program, rules: dict[str, tuple[object, object]]) -> list[CompletionRule]:
    """Saves several kinds' rules ({kind: (min attended, of sessions)}) in one transaction. Raises
    ValidationError keyed by kind with every kind's problems, and then nothing is saved; PermissionDenied
    (from the service) when the user may not change the program's rules."""
    errors: dict[str, list[str]] = {}
    saved: list[CompletionRule] = []
    try:
        with transaction.atomic():
            for kind, (min_attended, of_sessions) in rules.items():
                try:
                    with transaction.atomic():  # a savepoint, so the other kinds are still checked
                        saved.append(save_completion_rule(by, program, kind, min_attended, of_sessions))
                except ValidationError as error:
                    errors[kind] = list(error.messages)
            if errors:
                raise _Rollback
    except _Rollback:
        raise ValidationError(errors) from None
    return saved
