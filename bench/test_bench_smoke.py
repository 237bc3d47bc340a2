"""The benchmark harness at a tiny size: every operation measured, query counts that do not grow with the
data, and a report that keeps the other engines' tables. No timing assertions."""

from __future__ import annotations

from datetime import date

import pytest

from alongside.people.timeline import source_names as timeline_sources
from bench.dataset import DatasetSize, build_dataset
from bench.harness import operations, results_table, run_benchmarks, update_report

pytestmark = pytest.mark.django_db


def test_it_measures_every_operation_with_the_same_query_count_at_two_sizes() -> None:
    small = build_dataset(DatasetSize(participants=30, supporters=4, contacts_per_participant=5), seed=1)
    large = build_dataset(DatasetSize(participants=60, supporters=6, contacts_per_participant=10), seed=2)

    small_results = run_benchmarks(small, repeat=2)
    large_results = run_benchmarks(large, repeat=2)

    assert [r.operation for r in small_results] == list(operations(small))
    assert len(small_results) == 5
    assert [r.queries for r in small_results] == [r.queries for r in large_results]
    # The timeline costs one query per registered source (each app adds its own); the others a handful.
    assert all(1 <= r.queries <= max(10, len(timeline_sources())) for r in small_results)
    assert all(0 <= r.median_ms <= r.p95_ms for r in small_results)
    assert large.contacts > small.contacts > 0 and large.big_caseload > 0


def test_the_report_keeps_the_other_engines_table() -> None:
    dataset = build_dataset(DatasetSize(participants=50, supporters=4, contacts_per_participant=3))
    results = run_benchmarks(dataset, repeat=1)
    sqlite_table = results_table(results, "SQLite 3", dataset, dataset.organization.created_at.date())

    report = update_report("", "sqlite", sqlite_table)
    report = update_report(report, "postgresql", "| postgres table |")
    report = update_report(report, "sqlite", "| newer sqlite table |")

    assert report.startswith("# Benchmarks")
    assert "| postgres table |" in report and "| newer sqlite table |" in report
    assert sqlite_table not in report
    assert report.count("<!-- bench:sqlite -->") == 1
    for result in results:
        assert result.operation in sqlite_table


def test_the_follow_up_bench_runs_at_two_tiny_sizes_with_the_same_incremental_query_counts() -> None:
    from bench.followup import FollowUpSize, build_followup_dataset, followup_table, run_followup_benchmarks

    small = build_followup_dataset(FollowUpSize(enrollments=40, contacts=200, supporters=4), quiet=True)
    small_results = run_followup_benchmarks(small, repeat=2, incremental=2)
    large = build_followup_dataset(FollowUpSize(enrollments=120, contacts=900, supporters=4), quiet=True)
    large_results = run_followup_benchmarks(large, repeat=2, incremental=2)

    by_name = {r.operation.split(" (")[0]: r for r in small_results}
    for result in large_results:
        if result.operation.startswith(("log_contact", "engine.refresh", "GET worklist")):
            assert result.queries == by_name[result.operation.split(" (")[0]].queries, result.operation
    assert any(r.operation.startswith("recompute_all, nothing changed (0 written)") for r in large_results)
    assert all(0 <= r.median_ms <= r.p95_ms and r.peak_rss_mb > 0 for r in large_results)
    table = followup_table(large_results, "engine", large.size, date.today(), "2")
    assert table.count("\n") == len(large_results) + 1


def test_the_groups_bench_runs_at_two_tiny_sizes_with_the_same_query_counts() -> None:
    from bench.groups import GroupsSize, build_groups_dataset, groups_table, run_groups_benchmarks

    small = build_groups_dataset(GroupsSize(series=12, per_series=5, contacts=100, supporters=3), quiet=True)
    small_results = run_groups_benchmarks(small, repeat=2)
    large = build_groups_dataset(GroupsSize(series=30, per_series=8, contacts=600, supporters=5), quiet=True)
    large_results = run_groups_benchmarks(large, repeat=2)

    def name(operation: str) -> str:
        return operation.split(" (")[0]

    assert [name(r.operation) for r in small_results] == [name(r.operation) for r in large_results]
    assert [r.queries for r in small_results] == [r.queries for r in large_results]
    assert all(r.queries <= 12 for r in large_results)
    assert large.attendance > small.attendance > 0 and large.sessions > small.sessions
    assert any(r.operation.startswith("recompute_all, nothing changed (0 written)") for r in large_results)
    assert all(0 <= r.median_ms <= r.p95_ms and r.peak_rss_mb > 0 for r in large_results)
    table = groups_table(large_results, "engine", large.label, date.today(), "2")
    assert table.count("\n") == len(large_results) + 1


def test_the_directory_bench_runs_at_two_tiny_sizes_with_the_same_query_counts() -> None:
    from bench.directory import DirectorySize, build_directory_dataset, directory_table, run_directory_benchmarks

    small = build_directory_dataset(DirectorySize(services=40), quiet=True)
    small_results = run_directory_benchmarks(small, repeat=2)
    large = build_directory_dataset(DirectorySize(services=160), quiet=True)
    large_results = run_directory_benchmarks(large, repeat=2)

    def name(operation: str) -> str:
        return operation.split(" (")[0]

    assert [name(r.operation) for r in small_results] == [name(r.operation) for r in large_results]
    assert [r.queries for r in small_results] == [r.queries for r in large_results]
    assert all(r.queries <= 25 for r in large_results)
    assert large.schedules > small.schedules > 0
    assert any(r.operation.startswith("listings: the 20 nearest") for r in large_results)
    assert all(0 <= r.median_ms <= r.p95_ms for r in large_results)
    table = directory_table(large_results, "engine", large.label, date.today(), "2")
    assert table.count("\n") == len(large_results) + 1


def test_the_messaging_bench_queues_and_dispatches_every_reminder_once() -> None:
    from bench.messaging import messaging_table, run_messaging_bench

    result = run_messaging_bench(messages=120, workers=0)  # in this process: the test database is in memory

    assert (result.sent, result.missing, result.duplicates, result.repeats_refused) == (120, 0, 0, 0)
    assert result.queue_seconds > 0 and result.dispatch_seconds > 0
    table = messaging_table(result, "engine", date.today())
    assert table.count("\n") == 2 and "| 120 |" in table
