"""Reading pages: quick entry at a group visit with a clear banner when a concern is raised, a person's
history in canonical units, and the program's thresholds (managers edit, order checked, nothing saved on
error)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from alongside.accounts.models import User
from alongside.audit.models import AccessLogEntry
from alongside.safety.models import Concern
from alongside.selfcare.models import Measurement, MeasurementThresholds
from alongside.selfcare.services import record_measurement
from alongside.testing.groups import GroupWorld
from alongside.testing.world import PASSWORD, World, make_contact

pytestmark = pytest.mark.django_db


def login(client: Client, user: User) -> Client:
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def readings(enrollment_id: int, **values: str) -> dict[str, Any]:
    data: dict[str, Any] = {"enrollment": enrollment_id, f"p{enrollment_id}-weight_unit": "kg"}
    data[f"p{enrollment_id}-glucose_unit"] = "mg/dL"
    data[f"p{enrollment_id}-hba1c_unit"] = "%"
    data.update({f"p{enrollment_id}-{k}": v for k, v in values.items()})
    return data


def test_a_leader_enters_readings_for_each_person_at_the_group_visit(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    login(client, gw.lena.user)
    url = reverse("selfcare:session_measurements", args=[gw.current_session.pk])
    page = client.get(url).content.decode()
    assert "Readings for Ana" in page and "Readings for Elena" in page and 'inputmode="decimal"' in page
    response = client.post(
        url, readings(ana.pk, blood_pressure_value="128", blood_pressure_value2="82", weight_value="81.5")
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#person-{ana.pk}")
    assert {m.kind for m in Measurement.objects.filter(session=gw.current_session)} == {"blood_pressure", "weight"}
    page = client.get(url).content.decode()
    assert "Saved for Ana Tester: blood pressure 128/82 mmHg, weight 81.5 kg." in page
    assert "Blood pressure 128/82 mmHg" in page and "Concerns raised at this session" not in page
    assert AccessLogEntry.objects.filter(user=gw.lena.user, participant=gw.participants["dev"]).exists()


def test_an_emergency_reading_shows_a_banner_to_tell_the_clinician_now(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    ben = gw.enrollments["ben"]
    login(client, gw.lena.user)
    url = reverse("selfcare:session_measurements", args=[gw.current_session.pk])
    response = client.post(url, readings(ben.pk, glucose_value="2.8", glucose_unit="mmol/L"), follow=True)
    page = response.content.decode()
    banner = "Emergency concern raised for Ben Tester (Blood glucose 2.8 mmol/L): tell the clinician in the room now."
    assert banner in page
    assert 'class="error-summary concern-banner" role="alert"' in page
    concern = Concern.objects.get()
    assert concern.tier == "emergency" and Measurement.objects.get().concern == concern
    # The banner stays until someone acknowledges the concern.
    page = client.get(url).content.decode()
    assert "Concerns raised at this session, not yet acknowledged" in page
    login(client, gw.world.sam)
    client.post(reverse("safety:acknowledge", args=[concern.pk]))
    login(client, gw.lena.user)
    assert "Concerns raised at this session" not in client.get(url).content.decode()


def test_a_wrong_unit_reshows_the_form_with_what_was_typed_and_saves_nothing(
    group_world: GroupWorld, client: Client
) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    login(client, gw.lena.user)
    url = reverse("selfcare:session_measurements", args=[gw.current_session.pk])
    data = readings(ana.pk, blood_pressure_value="210", blood_pressure_value2="90", weight_value="8")
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Weight 8 kg is outside the plausible range 20-350 kg" in page
    assert 'value="210"' in page and 'value="8"' in page and "Nothing was saved" in page
    assert not Measurement.objects.exists() and not Concern.objects.exists()


def test_nothing_entered_is_an_error_not_an_empty_save(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    login(client, gw.lena.user)
    url = reverse("selfcare:session_measurements", args=[gw.current_session.pk])
    assert "Enter at least one reading." in client.post(url, readings(ana.pk)).content.decode()


def test_the_readings_page_is_for_those_who_run_the_session(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    url = reverse("selfcare:session_measurements", args=[gw.current_session.pk])
    for user in (gw.world.otto, gw.world.sid.user, gw.world.eve, gw.world.paul_user):
        login(client, user)
        assert client.get(url).status_code == 404, user.username
    login(client, gw.world.priya)  # the clinical lead records readings at the visit too
    ana = gw.enrollments["ana"]
    assert client.post(url, readings(ana.pk, weight_value="70")).status_code == 302


def test_a_persons_history_is_per_kind_in_canonical_units(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    ana = gw.enrollments["ana"]
    record_measurement(gw.lena.user, ana.participant, ana, "hba1c", 64, unit="mmol/mol", session=gw.current_session)
    record_measurement(gw.lena.user, ana.participant, ana, "glucose", "2.8", unit="mmol/L", session=gw.current_session)
    login(client, gw.world.sam)
    page = client.get(reverse("selfcare:participant_measurements", args=[ana.participant_id])).content.decode()
    assert "<b>8.0 %</b>" in page and "entered 64 mmol/mol" in page
    assert "<b>50 mg/dL</b>" in page and "entered 2.8 mmol/L" in page and "Emergency (same day) concern" in page
    assert "Living Well with Diabetes, spring, session 4" in page


def test_the_participant_sees_their_readings_without_the_staffs_concerns(world: World, client: Client) -> None:
    record_measurement(world.sofia.user, world.paul, world.paul_enrollment, "glucose", "50", unit="mg/dL")
    login(client, world.paul_user)
    page = client.get(reverse("selfcare:participant_measurements", args=[world.paul.pk])).content.decode()
    assert "Your readings" in page and "<b>50 mg/dL</b>" in page
    assert "concern" not in page.lower() and "Record readings" not in page


def test_a_supporter_records_readings_from_a_contact(world: World, client: Client) -> None:
    visit = make_contact(world.paul_enrollment, world.sofia.user, days_ago=1, modality="home_visit")
    login(client, world.sofia.user)
    url = reverse("selfcare:participant_measurements", args=[world.paul.pk]) + f"?contact={visit.pk}"
    assert "Record readings from the home visit" in client.get(url).content.decode()
    data = readings(world.paul_enrollment.pk, weight_value="200", weight_unit="lb")
    data = {k.replace(f"p{world.paul_enrollment.pk}-", ""): v for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302
    weight = Measurement.objects.get()
    assert weight.contact == visit and weight.taken_at == visit.occurred_at and str(weight.canonical_value) == "90.72"
    login(client, world.sid.user)
    assert client.get(url).status_code == 404


# --- thresholds -------------------------------------------------------------------------------------------


def threshold_data(**overrides: int) -> dict[str, int]:
    data = {
        "glucose_low_emergency": 54,
        "glucose_low_urgent": 70,
        "glucose_high_urgent": 300,
        "glucose_high_emergency": 400,
        "bp_high_systolic": 160,
        "bp_high_diastolic": 100,
        "bp_repeat_days": 30,
        "bp_emergency_systolic": 200,
        "bp_emergency_diastolic": 120,
    }
    data.update(overrides)
    return data


def test_a_coordinator_changes_the_thresholds(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    login(client, gw.world.cora)
    url = reverse("selfcare:thresholds", args=[gw.program.pk])
    page = client.get(url).content.decode()
    assert "These are the defaults" in page and 'value="300"' in page
    response = client.post(url, threshold_data(glucose_high_urgent=250, bp_repeat_days=14))
    assert response.status_code == 302
    saved = MeasurementThresholds.objects.get(program=gw.program)
    assert saved.glucose_high_urgent == 250 and saved.bp_repeat_days == 14 and saved.updated_by == gw.world.cora


def test_thresholds_out_of_order_are_refused_and_nothing_is_saved(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    login(client, gw.world.cora)
    url = reverse("selfcare:thresholds", args=[gw.program.pk])
    page = client.post(url, threshold_data(glucose_low_urgent=50, bp_emergency_systolic=150)).content.decode()
    assert "Must be above the low glucose emergency threshold (54)." in page
    assert "Must be above the high systolic (160)." in page and "Nothing was saved" in page
    assert 'value="50"' in page  # what was typed is kept
    assert not MeasurementThresholds.objects.exists()
    page = client.post(url, threshold_data(bp_repeat_days=0)).content.decode()
    assert "Must be between 1 and 365." in page and not MeasurementThresholds.objects.exists()


def test_supervisors_read_the_thresholds_outsiders_and_participants_do_not(
    group_world: GroupWorld, client: Client
) -> None:
    gw = group_world
    url = reverse("selfcare:thresholds", args=[gw.program.pk])
    login(client, gw.world.sam)
    page = client.get(url).content.decode()
    assert "emergency below 54 or above 400 mg/dL" in page and "Save thresholds" not in page
    assert client.post(url, threshold_data()).status_code == 404
    for user in (gw.world.otto, gw.world.paul_user, gw.world.eve):
        login(client, user)
        assert client.get(url).status_code == 404, user.username
    assert not MeasurementThresholds.objects.exists()


def test_readings_open_an_hour_before_the_session(group_world: GroupWorld, client: Client) -> None:
    gw = group_world
    login(client, gw.lena.user)
    page = client.get(reverse("selfcare:session_measurements", args=[gw.sessions[5].pk])).content.decode()
    assert "Readings can be entered from an hour before the session starts." in page and "Readings for" not in page
