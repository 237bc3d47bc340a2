"""Times the platform's heavy reads on a large dataset and keeps the results in docs/benchmarks.md.

Each operation runs once to warm up, once under CaptureQueriesContext to count its queries, then
`repeat` times under time.perf_counter for the median and the 95th percentile.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alongside.contacts.queries import caseload, function_coverage
from alongside.people.timeline import timeline_for
from alongside.programs.models import Program
from alongside.programs.queries import status_counts
from bench.dataset import Dataset, DatasetSize, build_dataset

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"
BENCH_DATABASE = "alongside_bench"
COLUMNS = ("engine", "dataset", "operation", "queries", "median ms", "p95 ms", "date", "cores")


@dataclass(frozen=True)
class Result:
    operation: str
    queries: int
    median_ms: float
    p95_ms: float


def operations(dataset: Dataset) -> dict[str, Callable[[], Any]]:
    """The reads that pages and reports lean on, each evaluated fully."""
    programs = Program.objects.filter(organization=dataset.organization)
    return {
        "function_coverage, all programs, 30 days": lambda: function_coverage(programs, 30),
        "function_coverage, all programs, 90 days": lambda: function_coverage(programs, 90),
        "status_counts, all programs": lambda: status_counts(programs),
        f"caseload of a supporter ({dataset.big_caseload} enrolments)": lambda: list(caseload(dataset.big_supporter)),
        "timeline_for a participant (newest 100 events)": lambda: timeline_for(
            dataset.busy_participant, dataset.viewer
        ),
    }


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(operation: Callable[[], Any], repeat: int) -> tuple[int, list[float]]:
    operation()  # warm-up: connection, caches, prepared plans
    with CaptureQueriesContext(connection) as captured:
        operation()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - started) * 1000)
    return len(captured.captured_queries), samples


def run_benchmarks(dataset: Dataset, repeat: int) -> list[Result]:
    results = []
    for name, operation in operations(dataset).items():
        queries, samples = measure(operation, repeat)
        results.append(Result(name, queries, statistics.median(samples), percentile(samples, 0.95)))
    return results


def engine_label() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    if connection.vendor == "postgresql":
        version = connection.cursor().connection.info.server_version  # e.g. 150020
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    return connection.vendor


def results_table(results: list[Result], engine: str, dataset: Dataset, day: date) -> str:
    cores = str(os.cpu_count() or "?")
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * 3 + "---:|" * 3 + "---|---:|"]
    for r in results:
        cells = [engine, dataset.label, r.operation, str(r.queries), f"{r.median_ms:.1f}", f"{r.p95_ms:.1f}"]
        lines.append("| " + " | ".join([*cells, day.isoformat(), cores]) + " |")
    return "\n".join(lines)


REPORT_INTRO = """# Benchmarks

`python3 dev.py bench` (or `.venv/bin/python -m bench [--participants N] [--output PATH]`) builds a synthetic
organization in a fresh database (a temporary SQLite file, or the database `alongside_bench` on the
server `DATABASE_URL` points at, dropped afterwards), then times the reads that pages and reports lean
on. Each operation runs once to warm up, once to count its queries, then repeatedly for the median and
the 95th percentile (nearest rank). The harness rewrites its engine's table below and leaves the others.

The query counts are the point as much as the times: each read is a fixed number of set-based queries
whatever the size of the organization (bench/test_bench_smoke.py checks that on two small datasets).
"""


def update_report(text: str, vendor: str, table: str) -> str:
    """The report with the block for `vendor` replaced by `table` (appended if it is not there yet)."""
    start, end = f"<!-- bench:{vendor} -->", f"<!-- /bench:{vendor} -->"
    block = f"{start}\n{table}\n{end}"
    if not text.strip():
        text = REPORT_INTRO
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def publish(table: str, output: Path | None, key: str) -> None:
    """Prints the table and, unless output is None, replaces its marked block (`key`) in the report."""
    print(table)
    if output is None:
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    existing = output.read_text() if output.exists() else ""
    output.write_text(update_report(existing, key, table))
    print(f"updated {output}")


@contextmanager
def fresh_database(name: str = BENCH_DATABASE) -> Iterator[None]:
    """A new, migrated database for the run, removed afterwards (Django's test database machinery).
    `name` is the database created on a server engine (each bench has its own, so two can run at once)."""
    alias_settings = connection.settings_dict
    old_name = alias_settings["NAME"]
    folder = None
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="alongside-bench-")
        alias_settings["TEST"]["NAME"] = str(Path(folder) / "bench.sqlite3")
    else:
        alias_settings["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    if argv and argv[0] == "followup":  # python -m bench followup [...]: the follow-up engine at scale
        from bench.followup import main as followup_main

        return followup_main(argv[1:])
    if argv and argv[0] == "groups":  # python -m bench groups [...]: group series and attendance at scale
        from bench.groups import main as groups_main

        return groups_main(argv[1:])
    if argv and argv[0] == "directory":  # python -m bench directory [...]: the resource directory's search
        from bench.directory import main as directory_main

        return directory_main(argv[1:])
    if argv and argv[0] == "messaging":  # python -m bench messaging [...]: the outbox, queued and dispatched
        from bench.messaging import main as messaging_main

        return messaging_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--participants", type=int, default=10_000, help="default %(default)s")
    parser.add_argument("--contacts-per-participant", type=int, default=30, help="default %(default)s")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per operation (default %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown report to update")
    parser.add_argument("--no-output", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    if args.participants < 10 or args.repeat < 1:
        parser.error("--participants must be at least 10 and --repeat at least 1")
    settings.DEBUG = False  # no per-query logging while timing
    size = DatasetSize.scaled(args.participants, args.contacts_per_participant)
    with fresh_database():
        print(f"{engine_label()}: building {size.participants:,} participants ...", flush=True)
        started = time.perf_counter()
        dataset = build_dataset(size)
        print(f"built {dataset.label} in {time.perf_counter() - started:.0f} s; measuring ...", flush=True)
        results = run_benchmarks(dataset, args.repeat)
        table = results_table(results, engine_label(), dataset, date.today())
    publish(table, None if args.no_output else args.output, connection.vendor)
    return 0
