"""Referrals made and resources shared deliver the linkage function (key function 3). Neither means the
person was reached, so neither restarts a cadence."""

from __future__ import annotations

from alongside.programs import deliveries

# A referral counts once it has left the draft stage (sent, or received from outside and acted on).
REFERRAL_SQL = """
SELECT r.enrollment_id, r.created_at AS occurred_at, r.created_on AS occurred_on,
       FALSE AS fn_daily_management, FALSE AS fn_social_emotional, TRUE AS fn_linkage, FALSE AS fn_ongoing
FROM linkage_referral r WHERE r.status <> 'draft'
"""

LOOKUP_SQL = """
SELECT l.enrollment_id, l.shared_at AS occurred_at, l.shared_on AS occurred_on,
       FALSE AS fn_daily_management, FALSE AS fn_social_emotional, TRUE AS fn_linkage, FALSE AS fn_ongoing
FROM linkage_directorylookup l
"""


def register_sources() -> None:
    deliveries.register("referrals", REFERRAL_SQL, reaches_participant=False)
    deliveries.register("directory_lookups", LOOKUP_SQL, reaches_participant=False)
