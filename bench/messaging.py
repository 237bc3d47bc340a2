"""python -m bench messaging [--messages N] [--workers 2]: the outbox at scale.

Builds N participants (one organization, valid US numbers, consent to texts; bulk inserts), then times:
1. generating N reminders with `queue_many` (one per participant, due now: consent, address, quiet hours and
   the daily cap are all checked);
2. dispatching them through the recording fake provider with `--workers` worker processes
   (`manage.py dispatch_messages --once`, the production worker) running at the same time.
Then it counts, from the fake provider's shared record: messages sent, keys the provider was asked for more
than once (a repeat it refused), and messages missing. Quiet hours may move some reminders to the morning;
the bench then makes every queued row due (untimed) so the dispatch has all N to send.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from alongside.accounts.models import Organization
from alongside.messaging.models import Channel, FakeProviderRecord, MessageStatus, OutboundMessage, Purpose
from alongside.messaging.outbox import MessageDraft, dispatch_due, queue_many
from alongside.people.models import Participant
from bench.harness import DEFAULT_OUTPUT, engine_label, fresh_database, publish

BENCH_DATABASE = "alongside_bench_messaging"
ROOT = Path(__file__).resolve().parent.parent
COLUMNS = (
    "engine",
    "messages",
    "workers",
    "queue_many s",
    "dispatch s",
    "total s",
    "sent",
    "repeats refused",
    "missing",
    "date",
    "cores",
)


@dataclass(frozen=True)
class MessagingResult:
    messages: int
    workers: int
    queue_seconds: float
    dispatch_seconds: float
    sent: int
    repeats_refused: int  # provider requests beyond the first per key (each refused, so not a duplicate)
    duplicates: int  # keys delivered more than once: always 0 with the fake, which refuses repeats
    missing: int

    @property
    def total_seconds(self) -> float:
        return self.queue_seconds + self.dispatch_seconds


def build_participants(count: int) -> Organization:
    org = Organization.objects.create(name="Messaging Bench", slug=f"messaging-bench-{int(time.time())}")
    batch = 5000
    for start in range(0, count, batch):
        Participant.objects.bulk_create(
            Participant(
                organization=org,
                preferred_name=f"P{i}",
                phone=f"+1202{2_000_000 + i:07d}",
                consent_texts=True,
                consent_contact=True,
                preferred_language="en",
                conditions=["type2_diabetes"],
            )
            for i in range(start, min(start + batch, count))
        )
    return org


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _dispatch_in_processes(workers: int) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "MESSAGING_SMS_PROVIDER": "fake",
        "MESSAGING_EMAIL_PROVIDER": "fake",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "dispatch_messages", "--once", "--limit", "100000000"]
    processes = [
        subprocess.Popen([*command, "--worker", f"bench{n}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for n in range(workers)
    ]
    for process in processes:
        if process.wait() != 0:
            raise RuntimeError(f"A dispatch worker exited with {process.returncode}.")


def run_messaging_bench(messages: int, workers: int) -> MessagingResult:
    """`workers` = 0 dispatches in this process (the smoke test: an in-memory SQLite is not shared)."""
    org = build_participants(messages)
    ids = list(Participant.objects.filter(organization=org).values_list("id", flat=True))
    due = timezone.now() - timedelta(minutes=1)
    started = time.perf_counter()
    queued = queue_many(
        MessageDraft(
            pk,
            None,
            Channel.SMS,
            Purpose.CHECK_IN,
            "How are your readings this week?",
            f"bench-{pk}",
            send_after=due,
            functions=("daily_management",),
        )
        for pk in ids
    )
    queue_seconds = time.perf_counter() - started
    assert queued == messages, (queued, messages)
    OutboundMessage.objects.filter(status=MessageStatus.QUEUED).update(send_after=due, next_attempt_at=due)
    started = time.perf_counter()
    if workers:
        connection.close()  # the workers get the database to themselves
        _dispatch_in_processes(workers)
    else:
        saved = settings.MESSAGING_SMS_PROVIDER
        settings.MESSAGING_SMS_PROVIDER = "fake"
        try:
            dispatch_due(limit=messages * 2)
        finally:
            settings.MESSAGING_SMS_PROVIDER = saved
    dispatch_seconds = time.perf_counter() - started
    sent = OutboundMessage.objects.filter(status=MessageStatus.SENT).count()
    records = FakeProviderRecord.objects.count()
    requests = FakeProviderRecord.objects.aggregate(n=Sum("requests"))["n"] or 0
    keys = set(FakeProviderRecord.objects.values_list("idempotency_key", flat=True))
    return MessagingResult(
        messages=messages,
        workers=workers,
        queue_seconds=queue_seconds,
        dispatch_seconds=dispatch_seconds,
        sent=sent,
        repeats_refused=requests - records,
        duplicates=0 if records == len(keys) else records - len(keys),
        missing=sum(1 for pk in ids if f"bench-{pk}" not in keys),
    )


def messaging_table(result: MessagingResult, engine: str, day: date) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * (len(COLUMNS) - 3) + "---|---:|"]
    cells = [
        engine,
        f"{result.messages:,}",
        str(result.workers),
        f"{result.queue_seconds:.1f}",
        f"{result.dispatch_seconds:.1f}",
        f"{result.total_seconds:.1f}",
        f"{result.sent:,}",
        str(result.repeats_refused),
        str(result.missing),
        day.isoformat(),
        str(os.cpu_count() or "?"),
    ]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench messaging", description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000, help="default %(default)s")
    parser.add_argument("--workers", type=int, default=2, help="dispatch processes (default %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown report to update")
    parser.add_argument("--no-output", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    if args.messages < 1 or args.workers < 1:
        parser.error("--messages and --workers must be at least 1")
    settings.DEBUG = False
    with fresh_database(BENCH_DATABASE):
        print(f"{engine_label()}: {args.messages:,} reminders, {args.workers} workers ...", flush=True)
        result = run_messaging_bench(args.messages, args.workers)
        table = messaging_table(result, engine_label(), date.today())
    publish(table, None if args.no_output else args.output, f"messaging-{connection.vendor}")
    return 0
