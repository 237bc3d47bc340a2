"""/api/v1/measurements/ and /api/v1/measurement-thresholds/: readings recorded with the concern they
raised in the response, unit and range errors as 400s that save nothing, scoped reads with the access
log, and thresholds per program that only managers change."""

from __future__ import annotations

from typing import Any

import pytest

from alongside.audit.models import AccessLogEntry
from alongside.safety.models import Concern
from alongside.selfcare.models import Measurement, MeasurementThresholds
from alongside.testing.api import ApiFor
from alongside.testing.groups import GroupWorld
from alongside.testing.world import World

pytestmark = pytest.mark.django_db

READINGS = "/api/v1/measurements/"
THRESHOLDS = "/api/v1/measurement-thresholds/"


def reading(enrollment_id: int, kind: str, value: Any, unit: str, **extra: Any) -> dict[str, Any]:
    return {"enrollment": enrollment_id, "kind": kind, "value": value, "unit": unit, **extra}


def test_a_leader_records_a_reading_at_the_session_and_sees_the_concern_raised(
    group_world: GroupWorld, api: ApiFor
) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    response = api(gw.lena.user).post(
        READINGS,
        reading(ana.pk, "glucose", "2.8", "mmol/L", session=gw.current_session.pk, glucose_context="fasting"),
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["canonical_value"] == "50.44" and data["canonical_display"] == "50 mg/dL"
    assert data["display_value"] == "2.8 mmol/L" and data["session"] == gw.current_session.pk
    assert data["concern"]["tier"] == "emergency" and "54 mg/dL" in data["concern"]["reason"]
    assert Measurement.objects.get().concern_id == data["concern"]["id"]


def test_hba1c_and_blood_pressure_through_the_api(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    client = api(gw.lena.user)
    session = gw.current_session.pk
    hba1c = client.post(READINGS, reading(ana.pk, "hba1c", 64, "mmol/mol", session=session), format="json").json()
    assert hba1c["canonical_display"] == "8.0 %" and hba1c["concern"] is None
    bp = reading(ana.pk, "blood_pressure", 165, "mmHg", value2=95, session=session)
    first = client.post(READINGS, bp, format="json").json()
    second = client.post(READINGS, bp, format="json").json()
    assert first["concern"]["tier"] == "routine" and second["concern"]["tier"] == "urgent"


def test_unit_and_range_errors_are_400s_that_save_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    client = api(gw.lena.user)
    session = gw.current_session.pk
    wrong_unit = client.post(READINGS, reading(ana.pk, "glucose", 120, "mg", session=session), format="json")
    assert wrong_unit.status_code == 400
    assert wrong_unit.json()["unit"] == ["Blood glucose is recorded in mg/dL or mmol/L, not “mg”."]
    too_high = reading(ana.pk, "blood_pressure", 320, "mmHg", value2=80, session=session)
    response = client.post(READINGS, too_high, format="json")
    assert response.status_code == 400 and "plausible range 50-300 mmHg" in response.json()["value"][0]
    no_diastolic = client.post(READINGS, reading(ana.pk, "blood_pressure", 210, "mmHg", session=session), format="json")
    assert no_diastolic.status_code == 400 and "value2" in no_diastolic.json()
    assert not Measurement.objects.exists() and not Concern.objects.exists()


def test_who_may_record_and_read(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    world = gw.world
    ana = gw.enrollments["ana"]
    body = reading(ana.pk, "weight", 80, "kg", session=gw.current_session.pk)
    assert api(world.paul_user).post(READINGS, body, format="json").status_code == 403
    assert api(world.eve).post(READINGS, body, format="json").status_code == 403
    assert api(world.sid.user).post(READINGS, body, format="json").status_code == 400  # no such enrolment for sid
    assert api(world.otto).post(READINGS, body, format="json").status_code == 400
    outside = reading(ana.pk, "weight", 80, "kg")  # the leader, without the session
    assert api(gw.lena.user).post(READINGS, outside, format="json").status_code == 403
    created = api(world.priya).post(READINGS, outside, format="json")  # the clinical lead
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api(world.otto).get(f"{READINGS}{pk}/").status_code == 404
    assert api(world.sid.user).get(f"{READINGS}{pk}/").status_code == 404
    assert api(gw.lena.user).get(f"{READINGS}{pk}/").status_code == 200
    assert AccessLogEntry.objects.filter(user=gw.lena.user, participant=ana.participant_id, channel="api").exists()
    assert Measurement.objects.count() == 1


def test_the_participant_reads_their_own_readings_without_the_concern(world: World, api: ApiFor) -> None:
    api(world.sofia.user).post(READINGS, reading(world.paul_enrollment.pk, "glucose", 45, "mg/dL"), format="json")
    rows = api(world.paul_user).get(READINGS).json()["results"]
    assert len(rows) == 1 and rows[0]["display_value"] == "45 mg/dL" and rows[0]["concern"] is None
    staff = api(world.sam).get(READINGS, {"participant": str(world.paul.pk), "kind": "glucose"}).json()["results"]
    assert staff[0]["concern"]["tier"] == "emergency"
    assert api(world.sam).get(READINGS, {"kind": "weight"}).json()["results"] == []


# --- thresholds -------------------------------------------------------------------------------------------


def test_thresholds_show_defaults_until_a_coordinator_changes_them(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    url = f"{THRESHOLDS}{gw.program.pk}/"
    shown = api(gw.world.sam).get(url).json()
    assert shown["is_default"] is True and shown["glucose_low_emergency"] == 54 and shown["bp_repeat_days"] == 30
    changed = api(gw.world.cora).patch(url, {"glucose_high_urgent": 250}, format="json")
    assert changed.status_code == 200 and changed.json()["glucose_high_urgent"] == 250
    assert changed.json()["is_default"] is False
    assert MeasurementThresholds.objects.get(program=gw.program).glucose_high_urgent == 250


def test_thresholds_out_of_order_are_a_400_that_saves_nothing(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    url = f"{THRESHOLDS}{gw.program.pk}/"
    response = api(gw.world.cora).patch(url, {"glucose_low_urgent": 40}, format="json")
    assert response.status_code == 400
    assert response.json()["glucose_low_urgent"] == ["Must be above the low glucose emergency threshold (54)."]
    full = api(gw.world.cora).put(url, {"glucose_low_urgent": 70}, format="json")
    assert full.status_code == 400 and "glucose_high_urgent" in full.json()  # PUT needs every threshold
    assert not MeasurementThresholds.objects.exists()


def test_only_managers_change_thresholds_and_outsiders_see_none(group_world: GroupWorld, api: ApiFor) -> None:
    gw = group_world
    url = f"{THRESHOLDS}{gw.program.pk}/"
    for user in (gw.world.sam, gw.world.priya, gw.lena.user):
        assert api(user).patch(url, {"bp_repeat_days": 10}, format="json").status_code == 403
    assert api(gw.world.otto).get(url).status_code == 404
    assert api(gw.world.otto).patch(url, {"bp_repeat_days": 10}, format="json").status_code == 404
    assert api(gw.world.paul_user).get(url).status_code == 404
    assert not MeasurementThresholds.objects.exists()
    programs = {row["program"] for row in api(gw.world.cora).get(THRESHOLDS).json()["results"]}
    assert gw.program.pk in programs and gw.world.telephone.pk in programs


def test_the_schema_lists_the_three_resources() -> None:
    from rest_framework.test import APIClient

    paths = APIClient().get("/api/schema/", {"format": "json"}).json()["paths"]
    assert "post" in paths["/api/v1/action-plans/{id}/review/"]
    assert "post" in paths["/api/v1/action-plans/{id}/withdraw/"]
    assert "post" in paths["/api/v1/measurements/"] and "patch" in paths["/api/v1/measurement-thresholds/{id}/"]
