"""Forms for the ongoing-support settings pages. They only collect what was typed: numbers, times and the
cadence text stay strings so followup.services parses them and its messages (the same ones the API
returns) appear beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms

from alongside.followup.cadence import PRESETS, CadenceKind
from alongside.followup.models import GAP_FIELDS, CadencePolicy, CallGuide, FollowUpRules
from alongside.followup.services import GAP_LIMITS, RULE_LIMITS
from alongside.taxonomy import KeyFunction
from alongside.web.forms import ChipsSingle

CUSTOM = ""


def _days(label: str, help_text: str = "", **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1, **attrs}),
    )


class CadenceForm(forms.Form):
    preset = forms.ChoiceField(
        label="Start from a published protocol",
        choices=[(CUSTOM, "Custom (set below)")] + [(p.code, p.label) for p in PRESETS],
        required=False,
        widget=forms.RadioSelect,
        help_text="A preset replaces the fields below; choose “Custom” to use them.",
    )
    kind = forms.ChoiceField(
        label="How the cadence is set", choices=CadenceKind.choices, required=False, widget=ChipsSingle
    )
    interval_days = _days("Every how many days", "Interval cadences: days after the last reached contact.")
    grace_days = _days("Grace days", "Days a contact may be late before it counts as overdue (interval and phases).")
    phases = forms.CharField(
        label="Phases",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "every 7 days until day 56\nevery 30 days until day 300"}
        ),
        help_text="One phase per line, counted from the start of support.",
    )
    windows = forms.CharField(
        label="Windows",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "7-10, 14-18, 28-35"}),
        help_text="Days since enrolment, start-end, separated by commas.",
    )

    @classmethod
    def for_policy(cls, policy: CadencePolicy | None, data: Any = None) -> CadenceForm:
        if policy is None:
            return cls(data=data, initial={"preset": CUSTOM, "kind": CadenceKind.INTERVAL})
        return cls(
            data=data,
            initial={
                "preset": policy.preset,
                "kind": policy.kind,
                "interval_days": policy.interval_days or "",
                "grace_days": policy.grace_days,
                "phases": policy.phases_text,
                "windows": policy.windows_text,
            },
        )

    def preset_options(self) -> list[dict[str, Any]]:
        """Each preset with its source, for a list that says where the figures come from."""
        chosen = self.data.get("preset", CUSTOM) if self.is_bound else self.initial.get("preset", CUSTOM)
        options = [{"code": CUSTOM, "label": "Custom (set below)", "source": "", "checked": chosen == CUSTOM}]
        options += [
            {"code": p.code, "label": p.label, "source": p.source, "checked": chosen == p.code} for p in PRESETS
        ]
        return options


class RulesForm(forms.Form):
    retry_after_days = _days("Retry an unanswered call after (days)")
    max_failed_attempts = _days("Flag to the coordinator after this many unanswered attempts")
    failed_attempts_window_days = _days("... within (days)")
    no_contact_days = _days("Flag participants not reached for (days)")
    never_contacted_days = _days("Flag assigned pairs with no contact after (days)")
    quiet_start = forms.CharField(
        label="Quiet hours start", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.CharField(
        label="Quiet hours end",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="In the participant's own time zone; no calls are suggested in between.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in RULE_LIMITS.items():
            self.fields[name].help_text = f"{low} to {high}."
        for function in KeyFunction:
            self.fields[GAP_FIELDS[function.value]] = _days(
                function.label,
                f"{GAP_LIMITS[0]} to {GAP_LIMITS[1]} days; empty: no check.",
            )

    @classmethod
    def for_rules(cls, rules: FollowUpRules, data: Any = None) -> RulesForm:
        initial: dict[str, Any] = {name: getattr(rules, name) for name in RULE_LIMITS}
        initial.update({field: getattr(rules, field) or "" for field in GAP_FIELDS.values()})
        initial["quiet_start"] = rules.quiet_start.strftime("%H:%M")
        initial["quiet_end"] = rules.quiet_end.strftime("%H:%M")
        return cls(data=data, initial=initial)

    def limit_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in RULE_LIMITS]

    def gap_fields(self) -> list[forms.BoundField]:
        return [self[field] for field in GAP_FIELDS.values()]

    def quiet_fields(self) -> list[forms.BoundField]:
        return [self["quiet_start"], self["quiet_end"]]

    def rules_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CallGuideForm(forms.Form):
    script = forms.CharField(
        label="Script",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Opening and closing of the call, in the supporter's own words where possible.",
    )
    prompts = forms.CharField(
        label="Prompts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One prompt per line, e.g. “How did the walking plan go this week?”",
    )

    @classmethod
    def for_guide(cls, guide: CallGuide | None, data: Any = None) -> CallGuideForm:
        initial = {"script": guide.script, "prompts": guide.prompts} if guide else {}
        return cls(data=data, initial=initial)
