"""The history is incremental: a new month appends, a rerun changes nothing, and the result is the
same as a full refresh, row for row."""

from __future__ import annotations

import duckdb

from conftest import DbtResult, run_dbt
from segmentation.publishing import default_build_path

HISTORY = "main_intermediate.int_customer_features_monthly"
ACTIVITY = "main_intermediate.int_customer_activity_monthly"
SELECT = ["--select", "+int_customer_features_monthly"]


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
    database = tmp_path / "copy.duckdb"
    build_database = default_build_path(database)
    build_database.parent.mkdir()
    build_database.write_bytes(demo_warehouse.build_database.read_bytes())
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
