"""The parts of Open Referral HSDS 3.0 this exchange reads and writes: the tables of the tabular form with
their columns (the order of the published CSV examples), and which of them the directory keeps.

Column lists are those of the compiled HSDS 3.0 schema; a column outside them is "unknown" (a warning),
a known column this directory has no place for is "not kept" (one summary warning per table).
"""

from __future__ import annotations

# Tables the directory keeps, in the order they are read and written (what a row refers to comes first).
KEPT_TABLES: dict[str, tuple[str, ...]] = {
    "taxonomies": ("id", "name", "description", "uri", "version"),
    "taxonomy_terms": (
        "id",
        "code",
        "name",
        "description",
        "parent_id",
        "taxonomy",
        "language",
        "taxonomy_id",
        "term_uri",
    ),
    "organizations": (
        "id",
        "name",
        "alternate_name",
        "description",
        "email",
        "website",
        "tax_status",
        "tax_id",
        "year_incorporated",
        "legal_status",
        "logo",
        "uri",
        "parent_organization_id",
    ),
    "locations": (
        "id",
        "location_type",
        "url",
        "organization_id",
        "name",
        "alternate_name",
        "description",
        "transportation",
        "latitude",
        "longitude",
        "external_identifier",
        "external_identifier_type",
    ),
    "addresses": (
        "id",
        "location_id",
        "attention",
        "address_1",
        "address_2",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "services": (
        "id",
        "organization_id",
        "program_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "interpretation_services",
        "application_process",
        "fees_description",
        "wait_time",
        "fees",
        "accreditations",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "assurer_email",
        "licenses",
        "alert",
        "last_modified",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "phones": (
        "id",
        "location_id",
        "service_id",
        "organization_id",
        "contact_id",
        "service_at_location_id",
        "number",
        "extension",
        "type",
        "description",
    ),
    "schedules": (
        "id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "valid_from",
        "valid_to",
        "dtstart",
        "timezone",
        "until",
        "count",
        "wkst",
        "freq",
        "interval",
        "byday",
        "byweekno",
        "bymonthday",
        "byyearday",
        "description",
        "opens_at",
        "closes_at",
        "schedule_link",
        "attending_type",
        "notes",
    ),
    "languages": ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    "attributes": ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
}

# HSDS tables with no place in this directory: read past, named once in the report.
NOT_KEPT_TABLES: frozenset[str] = frozenset(
    {
        "accessibility",
        "contacts",
        "cost_options",
        "funding",
        "meta_table_descriptions",
        "metadata",
        "organization_identifiers",
        "programs",
        "required_documents",
        "service_areas",
    }
)

# Columns each kept table fills (the rest of KEPT_TABLES[table] is known but not kept). Link columns count
# as kept: they are how rows find each other.
USED_COLUMNS: dict[str, frozenset[str]] = {
    "taxonomies": frozenset({"id", "name"}),
    "taxonomy_terms": frozenset(
        {"id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri"}
    ),
    "organizations": frozenset(
        {
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "year_incorporated",
            "legal_status",
        }
    ),
    "locations": frozenset(
        {
            "id",
            "location_type",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
        }
    ),
    "addresses": frozenset(
        {
            "id",
            "location_id",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        }
    ),
    "services": frozenset(
        {
            "id",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "alert",
            "last_modified",
        }
    ),
    "service_at_location": frozenset({"id", "service_id", "location_id", "description"}),
    "phones": frozenset(
        {"id", "location_id", "service_id", "organization_id", "service_at_location_id"}
        | {"number", "extension", "type", "description"}
    ),
    "schedules": frozenset(
        {
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "freq",
            "byday",
            "opens_at",
            "closes_at",
            "description",
            "notes",
        }
    ),
    "languages": frozenset({"id", "service_id", "name", "code", "note"}),
    "attributes": frozenset({"id", "link_id", "taxonomy_term_id", "link_type", "link_entity"}),
}

# Alongside's own fields, carried in the exchange as extra columns/properties (HSDS allows additional data;
# the "x_alongside_" prefix keeps them apart from the standard's names), so an export re-imports whole.
EXTENSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "services": ("x_alongside_is_clinical",),
    "locations": ("x_alongside_timezone",),
}

# How each kept table is named in the report.
KIND_LABELS: dict[str, str] = {
    "taxonomy_terms": "taxonomy term",
    "organizations": "organization",
    "locations": "location",
    "addresses": "address",
    "services": "service",
    "service_at_location": "service at location",
    "phones": "phone",
    "schedules": "schedule",
    "languages": "language",
    "attributes": "attribute",
    "taxonomies": "taxonomy",
}

# Nested JSON keys (HSDS 3.0 object form) -> the table their records belong to.
NESTED_KEYS: dict[str, str] = {
    "organization": "organizations",
    "services": "services",
    "locations": "locations",
    "location": "locations",
    "service_at_locations": "service_at_location",
    "phones": "phones",
    "schedules": "schedules",
    "languages": "languages",
    "addresses": "addresses",
    "attributes": "attributes",
    "taxonomy_term": "taxonomy_terms",
    "taxonomy_detail": "taxonomies",
    "contacts": "contacts",
    "accessibility": "accessibility",
    "funding": "funding",
    "cost_options": "cost_options",
    "program": "programs",
    "programs": "programs",
    "required_documents": "required_documents",
    "service_areas": "service_areas",
    "metadata": "metadata",
    "organization_identifiers": "organization_identifiers",
}


def csv_name(table: str) -> str:
    return f"{table}.csv"
