"""Where the four key functions are delivered, whatever the channel.

Each domain app that delivers functions (contacts, group attendance, later messages and referrals)
registers one SQL SELECT returning DELIVERY_COLUMNS for every delivery that counts (a reached contact, a
session attended, ...). Coverage, the participant's "last given" dates and the follow-up engine read the
UNION ALL of them, so a new channel counts everywhere by registering once in its AppConfig.ready().
Sources contain no parameters; callers filter the union from outside (the databases push the filters
into each branch).
"""

from __future__ import annotations

from alongside.taxonomy import FUNCTION_FIELDS

DELIVERY_COLUMNS = (
    "enrollment_id",
    "occurred_at",  # when (timestamp)
    "occurred_on",  # the day on the participant's or the series' calendar
    *FUNCTION_FIELDS.values(),
)

_sources: dict[str, tuple[str, bool]] = {}


def register(name: str, select_sql: str, *, reaches_participant: bool) -> None:
    """select_sql: a SELECT whose columns are DELIVERY_COLUMNS, in that order, with those names.
    reaches_participant: whether such a delivery means the person was reached (a session attended does; a
    referral sent or a resource shared does not), which the follow-up engine's cadences count from."""
    _sources[name] = (select_sql.strip(), reaches_participant)


def union_sql(*, exclude: tuple[str, ...] = ()) -> str:
    """The registered sources as one UNION ALL (empty when none is left after `exclude`), each row with an
    extra column `reaches` (1 or 0)."""
    columns = ", ".join(f"s.{c}" for c in DELIVERY_COLUMNS)
    return "\nUNION ALL\n".join(
        f"SELECT {columns}, {1 if reaches else 0} AS reaches FROM ({sql}) s"
        for name, (sql, reaches) in sorted(_sources.items())
        if name not in exclude
    )


def source_names() -> list[str]:
    return sorted(_sources)


CONTACTS_SQL = f"""
SELECT c.enrollment_id, c.occurred_at, c.occurred_on, {", ".join(f"c.{col}" for col in FUNCTION_FIELDS.values())}
FROM contacts_contact c WHERE c.outcome = 'reached'
"""
