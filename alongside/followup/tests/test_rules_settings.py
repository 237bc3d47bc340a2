"""A coordinator sets the program's follow-up rules: retries, disengagement flags, function gaps and quiet
hours. Bad input is explained beside its field, what was typed stays, and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from alongside.followup.models import GAP_FIELDS, FollowUpRules
from alongside.followup.services import RULE_LIMITS, rules_for, save_rules
from alongside.taxonomy import KeyFunction
from alongside.testing.pages import flash_messages, section, text
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def rules_url(world: World) -> str:
    return reverse("followup:program_rules", args=[world.telephone.pk])


def settings_url(world: World) -> str:
    return reverse("followup:program_settings", args=[world.telephone.pk])


def rules_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "retry_after_days": "2",
        "max_failed_attempts": "4",
        "failed_attempts_window_days": "21",
        "no_contact_days": "45",
        "never_contacted_days": "10",
        "gap_daily_management_days": "60",
        "gap_social_emotional_days": "",
        "gap_linkage_days": "120",
        "gap_ongoing_days": "",
        "quiet_start": "20:30",
        "quiet_end": "09:00",
    }
    data.update(overrides)
    return data


def snapshot() -> list[Any]:
    return list(FollowUpRules.objects.order_by("pk").values())


def test_the_form_starts_from_the_defaults_when_the_program_has_no_rules(world: World, client: Client) -> None:
    client.force_login(world.cora)
    form = section(text(client.get(settings_url(world))), f'action="{rules_url(world)}"', "</form>")
    defaults = FollowUpRules()
    for name in RULE_LIMITS:
        assert f'name="{name}" value="{getattr(defaults, name)}"' in form
    assert f'name="quiet_start" value="{defaults.quiet_start:%H:%M}"' in form
    for function in KeyFunction:
        assert function.label in form


def test_a_coordinator_saves_the_rules(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(rules_url(world), rules_form(), follow=True)

    assert response.redirect_chain == [(settings_url(world), 302)]
    assert flash_messages(response) == ["Follow-up rules saved."]
    rules = FollowUpRules.objects.get(program=world.telephone)
    assert (rules.retry_after_days, rules.max_failed_attempts, rules.failed_attempts_window_days) == (2, 4, 21)
    assert (rules.no_contact_days, rules.never_contacted_days) == (45, 10)
    assert {f: rules.gap_days(f.value) for f in KeyFunction} == {
        KeyFunction.DAILY_MANAGEMENT: 60,
        KeyFunction.SOCIAL_EMOTIONAL: None,
        KeyFunction.LINKAGE: 120,
        KeyFunction.ONGOING: None,
    }
    assert (f"{rules.quiet_start:%H:%M}", f"{rules.quiet_end:%H:%M}") == ("20:30", "09:00")
    assert rules.updated_by == world.cora
    # The form shows what was saved.
    form = section(text(response), f'action="{rules_url(world)}"', "</form>")
    assert 'name="no_contact_days" value="45"' in form
    assert 'name="gap_social_emotional_days"' in form and 'name="gap_social_emotional_days" value' not in form


def test_emptying_a_function_gap_turns_its_check_off(world: World, client: Client) -> None:
    assert rules_for(world.telephone).gap_days(KeyFunction.LINKAGE) is not None  # a default check exists
    client.force_login(world.cora)
    client.post(rules_url(world), rules_form(gap_linkage_days=""))
    assert FollowUpRules.objects.get(program=world.telephone).gap_days(KeyFunction.LINKAGE) is None


def test_a_supervisor_reads_the_rules_in_words(world: World, client: Client) -> None:
    save_rules(world.cora, world.telephone, rules_form())
    client.force_login(world.sam)
    page = section(text(client.get(settings_url(world))), 'aria-label="Current rules"', "</dl>")
    assert "4 unanswered attempts within 21 days" in page
    assert f"{KeyFunction.LINKAGE.label}</dt><dd>gap after 120 days" in page
    assert f"{KeyFunction.ONGOING.label}</dt><dd>no check" in page
    assert "20:30–09:00" in page


@pytest.mark.parametrize("who", ["supervisor", "supporter", "evaluator", "professional", "outsider"])
def test_only_the_programs_coordinators_can_change_its_rules(world: World, client: Client, who: str) -> None:
    save_rules(world.cora, world.telephone, rules_form())
    before = snapshot()
    client.force_login(world.users_by_role()[who])
    assert client.post(rules_url(world), rules_form(no_contact_days="99")).status_code == 404
    assert snapshot() == before


BAD_INPUT: dict[str, tuple[dict[str, Any], str, str]] = {
    "a retry rule without a limit": (
        {"max_failed_attempts": ""},
        "Retry rules need a limit.",
        "max_failed_attempts",
    ),
    "quiet hours covering the whole day": (
        {"quiet_start": "22:00", "quiet_end": "22:00"},
        "Quiet hours that start and end at the same time would cover the whole day.",
        "quiet_end",
    ),
    "retry on the same day": ({"retry_after_days": "0"}, "Must be between 1 and 30.", "retry_after_days"),
    "a negative attempt window": (
        {"failed_attempts_window_days": "-14"},
        "Must be between 1 and 90.",
        "failed_attempts_window_days",
    ),
    "no contact for more than a year": ({"no_contact_days": "400"}, "Must be between 1 and 365.", "no_contact_days"),
    "a never-contacted limit in words": (
        {"never_contacted_days": "two weeks"},
        "Enter a whole number.",
        "never_contacted_days",
    ),
    "a function gap of zero days": (
        {"gap_linkage_days": "0"},
        "Must be between 1 and 730 days.",
        "gap_linkage_days",
    ),
    "a function gap in words": (
        {"gap_daily_management_days": "often"},
        "Enter a whole number of days, or leave empty for no gap check.",
        "gap_daily_management_days",
    ),
    "a time that does not exist": ({"quiet_start": "25:00"}, "Enter a time such as 21:00.", "quiet_start"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_rules_are_explained_beside_the_field_and_change_nothing(world: World, client: Client, case: str) -> None:
    overrides, message, field = BAD_INPUT[case]
    save_rules(world.cora, world.telephone, rules_form())
    before = snapshot()
    client.force_login(world.cora)

    typed = rules_form(**{"no_contact_days": "60", **overrides})
    response = client.post(rules_url(world), typed)

    assert response.status_code == 200
    page = text(response)
    form = section(page, f'action="{rules_url(world)}"', "</form>")
    assert "Nothing was saved." in form
    assert message in section(form, f'name="{field}"', "</div>")
    for name in (*RULE_LIMITS, *GAP_FIELDS.values()):
        if typed[name]:
            assert f'name="{name}" value="{typed[name]}"' in form  # what was typed stays
    assert snapshot() == before


def test_bad_rules_for_a_program_without_rules_create_no_row(world: World, client: Client) -> None:
    client.force_login(world.cora)
    response = client.post(rules_url(world), rules_form(max_failed_attempts=""))
    assert "Retry rules need a limit." in text(response)
    assert not FollowUpRules.objects.exists()
