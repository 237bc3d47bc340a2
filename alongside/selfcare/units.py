"""Units, plausible ranges and conversions for the readings taken at group visits and contacts.

Pure functions, no database: the services validate with them, the pages and the API describe them.

Each reading is kept as entered and converted to one canonical unit (mmHg, kg, %, mg/dL), which the
safety thresholds and the history use:

    weight    lb -> kg        x 0.45359237 (exact), to 0.01 kg
    HbA1c     mmol/mol -> %   the IFCC-NGSP master equation: % = 0.0915 x mmol/mol + 2.15, to 0.1 %
                              (HbA1c is reported to one decimal; the equation is no more precise)
    glucose   mmol/L -> mg/dL x 18.016 (molar mass of glucose / 10), to 0.01 mg/dL, not to whole mg/dL,
                              so rounding never moves a reading across a threshold

Plausible ranges reject typing mistakes (a weight of 7 kg, a glucose of 5000), not unusual but real
values; they are in the unit entered, and the pound and mmol ranges are the kg, % and mg/dL ones
converted and rounded outwards:

    systolic 50-300 mmHg, diastolic 20-200 mmHg and below the systolic
    weight 20-350 kg (44-772 lb)
    HbA1c 3-20 % (9-195 mmol/mol)
    glucose 10-1000 mg/dL (0.6-55 mmol/L): meters read from about 20 to 600 mg/dL, laboratories further
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from alongside.selfcare.models import MeasurementKind

K = MeasurementKind
MAX_DECIMAL_PLACES = 2

UNITS: dict[str, tuple[str, ...]] = {
    K.BLOOD_PRESSURE: ("mmHg",),
    K.WEIGHT: ("kg", "lb"),
    K.HBA1C: ("%", "mmol/mol"),
    K.GLUCOSE: ("mg/dL", "mmol/L"),
}
CANONICAL_UNIT: dict[str, str] = {kind: units[0] for kind, units in UNITS.items()}

# (kind, unit) -> (lowest, highest) plausible value, inclusive; blood pressure: the systolic.
PLAUSIBLE: dict[tuple[str, str], tuple[Decimal, Decimal]] = {
    (K.BLOOD_PRESSURE, "mmHg"): (Decimal(50), Decimal(300)),
    (K.WEIGHT, "kg"): (Decimal(20), Decimal(350)),
    (K.WEIGHT, "lb"): (Decimal(44), Decimal(772)),
    (K.HBA1C, "%"): (Decimal(3), Decimal(20)),
    (K.HBA1C, "mmol/mol"): (Decimal(9), Decimal(195)),
    (K.GLUCOSE, "mg/dL"): (Decimal(10), Decimal(1000)),
    (K.GLUCOSE, "mmol/L"): (Decimal("0.6"), Decimal(55)),
}
DIASTOLIC_RANGE = (Decimal(20), Decimal(200))

POUND_IN_KG = Decimal("0.45359237")
GLUCOSE_MG_DL_PER_MMOL_L = Decimal("18.016")
HBA1C_SLOPE, HBA1C_INTERCEPT = Decimal("0.0915"), Decimal("2.15")

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


class UnitError(ValueError):
    """A problem with one value, worded for the person who typed it."""


def normalize_unit(kind: str, unit: str) -> str:
    """The unit's own spelling ("mg/dl" -> "mg/dL"). Raises UnitError naming the allowed units."""
    allowed = UNITS[kind]
    cleaned = (unit or "").strip()
    for candidate in allowed:
        if cleaned.lower() == candidate.lower():
            return candidate
    label = MeasurementKind(kind).label
    listed = " or ".join(allowed)
    if not cleaned:
        raise UnitError(f"Give the unit: {label.lower()} is recorded in {listed}.")
    raise UnitError(f"{label} is recorded in {listed}, not “{cleaned}”.")


def parse_decimal(raw: object, what: str) -> Decimal:
    """A number typed by a person: at most two decimals, finite. Raises UnitError."""
    if raw is None or raw == "":
        raise UnitError(f"Give the {what}.")
    if isinstance(raw, bool):
        raise UnitError(f"The {what} must be a number.")
    try:
        number = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, ValueError) as error:
        raise UnitError(f"The {what} must be a number, e.g. 7.5.") from error
    if not number.is_finite():
        raise UnitError(f"The {what} must be a number, e.g. 7.5.")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        raise UnitError(f"Give the {what} with at most {MAX_DECIMAL_PLACES} decimals.")
    return number


def plain(number: Decimal) -> str:
    """7.50 -> "7.5", 120.00 -> "120"."""
    return format(number.normalize(), "f")


def check_range(kind: str, unit: str, value: Decimal, what: str) -> None:
    low, high = PLAUSIBLE[(kind, unit)]
    if not low <= value <= high:
        raise UnitError(
            f"{what[:1].upper()}{what[1:]} {plain(value)} {unit} is outside the plausible range "
            f"{plain(low)}-{plain(high)} {unit}: check the reading and the unit."
        )


def check_diastolic(systolic: Decimal | None, diastolic: Decimal) -> None:
    low, high = DIASTOLIC_RANGE
    if not low <= diastolic <= high:
        raise UnitError(
            f"Diastolic {plain(diastolic)} mmHg is outside the plausible range {plain(low)}-{plain(high)} mmHg: "
            "check the reading."
        )
    if systolic is not None and diastolic >= systolic:
        raise UnitError(
            f"The diastolic (lower number, {plain(diastolic)}) must be below the systolic "
            f"(upper number, {plain(systolic)})."
        )


def to_canonical(kind: str, unit: str, value: Decimal) -> Decimal:
    """The value in the kind's canonical unit (see the module docstring for factors and rounding)."""
    if kind == K.WEIGHT and unit == "lb":
        return (value * POUND_IN_KG).quantize(CENT, ROUND_HALF_UP)
    if kind == K.HBA1C and unit == "mmol/mol":
        return (HBA1C_SLOPE * value + HBA1C_INTERCEPT).quantize(TENTH, ROUND_HALF_UP)
    if kind == K.GLUCOSE and unit == "mmol/L":
        return (value * GLUCOSE_MG_DL_PER_MMOL_L).quantize(CENT, ROUND_HALF_UP)
    return value


@dataclass(frozen=True)
class CanonicalReading:
    kind: str
    value: Decimal
    value2: Decimal | None

    @property
    def unit(self) -> str:
        return CANONICAL_UNIT[self.kind]

    def display(self) -> str:
        return canonical_display(self.kind, self.value, self.value2)


def canonical_display(kind: str, value: Decimal, value2: Decimal | None = None) -> str:
    """How a canonical value is shown: "165/95 mmHg", "72.6 kg", "8.0 %", "50 mg/dL"."""
    unit = CANONICAL_UNIT[kind]
    if kind == K.BLOOD_PRESSURE:
        second = f"/{value2.quantize(Decimal(1), ROUND_HALF_UP)}" if value2 is not None else ""
        return f"{value.quantize(Decimal(1), ROUND_HALF_UP)}{second} {unit}"
    if kind == K.HBA1C:
        return f"{value.quantize(TENTH, ROUND_HALF_UP)} {unit}"
    if kind == K.GLUCOSE:
        return f"{value.quantize(Decimal(1), ROUND_HALF_UP)} {unit}"
    return f"{plain(value.quantize(TENTH, ROUND_HALF_UP))} {unit}"


def entered_display(kind: str, value: Decimal, value2: Decimal | None, unit: str) -> str:
    if kind == K.BLOOD_PRESSURE and value2 is not None:
        return f"{plain(value)}/{plain(value2)} {unit}"
    return f"{plain(value)} {unit}"
