from __future__ import annotations

import pytest

from alongside.messaging.redflags import HYPOGLYCAEMIA, SELF_HARM, describe, find_red_flags


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "sometimes I think about SUICIDE",
        "I just want to end my life",
        "Quiero morir",
        "ya no aguanto, quiero suicidarme",
        "pienso en el suicidio",
        "Me quiero quitar... quitarme la vida",
    ],
)
def test_self_harm_words_in_english_and_spanish_are_red_flags(text: str) -> None:
    flags = find_red_flags(text)
    assert flags and all(f.category == SELF_HARM for f in flags)


@pytest.mark.parametrize(
    "text",
    [
        "I feel confused and sweating a lot",
        "I'm shaking and my sugar is 50",
        "I think I'm passing out",
        "tuve un desmayo esta mañana",
        "estoy temblando y confundida y sudando",
    ],
)
def test_severe_hypoglycaemia_symptoms_are_red_flags(text: str) -> None:
    flags = find_red_flags(text)
    assert flags and all(f.category == HYPOGLYCAEMIA for f in flags)


def test_accents_and_case_do_not_matter() -> None:
    assert find_red_flags("QUIERO MORÍR")
    assert find_red_flags("Suicídarme")
    assert find_red_flags("tuve un DESMÁYO")


@pytest.mark.parametrize(
    "text",
    [
        "I stopped eating sugar",
        "Thanks, see you Tuesday!",
        "We read Shakespeare in the group",
        "My sugar was 110 this morning",
        "Estoy bien, gracias",
        "the end of my walk was lovely",
        "killer workout today",
    ],
)
def test_ordinary_texts_raise_no_false_alarm(text: str) -> None:
    assert find_red_flags(text) == []


def test_the_description_names_the_category_and_the_words() -> None:
    text = describe(find_red_flags("I want to kill myself, I'm shaking"))
    assert "self-harm or suicide: kill myself" in text
    assert "severe hypoglycaemia: shaking" in text
