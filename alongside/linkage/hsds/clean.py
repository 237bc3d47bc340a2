"""Checking each HSDS record's values and turning them into model field values, before anything is written.

Every problem is kept as (field, message) on the record: errors mean the record cannot be imported as it
is, warnings mean it is imported with a change (quotes removed around a phone number, a UTC offset that has
no place here). Links to other records stay HSDS ids here; the importer resolves them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models

from alongside.linkage.hsds.reader import SourceRow
from alongside.linkage.hsds.spec import USED_COLUMNS
from alongside.linkage.models import (
    Location,
    Phone,
    ResourceOrganization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    ServiceStatus,
    TaxonomyTerm,
)
from alongside.people.phones import DEFAULT_REGION, normalize_phone
from alongside.taxonomy import LANGUAGE_NAMES

MAX_AGE = 150
WEEKDAY_RULE = re.compile(r"^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
QUOTES = ('"', "'", "“", "”", "‘", "’")

# ISO 639-2/3 codes of languages often listed in directories -> the ISO 639-1 code search filters on.
ISO639_3_TO_1 = {
    "amh": "am", "ara": "ar", "ben": "bn", "bul": "bg", "ces": "cs", "cze": "cs", "chi": "zh", "zho": "zh",
    "dan": "da", "deu": "de", "ger": "de", "ell": "el", "gre": "el", "eng": "en", "fas": "fa", "per": "fa",
    "fin": "fi", "fra": "fr", "fre": "fr", "guj": "gu", "hat": "ht", "hau": "ha", "heb": "he", "hin": "hi",
    "hun": "hu", "hye": "hy", "arm": "hy", "ibo": "ig", "ind": "id", "ita": "it", "jpn": "ja", "khm": "km",
    "kor": "ko", "lao": "lo", "mar": "mr", "msa": "ms", "may": "ms", "mya": "my", "bur": "my", "nep": "ne",
    "nld": "nl", "dut": "nl", "nor": "no", "pan": "pa", "pol": "pl", "por": "pt", "pus": "ps", "ron": "ro",
    "rum": "ro", "rus": "ru", "slk": "sk", "slo": "sk", "som": "so", "spa": "es", "sqi": "sq", "alb": "sq",
    "srp": "sr", "swa": "sw", "swe": "sv", "tam": "ta", "tel": "te", "tgl": "tl", "tha": "th", "tir": "ti",
    "tur": "tr", "ukr": "uk", "urd": "ur", "vie": "vi", "yor": "yo", "yid": "yi", "zul": "zu",
}  # fmt: skip
LANGUAGE_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}


@dataclass
class Planned:
    """One record ready to write: model field values, links by HSDS id, and what was found wrong."""

    table: str
    hsds_id: str
    where: str
    fields: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # link name -> HSDS id of the record it points to
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    not_kept: set[str] = field(default_factory=set)  # HSDS fields with a value that have no place here

    @property
    def ok(self) -> bool:
        return not self.errors


class Check:
    """Reads one source row's values, collecting problems on a Planned record."""

    def __init__(self, row: SourceRow, model: type[models.Model] | None) -> None:
        self.row = row
        self.model = model
        self.plan = Planned(row.table, row.hsds_id, row.where)
        self.plan.errors.extend(row.problems)
        self.check_id()
        used = USED_COLUMNS.get(row.table, frozenset())
        self.plan.not_kept = {k for k, v in row.values.items() if k not in used and _present(v)}
        self.plan.not_kept -= {"x_alongside_is_clinical", "x_alongside_timezone"}

    def error(self, key: str, message: str) -> None:
        self.plan.errors.append((key, message))

    def warn(self, key: str, message: str) -> None:
        self.plan.warnings.append((key, message))

    def check_id(self) -> None:
        hsds_id = self.row.hsds_id
        if not hsds_id:
            self.error("id", "is missing: every record needs its HSDS id, so that a later import updates it")
        elif len(hsds_id) > 64:
            self.error("id", f"is {len(hsds_id)} characters long; at most 64 fit")
        else:
            try:
                uuid.UUID(hsds_id)
            except ValueError:
                self.warn("id", f"“{hsds_id}” is not a UUID (HSDS 3.0 ids are); kept as it is")

    def raw(self, key: str) -> Any:
        value = self.row.values.get(key)
        if isinstance(value, str):
            value = value.strip()
        return None if value in (None, "") else value

    def max_length(self, model_field: str) -> int | None:
        if self.model is None:
            return None
        return getattr(self.model._meta.get_field(model_field), "max_length", None)

    def text(self, key: str, model_field: str | None = None) -> str:
        value = self.raw(key)
        if value is None:
            return ""
        text = str(value).lower() if isinstance(value, bool) else str(value)
        limit = self.max_length(model_field or key)
        if limit is not None and len(text) > limit:
            self.error(key, f"is {len(text)} characters long; at most {limit} fit")
            return ""
        return text

    def email(self, key: str) -> str:
        text = self.text(key)
        if text:
            try:
                EmailValidator()(text)
            except ValidationError:
                self.error(key, f"“{text}” is not an email address")
                return ""
        return text

    def url(self, key: str, model_field: str | None = None) -> str:
        text = self.text(key, model_field)
        if not text:
            return text
        validate = URLValidator(schemes=["http", "https"])
        try:
            validate(text)
            return text
        except ValidationError:
            pass
        if "://" not in text:
            guess = f"https://{text}"
            try:
                validate(guess)
            except ValidationError:
                pass
            else:
                self.warn(key, f"“{text}” has no http:// or https://; read as {guess}")
                return guess
        self.error(key, f"“{text}” is not a web address (http or https)")
        return ""

    def number(self, key: str) -> Decimal | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool):
            self.error(key, f"is {value}; a number was expected")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.error(key, f"“{value}” is not a number")
            return None
        if not number.is_finite():
            self.error(key, f"“{value}” is not a number")
            return None
        return number

    def integer(self, key: str, low: int, high: int) -> int | None:
        number = self.number(key)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.error(key, f"{number} is not a whole number")
            return None
        if not low <= number <= high:
            self.error(key, f"{number} is outside {low} to {high}")
            return None
        return int(number)

    def date(self, key: str) -> date | None:
        value = self.raw(key)
        if value is None:
            return None
        text = str(value)
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
        except ValueError:
            self.error(key, f"“{text}” is not a date (YYYY-MM-DD)")
            return None

    def datetime(self, key: str) -> datetime | None:
        value = self.raw(key)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.error(key, f"“{value}” is not a date and time (ISO 8601, e.g. 2023-03-15T10:30:45Z)")
            return None
        # HSDS: "dates are assumed to be UTC otherwise".
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def time(self, key: str) -> time | None:
        value = self.raw(key)
        if value is None:
            return None
        try:
            moment = time.fromisoformat(str(value))
        except ValueError:
            self.error(key, f"“{value}” is not a time of day (HH:MM or HH:MM:SS)")
            return None
        if moment.tzinfo is not None:
            self.warn(key, f"“{value}” carries a UTC offset; kept as a local time at the place")
            moment = moment.replace(tzinfo=None)
        return moment

    def choice(self, key: str, choices: dict[str, str], default: str, what: str) -> str:
        value = self.raw(key)
        if value is None:
            self.warn(key, f"is missing; taken as {default}")
            return default
        found = choices.get(str(value).strip().lower())
        if found is None:
            self.error(key, f"“{value}” is not {what} ({', '.join(sorted(set(choices.values())))})")
            return default
        return found

    def boolean(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        self.error(key, f"“{value}” is not true or false")
        return None

    def ref(self, name: str, key: str) -> None:
        value = self.raw(key)
        if value is not None:
            self.plan.refs[name] = str(value)


def _present(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


# --- per table ------------------------------------------------------------------------------------------


def clean_term(row: SourceRow, taxonomy_names: dict[str, str]) -> Planned:
    c = Check(row, TaxonomyTerm)
    name = c.text("name")
    if not name:
        c.error("name", "is missing: a taxonomy term needs a name")
    taxonomy = c.text("taxonomy")
    taxonomy_id = c.raw("taxonomy_id")
    if not taxonomy and taxonomy_id is not None:
        if str(taxonomy_id) in taxonomy_names:
            taxonomy = taxonomy_names[str(taxonomy_id)][: c.max_length("taxonomy") or 100]
        else:
            c.warn("taxonomy_id", f"refers to taxonomy {taxonomy_id}, which is not in the upload; no taxonomy name")
    c.plan.fields = {
        "code": c.text("code"),
        "name": name,
        "description": c.text("description"),
        "taxonomy": taxonomy,
        "language": c.text("language"),
        "term_uri": c.url("term_uri"),
    }
    c.plan.not_kept.discard("taxonomy_id")
    c.ref("parent", "parent_id")
    return c.plan


def clean_organization(row: SourceRow) -> Planned:
    c = Check(row, ResourceOrganization)
    name = c.text("name")
    if not name:
        c.error("name", "is missing: an organization needs a name")
    c.plan.fields = {
        "name": name,
        "alternate_name": c.text("alternate_name"),
        "description": c.text("description"),
        "email": c.email("email"),
        "website": c.url("website"),
        "tax_status": c.text("tax_status"),
        "year_incorporated": c.integer("year_incorporated", 1000, date.today().year + 1),
        "legal_status": c.text("legal_status"),
    }
    return c.plan


LOCATION_TYPES = {"physical": "physical", "postal": "postal", "virtual": "virtual"}
ADDRESS_FIELDS = ("address_1", "address_2", "city", "region", "state_province", "postal_code")


def clean_location(row: SourceRow, addresses: list[SourceRow]) -> Planned:
    """The location with its address. Several addresses: the physical one is kept (else the first)."""
    c = Check(row, Location)
    latitude, longitude = c.number("latitude"), c.number("longitude")
    if latitude is not None and not -90 <= latitude <= 90:
        c.error("latitude", f"{latitude} is not a possible latitude (it must be between -90 and 90)")
    if longitude is not None and not -180 <= longitude <= 180:
        c.error("longitude", f"{longitude} is not a possible longitude (it must be between -180 and 180)")
    if (latitude is None) != (longitude is None):
        c.error("latitude" if latitude is None else "longitude", "is missing while the other coordinate is given")
    places = Decimal("0.000001")
    zone = c.text("x_alongside_timezone", "timezone")
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            c.error("x_alongside_timezone", f"“{zone}” is not a time zone name (e.g. America/Chicago)")
    c.plan.fields = {
        "location_type": c.choice("location_type", LOCATION_TYPES, "physical", "a location type"),
        "name": c.text("name"),
        "alternate_name": c.text("alternate_name"),
        "description": c.text("description"),
        "transportation": c.text("transportation"),
        "latitude": None if latitude is None else latitude.quantize(places, ROUND_HALF_EVEN),
        "longitude": None if longitude is None else longitude.quantize(places, ROUND_HALF_EVEN),
    }
    if "x_alongside_timezone" in row.values:  # Alongside's own field: left alone when the source has no say
        c.plan.fields["timezone"] = zone
    c.ref("organization", "organization_id")
    if addresses or "addresses" in row.given:
        c.plan.fields.update(dict.fromkeys((*ADDRESS_FIELDS, "country"), ""))
    if addresses:
        chosen = next((a for a in addresses if str(a.values.get("address_type") or "").lower() == "physical"), None)
        chosen = chosen or addresses[0]
        if len(addresses) > 1:
            c.warn("addresses", f"has {len(addresses)} addresses; the address {chosen.hsds_id} was kept")
        a = Check(chosen, Location)
        c.plan.fields.update({name: a.text(name) for name in ADDRESS_FIELDS})
        country = str(a.raw("country") or "")
        if country and not re.fullmatch(r"[A-Za-z]{2}", country):
            a.error("country", f"“{country}” is not a two-letter country code (ISO 3166, e.g. US)")
        c.plan.fields["country"] = country.upper() if len(country) == 2 else ""
        c.plan.errors.extend((f"address {chosen.hsds_id} {k}".strip(), m) for k, m in a.plan.errors if k != "id")
        c.plan.not_kept |= {f"addresses.{k}" for k in a.plan.not_kept}
    return c.plan


STATUSES = {s.value: s.value for s in ServiceStatus} | {"temporarily_closed": ServiceStatus.TEMPORARILY_CLOSED.value}


def clean_service(row: SourceRow) -> Planned:
    c = Check(row, Service)
    name = c.text("name")
    if not name:
        c.error("name", "is missing: a service needs a name")
    minimum, maximum = c.integer("minimum_age", 0, MAX_AGE), c.integer("maximum_age", 0, MAX_AGE)
    if minimum is not None and maximum is not None and minimum > maximum:
        c.error("minimum_age", f"{minimum} is above the maximum age {maximum}")
    c.plan.fields = {
        "name": name,
        "alternate_name": c.text("alternate_name"),
        "description": c.text("description"),
        "url": c.url("url"),
        "email": c.email("email"),
        "status": c.choice("status", STATUSES, ServiceStatus.ACTIVE.value, "a service status"),
        "interpretation_services": c.text("interpretation_services"),
        "application_process": c.text("application_process"),
        "fees_description": c.text("fees_description"),
        "eligibility_description": c.text("eligibility_description"),
        "minimum_age": minimum,
        "maximum_age": maximum,
        "alert": c.text("alert"),
        "verified_on": c.date("assured_date"),
        "assurer_email": c.email("assurer_email"),
        "last_modified": c.datetime("last_modified"),
    }
    clinical = c.boolean("x_alongside_is_clinical")
    if clinical is not None:
        c.plan.fields["is_clinical"] = clinical
    c.ref("organization", "organization_id")
    return c.plan


def clean_service_at_location(row: SourceRow) -> Planned:
    c = Check(row, ServiceAtLocation)
    c.plan.fields = {"description": c.text("description")}
    c.ref("service", "service_id")
    c.ref("location", "location_id")
    if "location" not in c.plan.refs:
        c.error("location_id", "is missing: a service at location needs its location")
    return c.plan


PHONE_TYPES = frozenset({"voice", "fax", "text", "cell", "video", "pager", "textphone"})


def clean_phone(row: SourceRow, region: str | None) -> Planned:
    """E.164 when the number reads as one (in `region` when it has no +country code); else kept as written,
    with a warning. Quotes around the number (as in the published examples) are removed, with a warning."""
    c = Check(row, Phone)
    raw = c.raw("number")
    number = "" if raw is None else str(raw).strip()
    while len(number) >= 2 and number[0] in QUOTES and number[-1] in QUOTES:
        number = number[1:-1].strip()
    if raw is not None and number != str(raw).strip():
        c.warn("number", f"was wrapped in quotes ({raw}); the quotes were removed")
    if not number:
        c.error("number", "is missing: a phone needs a number")
    else:
        try:
            number = normalize_phone(number, region or DEFAULT_REGION)
        except ValidationError:
            c.warn("number", f"“{number}” could not be read as a phone number (E.164); kept as written")
        if len(number) > (c.max_length("number") or 30):
            c.error("number", f"is {len(number)} characters long; at most {c.max_length('number')} fit")
    extension = c.text("extension")
    if extension.endswith(".0") and extension[:-2].isdigit():  # 100.0 from a spreadsheet
        extension = extension[:-2]
    if extension and not extension.isdigit():
        c.warn("extension", f"“{extension}” is not a number (HSDS 3.0 extensions are); kept as written")
    kind = c.text("type").lower()
    if kind and kind not in PHONE_TYPES:
        c.warn("type", f"“{kind}” is not an HSDS phone type ({', '.join(sorted(PHONE_TYPES))}); kept as written")
    c.plan.fields = {"number": number, "extension": extension, "type": kind, "description": c.text("description")}
    for name in ("service", "location", "organization", "service_at_location"):
        c.ref(name, f"{name}_id")
    return c.plan


FREQUENCIES = {"weekly": "WEEKLY", "monthly": "MONTHLY"}


def clean_schedule(row: SourceRow) -> Planned:
    c = Check(row, Schedule)
    freq = ""
    if c.raw("freq") is not None:
        freq = c.choice("freq", FREQUENCIES, "", "a frequency")
    byday = c.text("byday").upper().replace(" ", "")
    days = [d for d in byday.split(",") if d]
    wrong = [d for d in days if not WEEKDAY_RULE.match(d)]
    if wrong:
        c.error("byday", f"“{', '.join(wrong)}” is not a weekday code (MO, TU, WE, TH, FR, SA, SU)")
    valid_from, valid_to = c.date("valid_from"), c.date("valid_to")
    if valid_from and valid_to and valid_from > valid_to:
        c.error("valid_from", f"{valid_from} is after valid_to {valid_to}")
    zone = c.raw("timezone")
    if zone is not None:
        c.warn(
            "timezone",
            f"{zone} is a UTC offset; not kept: opening times are read as local times at the place "
            "(a location's named time zone can be set on the directory entry)",
        )
        c.plan.not_kept.discard("timezone")
    c.plan.fields = {
        "freq": freq,
        "byday": ",".join(days),
        "opens_at": c.time("opens_at"),
        "closes_at": c.time("closes_at"),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "description": c.text("description"),
        "notes": c.text("notes"),
    }
    if len(c.plan.fields["byday"]) > (c.max_length("byday") or 40):
        c.error("byday", "lists more days than fit")
    for name in ("service", "location", "service_at_location"):
        c.ref(name, f"{name}_id")
    return c.plan


def clean_language(row: SourceRow) -> Planned:
    """The code as given (ISO 639-1 or 639-3); the ISO 639-1 code search filters on goes in fields["base"]."""
    c = Check(row, ServiceLanguage)
    name = c.text("name")
    code = c.text("code").lower().replace("_", "-")
    if not code and name.lower() in LANGUAGE_BY_NAME:
        code = LANGUAGE_BY_NAME[name.lower()]
    if not code:
        c.error("code", "is missing and the name is not a language known here: a language needs its ISO code")
    elif not LANGUAGE_CODE.match(code):
        c.error("code", f"“{code}” is not an ISO 639 language code (e.g. en, es, ur)")
    base = code.split("-")[0]
    c.plan.fields = {"name": name, "code": code, "note": c.text("note")}
    c.plan.refs["base"] = ISO639_3_TO_1.get(base, base)
    c.ref("service", "service_id")
    return c.plan


def clean_attribute(row: SourceRow) -> Planned:
    c = Check(row, None)
    c.ref("term", "taxonomy_term_id")
    c.ref("link", "link_id")
    if "term" not in c.plan.refs:
        c.error("taxonomy_term_id", "is missing: an attribute links a record to a taxonomy term")
    # Nested in a record (JSON), the attribute belongs to it whatever link_entity says.
    c.plan.fields = {"link_entity": c.text("link_entity").lower(), "nested_in": row.nested_in}
    return c.plan
