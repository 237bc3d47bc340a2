"""Readings through the services: units and plausible ranges (errors change nothing), conversion to the
canonical units, and each threshold tier raising a concern that reaches the supervisors' concerns page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from alongside.safety.models import Concern
from alongside.selfcare.models import Measurement, MeasurementThresholds
from alongside.selfcare.services import Reading, record_measurement, record_readings, save_thresholds
from alongside.testing.groups import GroupWorld
from alongside.testing.world import PASSWORD, make_contact


def record(gw: GroupWorld, kind: str, value: Any, value2: Any = None, *, who: str = "ana", **extra: Any) -> Measurement:
    enrollment = gw.enrollments[who]
    extra.setdefault("session", gw.current_session)
    return record_measurement(gw.lena.user, enrollment.participant, enrollment, kind, value, value2, **extra)


def nothing_saved() -> bool:
    return not Measurement.objects.exists() and not Concern.objects.exists()


# --- units and ranges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "value2", "unit", "field", "words"),
    [
        ("glucose", "120", None, "mg", "unit", "Blood glucose is recorded in mg/dL or mmol/L, not “mg”."),
        ("weight", "80", None, "stone", "unit", "Weight is recorded in kg or lb, not “stone”."),
        ("hba1c", "7", None, "", "unit", "Give the unit: hba1c is recorded in % or mmol/mol."),
        ("blood_pressure", "120", "80", "kPa", "unit", "Blood pressure is recorded in mmHg"),
        ("blood_pressure", "400", "80", "mmHg", "value", "Systolic 400 mmHg is outside the plausible range 50-300"),
        ("blood_pressure", "120", "130", "mmHg", "value2", "must be below the systolic"),
        ("blood_pressure", "120", None, "mmHg", "value2", "Give the diastolic"),
        ("blood_pressure", "120", "10", "mmHg", "value2", "outside the plausible range 20-200 mmHg"),
        ("weight", "7", None, "kg", "value", "Weight 7 kg is outside the plausible range 20-350 kg"),
        ("weight", "900", None, "lb", "value", "Weight 900 lb is outside the plausible range 44-772 lb"),
        ("weight", "80", "3", "kg", "value2", "Only blood pressure has a second value."),
        ("hba1c", "25", None, "%", "value", "HbA1c 25 % is outside the plausible range 3-20 %"),
        ("hba1c", "7", None, "mmol/mol", "value", "HbA1c 7 mmol/mol is outside the plausible range 9-195"),
        ("glucose", "0.3", None, "mmol/L", "value", "Blood glucose 0.3 mmol/L is outside the plausible range 0.6-55"),
        ("glucose", "5000", None, "mg/dL", "value", "outside the plausible range 10-1000 mg/dL"),
        ("glucose", "5.555", None, "mmol/L", "value", "at most 2 decimals"),
        ("glucose", "lots", None, "mg/dL", "value", "must be a number"),
    ],
)
def test_a_wrong_unit_or_an_implausible_value_is_refused_and_nothing_is_saved(
    group_world: GroupWorld, kind: str, value: str, value2: str | None, unit: str, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as error:
        record(group_world, kind, value, value2, unit=unit)
    assert words.lower() in " ".join(error.value.message_dict[field]).lower()
    assert nothing_saved()


def test_a_glucose_context_belongs_to_glucose_only(group_world: GroupWorld) -> None:
    with pytest.raises(ValidationError) as error:
        record(group_world, "weight", "80", unit="kg", glucose_context="fasting")
    assert "Only a glucose reading has a context" in error.value.message_dict["glucose_context"][0]
    with pytest.raises(ValidationError):
        record(group_world, "glucose", "100", unit="mg/dL", glucose_context="midnight")
    assert nothing_saved()


def test_a_reading_cannot_be_dated_in_the_future(group_world: GroupWorld) -> None:
    with pytest.raises(ValidationError) as error:
        record(group_world, "weight", "80", unit="kg", taken_at=timezone.now() + timedelta(hours=2))
    assert "future" in error.value.message_dict["taken_at"][0]


def test_units_are_accepted_in_any_case_and_kept_in_their_own_spelling(group_world: GroupWorld) -> None:
    reading = record(group_world, "glucose", "110", unit="MG/DL")
    assert reading.unit == "mg/dL" and reading.display_value == "110 mg/dL"


# --- conversions -----------------------------------------------------------------------------------------


def test_hba1c_in_mmol_per_mol_is_converted_to_percent_by_the_master_equation(group_world: GroupWorld) -> None:
    reading = record(group_world, "hba1c", 64, unit="mmol/mol")
    assert reading.canonical_value == Decimal("8.0") and reading.value == Decimal("64") and reading.unit == "mmol/mol"
    assert reading.concern is None  # HbA1c has no safety threshold


def test_weight_in_pounds_and_glucose_in_mmol_per_litre_are_converted(group_world: GroupWorld) -> None:
    assert record(group_world, "weight", "165", unit="lb").canonical_value == Decimal("74.84")
    assert record(group_world, "glucose", "7.0", unit="mmol/L", who="ben").canonical_value == Decimal("126.11")
    assert record(group_world, "weight", "72.5", unit="kg", who="ben").canonical_value == Decimal("72.5")


def test_several_readings_are_saved_together_or_not_at_all(group_world: GroupWorld) -> None:
    gw = group_world
    readings = [Reading("blood_pressure", "210", "mmHg", value2="100"), Reading("glucose", "120", "mg")]
    with pytest.raises(ValidationError) as error:
        record_readings(gw.lena.user, gw.enrollments["ana"], readings, session=gw.current_session)
    assert set(error.value.message_dict) == {"glucose_unit"}
    assert nothing_saved()  # the blood pressure, an emergency, was not saved and raised nothing
    saved = record_readings(
        gw.lena.user,
        gw.enrollments["ana"],
        [Reading("blood_pressure", "128", "mmHg", value2="82"), Reading("weight", "81", "kg")],
        session=gw.current_session,
    )
    assert [m.kind for m in saved] == ["blood_pressure", "weight"] and not Concern.objects.exists()


# --- thresholds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "tier", "words"),
    [
        ("53", "mg/dL", "emergency", "below the emergency threshold of 54 mg/dL"),
        ("2.8", "mmol/L", "emergency", "below the emergency threshold of 54 mg/dL"),
        ("450", "mg/dL", "emergency", "above the emergency threshold of 400 mg/dL"),
        ("60", "mg/dL", "urgent", "below the urgent threshold of 70 mg/dL"),
        ("320", "mg/dL", "urgent", "above the urgent threshold of 300 mg/dL"),
        ("18", "mmol/L", "urgent", "above the urgent threshold of 300 mg/dL"),
    ],
)
def test_glucose_past_the_thresholds_raises_a_concern_of_the_right_tier(
    group_world: GroupWorld, value: str, unit: str, tier: str, words: str
) -> None:
    gw = group_world
    reading = record(gw, "glucose", value, unit=unit, glucose_context="fasting")
    concern = reading.concern
    assert concern is not None and concern.tier == tier
    assert concern.participant == gw.participants["ana"] and concern.program == gw.program
    assert words in concern.reason
    assert f"Blood glucose {value} {unit}" in concern.reason and "fasting" in concern.reason
    assert "Living Well with Diabetes, spring, session 4" in concern.reason  # where it was taken


def test_glucose_within_the_thresholds_raises_nothing(group_world: GroupWorld) -> None:
    assert record(group_world, "glucose", "150", unit="mg/dL").concern is None
    assert record(group_world, "glucose", "3.0", unit="mmol/L", who="ben").concern.tier == "urgent"  # type: ignore[union-attr]
    assert not Concern.objects.filter(tier="emergency").exists()  # 3.0 mmol/L is 54.05 mg/dL: not below 54


def test_blood_pressure_at_or_above_the_emergency_threshold_is_an_emergency(group_world: GroupWorld) -> None:
    high = record(group_world, "blood_pressure", 205, 118, unit="mmHg")
    assert high.concern is not None and high.concern.tier == "emergency"
    assert "Blood pressure 205/118 mmHg" in high.concern.reason and "200/120 mmHg" in high.concern.reason
    diastolic = record(group_world, "blood_pressure", 150, 125, unit="mmHg", who="ben")
    assert diastolic.concern is not None and diastolic.concern.tier == "emergency"


def test_a_single_high_blood_pressure_is_routine_and_a_second_within_30_days_is_urgent(
    group_world: GroupWorld,
) -> None:
    gw = group_world
    first = record(gw, "blood_pressure", 165, 95, unit="mmHg", session=gw.sessions[0])
    assert first.concern is not None and first.concern.tier == "routine"
    assert "recheck" in first.concern.reason and "above 160/100 mmHg" in first.concern.reason
    second = record(gw, "blood_pressure", 162, 96, unit="mmHg")
    assert second.concern is not None and second.concern.tier == "urgent"
    assert "another high reading (165/95 mmHg" in second.concern.reason and "within 30 days" in second.concern.reason


def test_a_high_reading_longer_ago_than_the_repeat_window_does_not_make_it_urgent(group_world: GroupWorld) -> None:
    gw = group_world
    enrollment = gw.enrollments["ana"]
    long_ago = timezone.now() - timedelta(days=45)
    record_measurement(gw.world.cora, enrollment.participant, enrollment, "blood_pressure", 170, 90, unit="mmHg",
                       taken_at=long_ago)  # fmt: skip
    again = record(gw, "blood_pressure", 170, 90, unit="mmHg")
    assert again.concern is not None and again.concern.tier == "routine"


def test_a_normal_blood_pressure_or_weight_raises_nothing(group_world: GroupWorld) -> None:
    assert record(group_world, "blood_pressure", 160, 100, unit="mmHg").concern is None  # at, not above
    assert record(group_world, "weight", 130, unit="kg").concern is None
    assert not Concern.objects.exists()


def test_the_programs_own_thresholds_apply_and_are_created_with_defaults_when_missing(group_world: GroupWorld) -> None:
    gw = group_world
    assert not MeasurementThresholds.objects.exists()
    record(gw, "glucose", "260", unit="mg/dL")
    thresholds = MeasurementThresholds.objects.get(program=gw.program)
    assert thresholds.glucose_high_urgent == 300 and thresholds.bp_repeat_days == 30
    save_thresholds(gw.world.cora, gw.program, {"glucose_high_urgent": 250})
    reading = record(gw, "glucose", "260", unit="mg/dL", who="ben")
    assert reading.concern is not None and "above the urgent threshold of 250 mg/dL" in reading.concern.reason


def test_readings_in_a_contact_default_to_the_contacts_time_and_say_so(group_world: GroupWorld) -> None:
    world = group_world.world
    call = make_contact(world.paul_enrollment, world.sofia.user, days_ago=2, modality="home_visit")
    reading = record_measurement(
        world.sofia.user, world.paul, world.paul_enrollment, "glucose", "45", unit="mg/dL", contact=call
    )
    assert reading.taken_at == call.occurred_at and reading.contact == call
    assert reading.concern is not None and "in a home visit contact on" in reading.concern.reason


def test_a_reading_at_a_past_session_is_dated_at_the_session(group_world: GroupWorld) -> None:
    gw = group_world
    reading = record(gw, "weight", "80", unit="kg", session=gw.sessions[1])
    assert reading.taken_at == gw.sessions[1].starts_at


def test_readings_are_refused_for_a_session_that_has_not_started(group_world: GroupWorld) -> None:
    with pytest.raises(ValidationError, match="not started"):
        record(group_world, "weight", "80", unit="kg", session=group_world.sessions[5])


def test_only_those_who_run_the_session_or_care_for_the_person_record_readings(group_world: GroupWorld) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    for user in (gw.world.sid.user, gw.world.eve, gw.world.paul_user, gw.world.otto):
        with pytest.raises(PermissionDenied):
            record_measurement(user, ana.participant, ana, "weight", "80", unit="kg", session=gw.current_session)
    with pytest.raises(PermissionDenied):  # a leader outside their sessions
        record_measurement(gw.lena.user, ana.participant, ana, "weight", "80", unit="kg")
    # the program's clinical lead, without a session
    assert record_measurement(gw.world.priya, ana.participant, ana, "weight", "80", unit="kg").pk
    assert nothing_saved() is False and Measurement.objects.count() == 1


def test_the_concerns_reach_the_supervisors_concerns_page(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    record(gw, "glucose", "50", unit="mg/dL")
    record(gw, "blood_pressure", 165, 95, unit="mmHg", who="ben")
    client.login(username=gw.world.sam.username, password=PASSWORD)
    page = client.get("/safety/concerns/").content.decode()
    assert "Ana Tester" in page and "Blood glucose 50 mg/dL" in page and "emergency threshold of 54 mg/dL" in page
    assert "Ben Tester" in page and "Blood pressure 165/95 mmHg" in page
    assert page.index("Ana Tester") < page.index("Ben Tester")  # the emergency first
