"""manage.py recompute_follow_ups: the full follow-up recompute, now, in this process."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from alongside.followup import engine
from alongside.followup.models import FollowUpState


class Command(BaseCommand):
    help = (
        "Recomputes the follow-up state of every enrolment in active support now (the scheduler also "
        "enqueues this periodically). Safe while the site and workers run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = engine.recompute_all()
        seconds = time.monotonic() - started
        total = FollowUpState.objects.count()
        self.stdout.write(
            f"Follow-up state recomputed in {seconds:.2f} s: {result.written} rows written, "
            f"{result.deleted} deleted, {total} enrolments in active support."
        )
