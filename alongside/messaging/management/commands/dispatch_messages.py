"""`manage.py dispatch_messages [--once]`: a dispatch worker. Run as many as you like (see messaging.outbox)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from alongside.messaging import outbox


class Command(BaseCommand):
    help = "Sends due messages from the outbox: once, or in a loop (idle: waits --sleep seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Handle what is due now, then stop.")
        parser.add_argument("--limit", type=int, default=5000, help="Messages per round (default 5000).")
        parser.add_argument("--sleep", type=float, default=5.0, help="Seconds to wait when nothing is due.")
        parser.add_argument("--worker", default="", help="A name for the logs (default host:pid).")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = options["worker"] or outbox.worker_name()
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True  # finish the message in hand, give back the rest of the claim, then stop

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        total = 0
        while not stopping:
            handled = outbox.dispatch_due(limit=options["limit"], worker=worker)
            total += handled
            if options["once"]:
                break
            if not handled:
                time.sleep(options["sleep"])
        self.stdout.write(f"{worker}: {total} messages handled.")
