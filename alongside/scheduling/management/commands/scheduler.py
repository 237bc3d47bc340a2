"""manage.py scheduler: enqueues the periodic jobs (alongside/scheduling/jobs.py) when their slot comes.

It only enqueues; `manage.py db_worker` runs the tasks. Run one per machine, or several: each slot is
claimed once (PeriodicRun), so extra schedulers only add redundancy. SIGTERM or SIGINT stops it between
ticks; `--once` checks once and exits (for tests, cron, or a systemd timer).
"""

from __future__ import annotations

import logging
import signal
import time
from argparse import ArgumentTypeError
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from alongside.scheduling.jobs import Tick, periodic_jobs, run_due_jobs

logger = logging.getLogger("alongside.scheduling")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _positive_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 3600:
        raise ArgumentTypeError(f"{raw!r}: give a number of seconds between 0.1 and 3600.")
    return value


class Command(BaseCommand):
    help = (
        "Enqueues periodic background jobs (the follow-up recompute, ...) on the task queue when they are "
        "due. Runs until SIGTERM/SIGINT; any number may run at once on any number of machines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Check once, enqueue what is due, and exit.")
        parser.add_argument(
            "--interval",
            type=_positive_seconds,
            default=30.0,
            help="Seconds between checks (default %(default)s). Slots are claimed once whatever the interval.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.running = True
        self.verbosity = int(options["verbosity"])
        if options["once"]:
            self._report(run_due_jobs())
            return
        names = ", ".join(f"{job.name} every {job.every}" for job in periodic_jobs())
        self.stdout.write(f"Scheduler started: {names}. Checking every {options['interval']:g} s.")
        previous = {sig: signal.signal(sig, self._stop) for sig in STOP_SIGNALS}
        try:
            self._loop(options["interval"])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Scheduler stopped.")

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        # Only sets a flag: a tick in progress finishes its transaction, then the loop ends.
        logger.info("Received %s; the scheduler stops after the current tick.", signal.strsignal(signum))
        self.running = False

    def _loop(self, interval: float) -> None:
        while self.running:
            close_old_connections()  # like a request: drop connections the database closed meanwhile
            try:
                self._report(run_due_jobs())
            except Exception:  # a database blip must not stop periodic work for good
                logger.exception("Scheduler tick failed; trying again in %s s", interval)
            close_old_connections()
            deadline = time.monotonic() + interval
            while self.running and time.monotonic() < deadline:
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))

    def _report(self, ticks: list[Tick]) -> None:
        for tick in ticks:
            if tick.enqueued and self.verbosity > 0:  # jobs.py logs it too; -v 0 leaves only the log
                self.stdout.write(f"Enqueued {tick.job} for {tick.slot_start:%Y-%m-%d %H:%M} UTC.")
            elif self.verbosity > 1:
                self.stdout.write(f"{tick.job} for {tick.slot_start:%Y-%m-%d %H:%M} UTC was already enqueued.")
