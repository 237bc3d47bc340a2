"""A message sent delivers the functions its template serves. Sending is not reaching the person: a reply
arrives as a participant-initiated contact, which does."""

from __future__ import annotations

from alongside.programs import deliveries

MESSAGE_SQL = """
SELECT m.enrollment_id, m.sent_at AS occurred_at, m.sent_on AS occurred_on,
       m.fn_daily_management, m.fn_social_emotional, m.fn_linkage, m.fn_ongoing
FROM messaging_outboundmessage m
WHERE m.status IN ('sent', 'delivered') AND m.enrollment_id IS NOT NULL
"""


def register_sources() -> None:
    deliveries.register("messages", MESSAGE_SQL, reaches_participant=False)
