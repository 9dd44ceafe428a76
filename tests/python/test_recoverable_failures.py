"""Recoverable failures: a failed `dbt build --fail-fast` is finished by `dbt retry` once the
cause is fixed, a failing data test keeps its failing rows for inspection, and the daily feeds
declare freshness."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from warehouse_checks import generate_source_dir, vars_text

from conftest import DbtResult, run_dbt
from segmentation.publishing import default_build_path


def load_raw_tables(database: Path, source_dir: Path, schema: str = "raw") -> dict[str, int]:
    """The source files as tables of a warehouse (as a loader would deliver them); row counts."""
    counts = {}
    with duckdb.connect(str(database)) as connection:
        connection.execute(f"create schema if not exists {schema}")
        for path in sorted(source_dir.glob("*.csv")):
            connection.execute(
                f"create or replace table {schema}.{path.stem} as "
                f"select * from read_csv('{path}', header = true, all_varchar = true)"
            )
            counts[path.stem] = connection.execute(
                f"select count(*) from {schema}.{path.stem}"
            ).fetchone()[0]
    return counts


def statuses(result: DbtResult) -> dict[str, str]:
    run_results = json.loads((result.target_dir / "run_results.json").read_text())
    return {item["unique_id"]: item["status"] for item in run_results["results"]}


@pytest.mark.slow
def test_fail_fast_then_retry_finishes_the_run(tmp_path: Path) -> None:
    """A source table arrives late: `dbt build --fail-fast` stops at its base model and publishes
    nothing; once it has arrived, `dbt retry` runs what failed and was skipped (not what had
    succeeded) and publishes the finished warehouse."""
    source_dir = generate_source_dir(tmp_path / "files", customers=150)
    database = tmp_path / "warehouse.duckdb"
    build = default_build_path(database)  # dbt reads and writes the build file
    build.parent.mkdir(parents=True, exist_ok=True)
    counts = load_raw_tables(build, source_dir)
    # the loader has not delivered the support tickets yet; dbt runs the base models in the
    # order of their names, so the customers' base model (among others) succeeds before
    with duckdb.connect(str(build)) as connection:
        connection.execute("alter table raw.support_tickets rename to support_tickets_late")
    build_vars = vars_text({"segmentation__source_dir": None, "segmentation__k_max": 4})

    failed = run_dbt(tmp_path, "build", "--fail-fast", "--vars", build_vars, database=database)
    assert failed.returncode != 0
    assert "base_shop__support_tickets" in failed.output
    first = statuses(failed)
    assert first["model.segmentation.base_shop__support_tickets"] == "error"
    assert first["model.segmentation.base_shop__customers"] == "success", first
    assert "model.segmentation.dim_customers" not in first or first[
        "model.segmentation.dim_customers"
    ] in {"skipped", "error"}
    # the failed run published nothing: there is no serving file yet
    assert not database.exists(), "the failed run published its half-built warehouse"
    assert "Not published: " in failed.output, failed.output[-3000:]

    with duckdb.connect(str(build)) as connection:  # the fix: the table arrives
        connection.execute("alter table raw.support_tickets_late rename to support_tickets")
    retried = run_dbt(tmp_path, "retry", database=database)
    assert retried.returncode == 0, retried.output[-5000:]
    second = statuses(retried)
    assert second["model.segmentation.base_shop__support_tickets"] == "success"
    # what had succeeded is not run again: the retry continues the failed run
    assert "model.segmentation.base_shop__customers" not in second, second
    # saved queries and exposures have nothing to run: dbt reports them as no-op
    finished = {"success", "pass", "no-op"}
    assert set(second.values()) <= finished, {
        node: status for node, status in second.items() if status not in finished
    }
    # the retried run finished everything and published it: every customer is in the mart
    assert "Published the warehouse" in retried.output, (
        "the retry succeeded but did not publish its build\n" + retried.output[-3000:]
    )
    customers = retried.query("select count(*) from main_marts.dim_customers")[0][0]
    assert customers == counts["customers"]
    tickets = retried.query(
        "select sum(rows_read) from main_marts.fct_source_row_counts "
        "where source_name = 'support_tickets'"
    )[0][0]
    assert tickets == counts["support_tickets"]


@pytest.mark.slow
def test_failing_data_test_stores_its_failing_rows(
    demo_warehouse: DbtResult, tmp_path: Path
) -> None:
    database = tmp_path / "warehouse.duckdb"
    build = default_build_path(database)  # dbt tests the build file
    build.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_warehouse.build_database, build)
    with duckdb.connect(str(build)) as connection:  # a duplicate customer in the mart
        duplicated = connection.execute(
            "select customer_id from main_marts.dim_customers order by customer_id limit 1"
        ).fetchone()[0]
        connection.execute(
            "insert into main_marts.dim_customers select * from main_marts.dim_customers "
            "where customer_id = ?",
            [duplicated],
        )
    result = run_dbt(
        tmp_path, "test", "--select", "dim_customers,test_name:unique", database=database
    )
    assert result.returncode != 0
    with duckdb.connect(str(build), read_only=True) as connection:
        failures = connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main_test_failures' and table_name like 'unique_dim_customers%'"
        ).fetchall()
        assert len(failures) == 1, (
            f"the failing unique test of dim_customers stored no table in main_test_failures: "
            f"{failures} (is store_failures off?)"
        )
        stored = connection.execute(
            f'select * from main_test_failures."{failures[0][0]}"'
        ).fetchall()
    assert [row[0] for row in stored] == [duplicated]


def write_dated_sources(
    directory: Path, orders_age: dt.timedelta, events_age: dt.timedelta
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    ordered_at = (now - orders_age).isoformat(sep=" ")
    occurred_at = (now - events_age).isoformat(sep=" ")
    (directory / "orders.csv").write_text(
        "order_id,customer_id,ordered_at,amount\n"
        "1,c1,2020-01-01 00:00:00,10\n"
        f"2,c1,{ordered_at},10\n"
    )
    (directory / "engagement_events.csv").write_text(
        f"event_id,customer_id,occurred_at,event_type\n1,c1,{occurred_at},web_session\n"
    )
    return directory


def freshness(workdir: Path, source_dir: Path) -> tuple[DbtResult, dict[str, str]]:
    result = run_dbt(
        workdir,
        "source",
        "freshness",
        "--vars",
        vars_text({"segmentation__source_dir": str(source_dir)}),
    )
    sources = json.loads((result.target_dir / "sources.json").read_text())
    return result, {item["unique_id"].split(".")[-1]: item["status"] for item in sources["results"]}


@pytest.mark.slow
def test_sources_declare_freshness(tmp_path: Path) -> None:
    """Orders and engagement events (the feeds that arrive every day) warn after 2 days without a
    new row and error after 7; the other sources declare none."""
    fresh = write_dated_sources(tmp_path / "fresh", dt.timedelta(hours=1), dt.timedelta(days=3))
    result, statuses = freshness(tmp_path / "run1", fresh)
    assert result.returncode == 0, result.output[-3000:]
    assert statuses == {"orders": "pass", "engagement_events": "warn"}

    stale = write_dated_sources(tmp_path / "stale", dt.timedelta(days=10), dt.timedelta(hours=1))
    result, statuses = freshness(tmp_path / "run2", stale)
    assert result.returncode != 0
    assert statuses == {"orders": "error", "engagement_events": "pass"}
