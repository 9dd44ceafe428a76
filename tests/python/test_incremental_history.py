"""The history is incremental: a new month appends, a rerun changes nothing, and the result is the
same as a full refresh, row for row."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from conftest import DbtResult, run_dbt
from segmentation.publishing import default_build_path

HISTORY = "main_intermediate.int_customer_features_monthly"
ACTIVITY = "main_intermediate.int_customer_activity_monthly"
SELECT = ["--select", "+int_customer_features_monthly"]
# the features and their generic tests (equal_row_count and the singular tests read whole tables:
# never scoped, and they see the planted row too)
FEATURES_ONLY = [
    "--select",
    "int_customer_features_monthly",
    "--exclude",
    "test_name:equal_row_count",
    "test_type:singular",
]


def _rows(database, where: str = "true", table: str = HISTORY) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(f"select * from {table} where {where} order by all").fetchall()


def test_incremental_month_matches_full_refresh(demo_warehouse: DbtResult, tmp_path) -> None:
    # The history as of the end of September, then October arrives.
    first = run_dbt(tmp_path, "run", *SELECT, "--vars", "{segmentation__as_of_date: '2026-09-30'}")
    assert first.returncode == 0, first.output[-3000:]
    assert first.query(f"select max(period_month_end) from {HISTORY}")[0][0].isoformat() == (
        "2026-09-30"
    )
    # Tamper with an old month: an incremental build must not rewrite months it has finished.
    with duckdb.connect(str(first.build_database)) as connection:
        connection.execute(
            f"update {HISTORY} set tenure_days = -1 where period_month_end = '2025-01-31'"
        )
    second = run_dbt(tmp_path, "run", *SELECT, "--vars", "{segmentation__as_of_date: '2026-10-31'}")
    assert second.returncode == 0, second.output[-3000:]
    assert second.query(
        f"select count(*) from {HISTORY} where period_month_end = '2025-01-31' "
        "and tenure_days <> -1"
    ) == [(0,)]

    # Every month from the last stored one on equals a full build as of October, row for row
    # (the demo warehouse is a full build with the default as-of date, the last order: 2026-10-31).
    full_as_of = demo_warehouse.query("select as_of_date from main_marts.dim_customers limit 1")
    assert full_as_of[0][0].isoformat() == "2026-10-31"
    recent = "period_month_end >= '2026-09-30'"
    assert _rows(second.database, recent) == _rows(demo_warehouse.database, recent)
    older = "period_month_end < '2026-09-30' and period_month_end <> '2025-01-31'"
    assert _rows(second.database, older) == _rows(demo_warehouse.database, older)
    # The monthly deltas the features add up are incremental too: September, recomputed from the
    # activity that reaches it, and October equal the full build, and so does every month before.
    activity = _rows(second.database, table=ACTIVITY)
    assert len(activity) > 10_000
    assert activity == _rows(demo_warehouse.database, table=ACTIVITY)

    # A rerun changes nothing.
    before = _rows(second.database)
    third = run_dbt(tmp_path, "run", *SELECT, "--vars", "{segmentation__as_of_date: '2026-10-31'}")
    assert third.returncode == 0, third.output[-3000:]
    assert _rows(third.database) == before


def test_moving_the_as_of_date_back_asks_for_a_full_refresh(
    demo_warehouse: DbtResult, tmp_path
) -> None:
    database = _copy(demo_warehouse, tmp_path)
    result = run_dbt(
        tmp_path,
        "run",
        "--select",
        "int_analysis_window",
        "int_customer_features_monthly",
        "--vars",
        "{segmentation__as_of_date: '2026-06-30'}",
        database=database,
    )
    assert result.returncode != 0
    assert "rebuild it with --full-refresh" in result.output


def test_a_build_tests_the_months_it_wrote_and_dbt_test_tests_every_month(
    demo_warehouse: DbtResult, tmp_path
) -> None:
    # A duplicate planted in a finished month of an incremental history: a normal build does not
    # write that month again, and its data tests read only the months from the one before the last
    # stored (segmentation_record_test_scope, get_where_subquery); `dbt test` reads every month.
    database = _copy(demo_warehouse, tmp_path)
    with duckdb.connect(str(default_build_path(database))) as connection:
        connection.execute(
            f"insert into {HISTORY} select * from {HISTORY} "
            "where period_month_end = '2025-01-31' order by customer_id limit 1"
        )
    built = run_dbt(tmp_path, "build", *FEATURES_ONLY, database=database)
    assert built.returncode == 0, built.output[-3000:]
    unique_test = (
        "unique_combination_of_columns_int_customer_features_monthly_customer_id__period_month_end"
    )
    assert "segmentation_test_scope" in _compiled_test(tmp_path, unique_test)
    with duckdb.connect(str(database), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from information_schema.tables "
            "where table_name = 'segmentation_test_scope'"
        ).fetchone() == (0,), "the scope table is dropped before publishing"
        assert connection.execute(
            f"select count(*) - count(distinct (customer_id, period_month_end)) from {HISTORY}"
        ).fetchone() == (1,)

    tested = run_dbt(tmp_path, "test", *FEATURES_ONLY, database=database)
    assert tested.returncode != 0
    assert unique_test in tested.output
    assert "segmentation_test_scope" not in _compiled_test(tmp_path, unique_test)


def _copy(demo_warehouse: DbtResult, workdir) -> Path:
    """A copy of the demo's build file in workdir; returns its serving file's path."""
    database = workdir / "copy.duckdb"
    build_database = default_build_path(database)
    build_database.parent.mkdir()
    build_database.write_bytes(demo_warehouse.build_database.read_bytes())
    return database


def _compiled_test(workdir, name: str) -> str:
    """The SQL the last dbt run in workdir ran for the data test called name."""
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    found = [r["compiled_code"] for r in results if r["unique_id"].split(".")[2] == name]
    assert len(found) == 1, f"{name} did not run"
    return found[0]
