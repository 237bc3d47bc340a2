"""A coordinator sets the program's cadence (or one enrolment's own) on the ongoing support settings page:
from a published preset or typed in; bad input is explained beside its field and nothing is saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.followup import engine
from alongside.followup.cadence import PRESET_BY_CODE, PRESETS, Cadence, CadenceKind, Phase, next_due_window
from alongside.followup.models import CadencePolicy, CadenceWindow, FollowUpState
from alongside.followup.services import save_cadence
from alongside.followup.views.policies import preview
from alongside.testing.pages import flash_messages, section, text
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def settings_url(world: World) -> str:
    return reverse("followup:program_settings", args=[world.telephone.pk])


def cadence_url(world: World) -> str:
    return reverse("followup:program_cadence", args=[world.telephone.pk])


def override_url(world: World) -> str:
    return reverse("followup:enrollment_cadence", args=[world.paul_enrollment.pk])


def custom(**fields: Any) -> dict[str, Any]:
    return {
        "preset": "",
        "kind": "interval",
        "interval_days": "",
        "grace_days": "",
        "phases": "",
        "windows": "",
        **fields,
    }


def snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    """Everything a cadence save could change."""
    return (
        list(CadencePolicy.objects.order_by("pk").values()),
        list(CadenceWindow.objects.order_by("pk").values()),
        list(FollowUpState.objects.order_by("pk").values("enrollment_id", "window_start", "window_end")),
    )


def state_window(world: World) -> tuple[Any, Any]:
    state = FollowUpState.objects.get(enrollment=world.paul_enrollment)
    return state.window_start, state.window_end


# ---- reading ----


def test_the_page_lists_every_preset_with_where_it_comes_from(world: World, client: Client) -> None:
    client.force_login(world.cora)
    page = text(client.get(settings_url(world)))
    assert "No cadence set." in page
    for preset in PRESETS:
        assert preset.label in page
        assert f"Source: {preset.source}" in page


def test_the_page_shows_the_current_cadence_in_words_and_its_next_windows(world: World, client: Client) -> None:
    preset = PRESET_BY_CODE["telephone_windows"]
    save_cadence(world.cora, preset.cadence, program=world.telephone, preset=preset.code)
    client.force_login(world.cora)

    current = section(text(client.get(settings_url(world))), 'aria-label="Current cadence"', "</div>")

    assert preset.cadence.describe() in current
    today = timezone.localdate()
    for window in preset.cadence.expanded_windows():
        assert f"Days {window.start_day}-{window.end_day}: {(today + timedelta(days=window.start_day)):%-d %b %Y}" in (
            current
        )


def test_a_supervisor_reads_the_settings_but_gets_no_form(world: World, client: Client) -> None:
    save_cadence(world.cora, PRESET_BY_CODE["reciprocal_weekly"].cadence, program=world.telephone)
    client.force_login(world.sam)
    response = client.get(settings_url(world))
    assert response.status_code == 200
    page = text(response)
    assert "Every 7 days after the last reached contact" in page
    assert "Save cadence" not in page and "Save rules" not in page


@pytest.mark.parametrize("who", ["supporter", "evaluator", "professional", "participant", "outsider"])
def test_other_roles_and_other_organizations_cannot_open_the_page(world: World, client: Client, who: str) -> None:
    client.force_login(world.users_by_role()[who])
    assert client.get(settings_url(world)).status_code == 404
    assert client.get(override_url(world)).status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "supporter", "evaluator", "outsider"])
def test_only_the_programs_coordinators_can_change_its_cadence(world: World, client: Client, who: str) -> None:
    before = snapshot()
    client.force_login(world.users_by_role()[who])
    response = client.post(cadence_url(world), {"preset": "telephone_windows"})
    assert response.status_code == 404
    response = client.post(override_url(world), {"preset": "telephone_windows"})
    assert response.status_code == 404
    assert snapshot() == before


def test_the_program_page_links_to_the_settings_for_coordinators_only(world: World, client: Client) -> None:
    detail = reverse("programs:detail", args=[world.telephone.pk])
    client.force_login(world.cora)
    assert settings_url(world) in text(client.get(detail))
    client.force_login(world.eve)
    page = text(client.get(detail))
    assert "Cadence: none set yet" in page
    assert settings_url(world) not in page


# ---- saving ----


def test_saving_a_preset_stores_its_windows_and_moves_everyones_due_window(world: World, client: Client) -> None:
    engine.recompute_all()
    assert state_window(world) == (None, None)  # no cadence yet: nothing scheduled
    preset = PRESET_BY_CODE["telephone_windows"]
    client.force_login(world.cora)

    response = client.post(cadence_url(world), {"preset": preset.code}, follow=True)

    assert response.redirect_chain == [(settings_url(world), 302)]
    assert flash_messages(response) == ["Cadence saved; everyone's next due window was recalculated."]
    policy = CadencePolicy.objects.get(program=world.telephone)
    assert policy.preset == preset.code
    assert policy.as_cadence() == preset.cadence
    expected = next_due_window(preset.cadence, world.paul_enrollment.enrolled_on, None)
    assert expected is not None
    assert state_window(world) == (expected.start, expected.end)
    # Rita is in the other program, which still has no cadence.
    assert FollowUpState.objects.get(enrollment=world.rita_enrollment).window_start is None


def test_typed_phases_are_saved_and_described(world: World, client: Client) -> None:
    client.force_login(world.cora)
    data = custom(kind="phases", grace_days="2", phases="every 7 days until day 56\nevery 30 days until day 300")
    response = client.post(cadence_url(world), data, follow=True)

    expected = Cadence(CadenceKind.PHASES, grace_days=2, phases=(Phase(7, 56), Phase(30, 300)))
    assert CadencePolicy.objects.get(program=world.telephone).as_cadence() == expected
    assert CadenceWindow.objects.filter(policy__program=world.telephone).count() == len(expected.expanded_windows())
    assert expected.describe() in text(response)


def test_typed_windows_are_saved_in_order(world: World, client: Client) -> None:
    client.force_login(world.cora)
    client.post(cadence_url(world), custom(kind="windows", windows="28-35, 7-10, 14-18"))
    rows = CadenceWindow.objects.filter(policy__program=world.telephone).values_list("start_day", "end_day")
    assert list(rows) == [(7, 10), (14, 18), (28, 35)]


def test_an_interval_replaces_an_earlier_windows_cadence(world: World, client: Client) -> None:
    save_cadence(world.cora, PRESET_BY_CODE["telephone_windows"].cadence, program=world.telephone)
    client.force_login(world.cora)
    client.post(cadence_url(world), custom(interval_days="10", grace_days="3"))
    policy = CadencePolicy.objects.get(program=world.telephone)
    assert policy.as_cadence() == Cadence(CadenceKind.INTERVAL, interval_days=10, grace_days=3)
    assert not policy.windows.exists()
    enrolled = world.paul_enrollment.enrolled_on
    assert state_window(world) == (enrolled + timedelta(days=10), enrolled + timedelta(days=13))


def test_preview_shows_the_windows_and_saves_nothing(world: World, client: Client) -> None:
    client.force_login(world.cora)
    before = snapshot()
    response = client.post(cadence_url(world), custom(kind="windows", windows="7-10, 14-18", preview="1"))
    assert response.status_code == 200
    page = text(response)
    today = timezone.localdate()
    assert f"Days 14-18: {(today + timedelta(days=14)):%-d %b %Y}" in page
    assert snapshot() == before


def test_the_htmx_preview_returns_the_windows_or_the_reason(world: World, client: Client) -> None:
    client.force_login(world.cora)
    url = reverse("followup:cadence_preview") + f"?program={world.telephone.pk}"
    fragment = text(client.post(url, custom(interval_days="7"), HTTP_HX_REQUEST="true"))
    assert "Every 7 days after the last reached contact" in fragment
    assert "<html" not in fragment
    fragment = text(client.post(url, custom(kind="windows", windows="7-10, 9-12"), HTTP_HX_REQUEST="true"))
    assert "Windows 7-10 and 9-12 overlap." in fragment


BAD_INPUT: dict[str, tuple[dict[str, Any], str, str]] = {
    "overlapping windows": (custom(kind="windows", windows="7-10, 9-12"), "Windows 7-10 and 9-12 overlap.", "9-12"),
    "no windows": (custom(kind="windows", windows=" , "), "Give at least one window, e.g. 7-10, 14-18.", ""),
    "a window ending before it starts": (
        custom(kind="windows", windows="10-7"),
        "Window 10-7 is empty: it must end on or after the day it starts.",
        "10-7",
    ),
    "an unparsable window": (
        custom(kind="windows", windows="7-10, next week"),
        "“next week” is not a window; write start-end in days, e.g. 7-10.",
        "7-10, next week",
    ),
    "a negative interval": (custom(interval_days="-7"), "Days cannot be negative.", 'value="-7"'),
    "a zero interval": (custom(interval_days="0"), "The interval must be between 1 and 366 days.", 'value="0"'),
    "grace as long as the interval": (
        custom(interval_days="7", grace_days="7"),
        "Grace days must be shorter than the interval, or the windows would overlap.",
        'value="7"',
    ),
    "an unparsable phase": (
        custom(kind="phases", phases="weekly for a while"),
        "“weekly for a while” is not a phase; write e.g. every 7 days until day 56.",
        "weekly for a while",
    ),
    "a phase with no contact in it": (
        custom(kind="phases", phases="every 30 days until day 20"),
        "“every 30 days until day 20” has no contact in it",
        "every 30 days until day 20",
    ),
    "no kind": (custom(kind=""), "Choose how the cadence is set: interval, phases or windows.", ""),
    "an unknown preset": (custom(preset="weekly_forever"), "Select a valid choice.", ""),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_cadence_input_is_explained_keeps_what_was_typed_and_changes_nothing(
    world: World, client: Client, case: str
) -> None:
    data, message, typed = BAD_INPUT[case]
    save_cadence(
        world.cora, PRESET_BY_CODE["coaching_phases"].cadence, program=world.telephone, preset="coaching_phases"
    )
    engine.recompute_all()
    before = snapshot()
    client.force_login(world.cora)

    response = client.post(cadence_url(world), data)

    assert response.status_code == 200
    page = text(response)
    assert "Nothing was saved." in page
    assert message in page
    assert typed in section(page, f'action="{cadence_url(world)}"', "</form>")
    assert snapshot() == before


def test_a_field_error_is_shown_beside_its_field(world: World, client: Client) -> None:
    client.force_login(world.cora)
    page = text(client.post(cadence_url(world), custom(kind="windows", windows="7-10, 9-12")))
    field = section(page, 'name="windows"', "</div>")
    assert "Windows 7-10 and 9-12 overlap." in field


# ---- one enrolment's own cadence ----


def test_an_enrolment_gets_its_own_cadence_and_goes_back_to_the_programs(world: World, client: Client) -> None:
    program_cadence = PRESET_BY_CODE["telephone_windows"].cadence
    save_cadence(world.cora, program_cadence, program=world.telephone)
    client.force_login(world.cora)
    enrolled = world.paul_enrollment.enrolled_on

    response = client.post(override_url(world), custom(interval_days="5", grace_days="1"), follow=True)

    assert flash_messages(response) == ["Paul Okafor now has their own cadence."]
    own = CadencePolicy.objects.get(enrollment=world.paul_enrollment)
    assert own.as_cadence() == Cadence(CadenceKind.INTERVAL, interval_days=5, grace_days=1)
    assert state_window(world) == (enrolled + timedelta(days=5), enrolled + timedelta(days=6))
    assert "Own cadence" in text(response)
    # The program's cadence is untouched.
    assert CadencePolicy.objects.get(program=world.telephone).as_cadence() == program_cadence

    clear = reverse("followup:enrollment_cadence_clear", args=[world.paul_enrollment.pk])
    response = client.post(clear, follow=True)

    assert flash_messages(response) == ["Paul Okafor follows the program's cadence again."]
    assert not CadencePolicy.objects.filter(enrollment=world.paul_enrollment).exists()
    expected = next_due_window(program_cadence, enrolled, None)
    assert expected is not None
    assert state_window(world) == (expected.start, expected.end)


def test_bad_input_for_an_enrolments_cadence_changes_nothing(world: World, client: Client) -> None:
    save_cadence(world.cora, PRESET_BY_CODE["reciprocal_weekly"].cadence, program=world.telephone)
    engine.recompute_all()
    before = snapshot()
    client.force_login(world.cora)
    response = client.post(override_url(world), custom(kind="windows", windows="7-10, 10-12"))
    assert response.status_code == 200
    page = text(response)
    assert "Windows 7-10 and 10-12 overlap." in page
    assert "7-10, 10-12" in page
    assert snapshot() == before


def test_the_participant_page_links_to_the_enrolment_cadence(world: World, client: Client) -> None:
    client.force_login(world.cora)
    page = text(client.get(reverse("people:participant", args=[world.paul.pk])))
    assert override_url(world) in page


def test_a_supervisor_reads_an_enrolments_cadence_without_a_form(world: World, client: Client) -> None:
    client.force_login(world.sam)
    response = client.get(override_url(world))
    assert response.status_code == 200
    assert "Save own cadence" not in text(response)


def test_an_enrolments_page_shows_only_the_windows_not_yet_over(world: World, client: Client) -> None:
    cadence = PRESET_BY_CODE["telephone_windows"].cadence
    save_cadence(world.cora, cadence, program=world.telephone)
    client.force_login(world.cora)
    current = section(text(client.get(override_url(world))), 'aria-label="Current cadence"', "</ol>")
    enrolled, today = world.paul_enrollment.enrolled_on, timezone.localdate()
    for window in cadence.expanded_windows():
        shown = f"Days {window.start_day}-{window.end_day}:" in current
        assert shown == (enrolled + timedelta(days=window.end_day) >= today)


@pytest.mark.parametrize("days_ago", [0, 6, 7, 8, 30, 365])
def test_an_interval_preview_starts_at_the_first_window_not_over(days_ago: int) -> None:
    cadence = Cadence(CadenceKind.INTERVAL, interval_days=7, grace_days=2)
    today = timezone.localdate()
    start = today - timedelta(days=days_ago)
    rows = preview(cadence, start, from_day=today).rows
    assert rows[0].end >= today  # not over ...
    is_first = rows[0].start == start + timedelta(days=7)
    assert is_first or rows[0].end - timedelta(days=7) < today  # ... and the one before it is
    assert [(r.end - r.start).days for r in rows] == [2] * len(rows)
