"""Red-flag words in a participant's text: self-harm, suicide and severe hypoglycaemia, in English and Spanish.

Any match raises an emergency concern (domain notes: "any mention of suicide or self-harm" is an emergency;
hypoglycaemia with confusion is one too). Matching is on whole words and phrases, case- and
accent-insensitive ("Quiero morir", "quiero MORIR", "suicídarme" all match), so "I stopped eating sugar"
or "shakespeare" do not. The list leans towards a false alarm over a missed one: a human reads every concern.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class RedFlag:
    phrase: str
    category: str  # "self_harm" or "hypoglycaemia"


SELF_HARM = "self_harm"
HYPOGLYCAEMIA = "hypoglycaemia"

# Phrases in their accent-free, lower-case form; a space matches any run of spaces or punctuation.
# "\w*" suffixes are written out as alternatives instead, so each phrase stays readable.
_PHRASES: dict[str, tuple[str, ...]] = {
    SELF_HARM: (
        # English
        "kill myself",
        "killing myself",
        "suicide",
        "suicidal",
        "end my life",
        "ending my life",
        "end it all",
        "take my own life",
        "want to die",
        "wanna die",
        "better off dead",
        "no reason to live",
        "hurt myself",
        "harm myself",
        "hurting myself",
        "self harm",
        "cut myself",
        "cutting myself",
        "overdose",
        # Spanish
        "quiero morir",
        "quiero morirme",
        "me quiero morir",
        "suicidarme",
        "suicidio",
        "suicida",
        "matarme",
        "quitarme la vida",
        "no quiero vivir",
        "hacerme dano",
        "lastimarme",
        "cortarme",
    ),
    HYPOGLYCAEMIA: (
        # English
        "confused and sweating",
        "sweating and confused",
        "shaking",
        "shaky",
        "passing out",
        "passed out",
        "pass out",
        "fainted",
        "fainting",
        "seizure",
        "unconscious",
        "cant wake",
        "can t wake",
        # Spanish
        "desmayo",
        "desmaye",
        "desmayando",
        "desmayarme",
        "me desmayo",
        "confundido y sudando",
        "confundida y sudando",
        "sudando y confundido",
        "sudando y confundida",
        "temblando",
        "temblores",
        "convulsion",
        "convulsiones",
        "inconsciente",
    ),
}


def normalize(text: str) -> str:
    """Lower case, accents removed, every run of non-letters a single space (so "can't" is "can t")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def _pattern(phrase: str) -> re.Pattern[str]:
    words = phrase.split()
    return re.compile(r"\b" + r" ".join(re.escape(w) for w in words) + r"\b")


_PATTERNS: list[tuple[RedFlag, re.Pattern[str]]] = [
    (RedFlag(phrase, category), _pattern(phrase)) for category, phrases in _PHRASES.items() for phrase in phrases
]


def find_red_flags(text: str) -> list[RedFlag]:
    """Every red-flag phrase in `text`, in list order, without repeats."""
    plain = normalize(text)
    if not plain:
        return []
    return [flag for flag, pattern in _PATTERNS if pattern.search(plain)]


def describe(flags: list[RedFlag]) -> str:
    """Short form for InboundMessage.red_flag and the concern's reason, e.g. "self-harm: kill myself"."""
    parts = []
    for category in (SELF_HARM, HYPOGLYCAEMIA):
        found = [f.phrase for f in flags if f.category == category]
        if found:
            label = "self-harm or suicide" if category == SELF_HARM else "severe hypoglycaemia"
            parts.append(f"{label}: {', '.join(found)}")
    return "; ".join(parts)[:200]
