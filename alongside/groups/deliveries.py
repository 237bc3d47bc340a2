"""Group attendance delivers the key functions of the session attended (present or made up)."""

from __future__ import annotations

from alongside.programs import deliveries
from alongside.taxonomy import FUNCTION_FIELDS

ATTENDANCE_SQL = f"""
SELECT a.enrollment_id, s.starts_at AS occurred_at, COALESCE(a.made_up_on, s.starts_on) AS occurred_on,
       {", ".join(f"s.{col}" for col in FUNCTION_FIELDS.values())}
FROM groups_attendance a JOIN groups_groupsession s ON s.id = a.session_id
WHERE a.status IN ('present', 'made_up') AND s.status = 'scheduled'
"""


def register_sources() -> None:
    deliveries.register("group_attendance", ATTENDANCE_SQL, reaches_participant=True)
