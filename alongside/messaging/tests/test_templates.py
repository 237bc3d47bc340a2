"""Message templates: placeholders are checked on save (nothing saved when wrong), the participant's language
is used with fallback to the organization-wide template and then the built-in default."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from alongside.messaging.defaults import TEXTS, default_text
from alongside.messaging.models import Channel, MessageTemplate, Purpose
from alongside.messaging.templates import (
    TemplateText,
    allowed_variables,
    choose_template,
    placeholder_errors,
    preview,
    render,
    save_template,
)
from alongside.testing.world import World

pytestmark = pytest.mark.django_db


def text(body: str, **changes: object) -> TemplateText:
    fields: dict[str, object] = {
        "purpose": Purpose.SESSION_REMINDER,
        "language": "en",
        "channel": Channel.SMS,
        "subject": "",
        "body": body,
        "functions": ("ongoing",),
    }
    fields.update(changes)
    return TemplateText(**fields)  # type: ignore[arg-type]


def test_every_purpose_has_a_default_in_english_and_spanish_for_both_channels() -> None:
    for purpose in Purpose.values:
        for language in ("en", "es"):
            for channel in Channel.values:
                found = default_text(purpose, language, channel)
                assert found is not None, (purpose, language, channel)
                subject, body = found
                assert not placeholder_errors(body, allowed_variables(purpose, channel))
                assert not placeholder_errors(subject, allowed_variables(purpose, channel))
                assert (subject != "") == (channel == Channel.EMAIL)
    assert len(TEXTS) == 2 * len(Purpose.values)


def test_an_unknown_variable_is_rejected_and_nothing_is_saved(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        save_template(world.cora, world.org.pk, text("Hi {{ first_name }}, see you at {{ venu }}."))

    assert "Unknown variable: venu" in caught.value.message_dict["body"][0]
    assert "venue" in caught.value.message_dict["body"][0]  # says what may be used
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("body", ["Hi {{ first_name }", "Hi {{ first name }}", "Hi {{first_name}} {% if %}"])
def test_a_malformed_placeholder_is_rejected(world: World, body: str) -> None:
    with pytest.raises(ValidationError) as caught:
        save_template(world.cora, world.org.pk, text(body))

    assert "Malformed placeholder" in " ".join(caught.value.message_dict["body"])
    assert not MessageTemplate.objects.exists()


def test_a_variable_of_another_purpose_is_unknown_here(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        save_template(world.cora, world.org.pk, text("Your call at {{ call_time }}"))
    assert "call_time" in caught.value.message_dict["body"][0]


def test_an_email_needs_a_subject_and_a_text_has_none(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        save_template(world.cora, world.org.pk, text("Hi", channel=Channel.EMAIL))
    assert "subject" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        save_template(world.cora, world.org.pk, text("Hi", subject="Hello"))
    assert "subject" in caught.value.message_dict


def test_only_managers_of_the_organization_save_templates(world: World) -> None:
    for user in (world.sofia.user, world.sam, world.otto):
        with pytest.raises(ValidationError):
            save_template(user, world.org.pk, text("Hi {{ first_name }}"))
    assert not MessageTemplate.objects.exists()


def test_a_second_template_for_the_same_purpose_language_and_channel_is_refused(world: World) -> None:
    save_template(world.cora, world.org.pk, text("Hi {{ first_name }}"))
    with pytest.raises(ValidationError) as caught:
        save_template(world.cora, world.org.pk, text("Hello {{ first_name }}"))
    assert "already a template" in caught.value.messages[0]
    assert MessageTemplate.objects.count() == 1


def test_saving_records_the_functions_the_messages_serve(world: World) -> None:
    saved = save_template(
        world.cora, world.org.pk, text("Hi {{ first_name }}", functions=("ongoing", "social_emotional"))
    )
    assert (saved.fn_ongoing, saved.fn_social_emotional, saved.fn_linkage) == (True, True, False)
    with pytest.raises(ValidationError) as caught:
        save_template(world.cora, world.org.pk, text("Hi", functions=("chatting",), language="es"))
    assert "functions" in caught.value.message_dict


def test_the_participants_language_then_organization_wide_then_the_default(world: World) -> None:
    org, program = world.org.pk, world.telephone.pk
    purpose = Purpose.SESSION_REMINDER

    # Nothing saved: the built-in text in the participant's language.
    chosen = choose_template(org, program, purpose, "es", Channel.SMS)
    assert chosen.template_id is None and chosen.body.startswith("Hola")

    # An organization-wide Spanish template replaces it, for every program.
    org_wide = save_template(world.cora, org, text("Hola {{ first_name }} (org)", language="es"))
    assert choose_template(org, program, purpose, "es", Channel.SMS).template_id == org_wide.pk

    # The program's own template wins over the organization's.
    own = save_template(world.cora, org, text("Hola {{ first_name }} (prog)", language="es", program=world.telephone))
    assert choose_template(org, program, purpose, "es", Channel.SMS).template_id == own.pk
    assert choose_template(org, world.coaching.pk, purpose, "es", Channel.SMS).template_id == org_wide.pk

    # English speakers are untouched; a language without any text falls back to English.
    assert choose_template(org, program, purpose, "en", Channel.SMS).body.startswith("Hi")
    assert choose_template(org, program, purpose, "fr", Channel.SMS).language == "en"


def test_rendering_substitutes_values_and_the_preview_uses_samples() -> None:
    assert render("Hi {{first_name}}, at {{  venue }}", {"first_name": "Ana", "venue": "Room 2"}) == "Hi Ana, at Room 2"
    subject, body = preview(text("Hi {{ first_name }} at {{ session_time }}"))
    assert (subject, body) == ("", "Hi Maria at 6:00 PM")


def test_purposes_not_made_from_templates_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        save_template(world.cora, world.org.pk, text("Hi {{ first_name }}", purpose=Purpose.DIRECT))
    assert "not made from templates" in caught.value.message_dict["purpose"][0]
    assert not MessageTemplate.objects.exists()
