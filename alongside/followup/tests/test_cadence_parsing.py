"""Parsing what a coordinator types into the cadence form: every valid cadence survives the round trip
through its own text, and text that is not a cadence gets a clear message keyed by field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from alongside.followup.cadence import (
    Cadence,
    CadenceKind,
    Phase,
    Window,
    check_cadence,
    parse_phases,
    parse_windows,
)
from alongside.followup.tests.test_cadence_properties import phase_cadences, window_cadences

FAST = settings(max_examples=150, deadline=None)


@FAST
@given(window_cadences(), st.sampled_from([", ", ",", "; ", "\n", " ,  "]))
def test_windows_survive_the_round_trip_through_text(cadence: Cadence, separator: str) -> None:
    text = separator.join(str(w) for w in cadence.windows)
    parsed = parse_windows(text)
    assert parsed == cadence.windows
    assert check_cadence(Cadence(CadenceKind.WINDOWS, windows=parsed)) == check_cadence(cadence)


@FAST
@given(phase_cadences(), st.sampled_from(["\n", "; ", ", then ", " then "]))
def test_phases_survive_the_round_trip_through_text(cadence: Cadence, separator: str) -> None:
    text = separator.join(str(p) for p in cadence.phases)
    parsed = parse_phases(text)
    assert parsed == cadence.phases
    again = Cadence(CadenceKind.PHASES, grace_days=cadence.grace_days, phases=parsed)
    assert check_cadence(again).expanded_windows() == cadence.expanded_windows()


def test_the_describe_text_of_a_phase_cadence_parses_back() -> None:
    cadence = Cadence(CadenceKind.PHASES, grace_days=2, phases=(Phase(7, 56), Phase(30, 300)))
    assert parse_phases(cadence.describe()) == cadence.phases


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7-10, 14-18, 28", (Window(7, 10), Window(14, 18), Window(28, 28))),
        (" 7 - 10 ;14-18\n\n28 ", (Window(7, 10), Window(14, 18), Window(28, 28))),
        ("120-150,56-70", (Window(120, 150), Window(56, 70))),
    ],
)
def test_windows_are_read_with_loose_spacing_and_separators(text: str, expected: tuple[Window, ...]) -> None:
    assert parse_windows(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 7 days until day 56", (Phase(7, 56),)),
        ("Every 7 days until day 56, then every 30 days until day 300", (Phase(7, 56), Phase(30, 300))),
        ("7 days to 56\n30 till 300", (Phase(7, 56), Phase(30, 300))),
        ("every 1 day until 10", (Phase(1, 10),)),
    ],
)
def test_phases_are_read_in_the_ways_people_write_them(text: str, expected: tuple[Phase, ...]) -> None:
    assert parse_phases(text) == expected


@pytest.mark.parametrize("text", ["", "  ", ",,;", "7-", "a-b", "7-10, fortnightly", "-3-4", "7..10"])
def test_text_that_is_not_windows_gets_a_message_on_the_windows_field(text: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_windows(text)
    assert list(error.value.message_dict) == ["windows"]
    assert error.value.message_dict["windows"][0]


@pytest.mark.parametrize("text", ["", "weekly", "every week until month 2", "every 7 days", "until day 56"])
def test_text_that_is_not_phases_gets_a_message_on_the_phases_field(text: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_phases(text)
    assert list(error.value.message_dict) == ["phases"]


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("10-7", "windows", "empty"),
        ("7-10, 9-12", "windows", "overlap"),
        ("7-10, 10", "windows", "overlap"),
        ("1-3651", "windows", "3650"),
    ],
)
def test_parsed_windows_that_make_no_sense_are_rejected_by_check(text: str, field: str, words: str) -> None:
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.WINDOWS, windows=parse_windows(text)))
    assert words in " ".join(error.value.message_dict[field])


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("every -7 days until day 56", "phases"),
        ("every 0 days until day 56", "phases"),
        ("every 7 days until day 3", "phases"),
        ("every 7 days until day 56; every 30 days until day 40", "phases"),
        ("every 1 days until day 300", "phases"),  # 300 contacts: more than MAX_WINDOWS
    ],
)
def test_parsed_phases_that_make_no_sense_are_rejected_by_check(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence(CadenceKind.PHASES, phases=parse_phases(text)))
    assert field in error.value.message_dict


def test_an_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValidationError) as error:
        check_cadence(Cadence("fortnightly", interval_days=14))
    assert "kind" in error.value.message_dict
