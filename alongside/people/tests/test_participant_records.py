"""Participant records through the pages: phone numbers, dates, consent and its history, and the access log."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alongside.audit.models import AccessLogEntry
from alongside.people.models import ConsentRecord, Participant
from alongside.testing.pages import checked_values, flash_messages, section, text
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def participant_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "preferred_name": "Nina",
        "family_name": "Baptiste",
        "date_of_birth": "1961-04-09",
        "gender": "woman",
        "preferred_language": "fr",
        "conditions": ["type2_diabetes", "hypertension"],
        "phone": "(202) 555-0143",
        "email": "nina@example.org",
        "locality": "Eastside",
        "timezone": "",
        "best_times": ["morning"],
        "best_times_note": "Not on Thursdays",
        "consent_contact": "on",
        "consent_texts": "on",
        "consent_method": "written",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def create_nina(client: Client, **overrides: Any) -> Participant:
    response = client.post(reverse("people:participant_new"), participant_form(**overrides), follow=True)
    assert response.redirect_chain, text(response)[-3000:]
    return Participant.objects.get(preferred_name="Nina")


def test_a_coordinator_adds_a_participant_and_the_phone_is_stored_in_international_form(
    world: World, client: Client
) -> None:
    client.force_login(world.cora)
    response = client.post(reverse("people:participant_new"), participant_form(), follow=True)

    nina = Participant.objects.get(preferred_name="Nina")
    assert response.redirect_chain == [(reverse("people:participant", args=[nina.pk]), 302)]
    assert flash_messages(response) == ["Nina Baptiste was added."]
    assert nina.phone == "+12025550143"
    assert nina.organization == world.org
    assert nina.date_of_birth == date(1961, 4, 9)
    assert nina.conditions == ["type2_diabetes", "hypertension"]
    assert nina.best_times == ["morning"]
    page = text(response)
    assert "+1 202-555-0143" in page
    assert 'href="tel:+12025550143"' in page
    assert "Type 2 diabetes, Hypertension" in page


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("202-555-0143", "+12025550143"), ("+1 202 555 0143", "+12025550143"), ("+44 20 7946 0958", "+442079460958")],
)
def test_phone_numbers_in_any_format_are_stored_alike(world: World, client: Client, typed: str, stored: str) -> None:
    client.force_login(world.cora)
    assert create_nina(client, phone=typed).phone == stored


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"phone": "12345"}, "“12345” is not a valid phone number."),
        ({"phone": "call me"}, "“call me” is not a phone number."),
        ({"date_of_birth": (timezone.localdate() + timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"date_of_birth": "1850-01-01"}, "Date of birth is before 1900."),
        ({"timezone": "Mars/Olympus_Mons"}, "Unknown time zone: Mars/Olympus_Mons."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"preferred_name": "   "}, "This field is required."),
    ],
)
def test_bad_participant_input_is_refused_and_nothing_typed_is_lost(
    world: World, client: Client, overrides: dict[str, Any], field_message: str
) -> None:
    client.force_login(world.cora)
    participants, consents = Participant.objects.count(), ConsentRecord.objects.count()

    response = client.post(reverse("people:participant_new"), participant_form(**overrides))

    assert response.status_code == 200
    page = text(response)
    assert field_message in page
    assert "Nothing was saved." in page
    assert Participant.objects.count() == participants
    assert ConsentRecord.objects.count() == consents
    # What the coordinator typed is still in the form.
    if "preferred_name" not in overrides:
        assert 'value="Nina"' in page
    assert 'value="Baptiste"' in page
    assert 'value="Eastside"' in page
    assert 'value="Not on Thursdays"' in page
    assert f'value="{overrides.get("phone", "(202) 555-0143")}"' in page
    assert checked_values(page, "conditions") == ["type2_diabetes", "hypertension"]
    assert len(checked_values(page, "consent_contact")) == 1
    assert len(checked_values(page, "consent_texts")) == 1
    assert checked_values(page, "consent_method") == ["written"]


def test_the_future_date_of_birth_message_is_shown_beside_the_field(world: World, client: Client) -> None:
    client.force_login(world.cora)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = text(client.post(reverse("people:participant_new"), participant_form(date_of_birth=tomorrow)))
    assert "Date of birth cannot be in the future." in page
    assert f'value="{tomorrow}"' in page
    assert not Participant.objects.filter(preferred_name="Nina").exists()


def test_ticked_consents_are_recorded_with_who_and_when(world: World, client: Client) -> None:
    client.force_login(world.cora)
    before = timezone.now()
    nina = create_nina(client)

    assert nina.consent_contact and nina.consent_texts and not nina.consent_data_sharing
    granted = ConsentRecord.objects.filter(participant=nina, granted=True)
    assert sorted(granted.values_list("kind", flat=True)) == ["contact", "texts"]
    for record in granted:
        assert record.recorded_by == world.cora
        assert before <= record.recorded_at <= timezone.now()
        assert record.method == "written"
    # The unticked one is kept as a refusal at intake, by the same person.
    refusal = ConsentRecord.objects.get(participant=nina, kind="data_sharing")
    assert not refusal.granted and refusal.recorded_by == world.cora


def test_withdrawing_consent_to_texts_adds_one_record_and_leaves_the_others_alone(world: World, client: Client) -> None:
    client.force_login(world.cora)
    nina = create_nina(client)
    history_before = set(ConsentRecord.objects.filter(participant=nina).values_list("pk", flat=True))
    client.force_login(world.ada)
    before = timezone.now()

    response = client.post(
        reverse("people:participant_edit", args=[nina.pk]),
        participant_form(consent_texts=None, consent_method="verbal"),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("people:participant", args=[nina.pk]), 302)]
    assert flash_messages(response) == ["Saved."]
    nina.refresh_from_db()
    assert nina.consent_contact and not nina.consent_texts
    new = ConsentRecord.objects.filter(participant=nina).exclude(pk__in=history_before)
    assert new.count() == 1
    record = new.get()
    assert (record.kind, record.granted, record.method) == ("texts", False, "verbal")
    assert record.recorded_by == world.ada
    assert before <= record.recorded_at <= timezone.now()
    # The earlier records are kept as they were.
    assert set(ConsentRecord.objects.filter(participant=nina, pk__in=history_before).values_list("pk", flat=True)) == (
        history_before
    )


def test_withdrawing_texts_for_someone_whose_earlier_consent_has_no_history_adds_only_that_record(
    world: World, client: Client
) -> None:
    # Paul's consents were set before any history was kept (an import): contact yes, texts yes, data sharing no.
    assert not ConsentRecord.objects.filter(participant=world.paul).exists()
    client.force_login(world.cora)
    data = participant_form(
        preferred_name="Paul", family_name="Okafor", phone="+12025550143", consent_texts=None, consent_method="verbal"
    )

    response = client.post(reverse("people:participant_edit", args=[world.paul.pk]), data)

    assert response.status_code == 302
    world.paul.refresh_from_db()
    assert world.paul.consent_contact and not world.paul.consent_texts and not world.paul.consent_data_sharing
    [record] = ConsentRecord.objects.filter(participant=world.paul)
    assert (record.kind, record.granted, record.recorded_by) == ("texts", False, world.cora)


def test_saving_a_participant_without_changing_consent_adds_no_consent_record(world: World, client: Client) -> None:
    client.force_login(world.cora)
    nina = create_nina(client)
    history = ConsentRecord.objects.filter(participant=nina).count()
    response = client.post(reverse("people:participant_edit", args=[nina.pk]), participant_form(locality="Westside"))
    assert response.status_code == 302
    nina.refresh_from_db()
    assert nina.locality == "Westside"
    assert ConsentRecord.objects.filter(participant=nina).count() == history


def test_an_edit_with_a_bad_phone_changes_nothing(world: World, client: Client) -> None:
    client.force_login(world.cora)
    nina = create_nina(client)
    history = ConsentRecord.objects.filter(participant=nina).count()
    response = client.post(
        reverse("people:participant_edit", args=[nina.pk]),
        participant_form(phone="12345", locality="Westside", consent_texts=None),
    )
    assert response.status_code == 200
    assert "“12345” is not a valid phone number." in text(response)
    nina.refresh_from_db()
    assert nina.phone == "+12025550143" and nina.locality == "Eastside" and nina.consent_texts
    assert ConsentRecord.objects.filter(participant=nina).count() == history


def test_the_participant_page_shows_the_consent_history_on_the_timeline(world: World, client: Client) -> None:
    client.force_login(world.cora)
    nina = create_nina(client)
    client.post(reverse("people:participant_edit", args=[nina.pk]), participant_form(consent_texts=None))

    page = text(client.get(reverse("people:participant", args=[nina.pk])))

    timeline = section(page, '<ol class="timeline"', "</ol>")
    assert "Consent to be contacted: given" in timeline
    assert "Consent to text messages: given" in timeline
    assert "Consent to text messages: withdrawn" in timeline
    # Newest first: the withdrawal comes before the original grant.
    assert timeline.index("Consent to text messages: withdrawn") < timeline.index("Consent to text messages: given")
    assert f"recorded by {world.cora.display_name}" in timeline
    assert "Written (signed form)" in timeline
    # A consent never given is not shown as withdrawn.
    assert "Consent to share data with clinicians and partners: not given" in timeline
    assert "Consent to share data with clinicians and partners: withdrawn" not in timeline
    assert "Texts: no" in page and "Contact: yes" in page


def test_viewing_a_participant_writes_the_access_log(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    before = timezone.now()
    response = client.get(reverse("people:participant", args=[world.paul.pk]))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert entry.user == world.sofia.user
    assert entry.participant == world.paul
    assert entry.channel == "page"
    assert entry.path == reverse("people:participant", args=[world.paul.pk])
    assert before <= entry.at <= timezone.now()


def test_a_refused_view_writes_no_access_log_entry(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    assert client.get(reverse("people:participant", args=[world.rita.pk])).status_code == 404
    client.force_login(world.otto)
    assert client.get(reverse("people:participant", args=[world.paul.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("who", ["supervisor", "supporter", "professional", "evaluator"])
def test_only_managers_add_participants(world: World, client: Client, who: str) -> None:
    client.force_login(world.users_by_role()[who])
    before = Participant.objects.count()
    response = client.post(reverse("people:participant_new"), participant_form())
    assert response.status_code == 404
    assert Participant.objects.count() == before


def test_a_supporter_cannot_edit_a_participant_they_support(world: World, client: Client) -> None:
    client.force_login(world.sofia.user)
    response = client.post(reverse("people:participant_edit", args=[world.paul.pk]), participant_form())
    assert response.status_code == 404
    world.paul.refresh_from_db()
    assert world.paul.preferred_name == "Paul"
    assert not ConsentRecord.objects.exists()
