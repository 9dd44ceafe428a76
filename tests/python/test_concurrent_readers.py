"""Load: four BI readers query the serving file in a loop during two back-to-back publishes;
none gets an error, and each read sees one published warehouse, never a mix of two.

The readers pace themselves (warehouse_checks.read_in_a_loop): calm while dbt starts, back to
back while the publish step copies and replaces the file, where a torn read could happen."""

from __future__ import annotations

import multiprocessing
import shutil
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from warehouse_checks import VERSION_SQL, read_in_a_loop

from conftest import DbtResult, run_dbt

READERS = 4


def leave_customers(build: Path, count: int) -> tuple:
    """A new version of the warehouse in the build file: `count` customers fewer, in two marts
    at once (dim_customers and the rows read in fct_source_row_counts)."""
    with duckdb.connect(str(build)) as connection:
        connection.execute(
            "delete from main_marts.dim_customers where customer_id in "
            f"(select customer_id from main_marts.dim_customers order by 1 limit {count})"
        )
        connection.execute(
            f"update main_marts.fct_source_row_counts set rows_read = rows_read - {count} "
            "where source_name = 'customers'"
        )
        connection.execute("checkpoint")
        return tuple(connection.execute(VERSION_SQL).fetchone())


@pytest.mark.slow
def test_readers_during_two_publishes(planted_warehouse: DbtResult, tmp_path: Path) -> None:
    serving = tmp_path / planted_warehouse.database.name
    build = tmp_path / ".build" / serving.name
    build.parent.mkdir()
    shutil.copyfile(planted_warehouse.database, serving)
    shutil.copyfile(planted_warehouse.database, build)
    with duckdb.connect(str(serving), read_only=True) as connection:
        first = tuple(connection.execute(VERSION_SQL).fetchone())

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    stop_file = tmp_path / "stop"
    readers = [
        context.Process(target=read_in_a_loop, args=(str(serving), str(stop_file), results))
        for _ in range(READERS)
    ]
    for reader in readers:
        reader.start()
    try:
        time.sleep(3)  # every reader is in its loop
        versions = [first]
        for _ in range(2):
            versions.append(leave_customers(build, 10))
            # one target directory: the second publish reuses the first one's parse
            published = run_dbt(
                tmp_path / "publish",
                "run-operation",
                "segmentation_publish",
                database=serving,
            )
            assert published.returncode == 0, published.output[-3000:]
            with duckdb.connect(str(serving), read_only=True) as connection:
                assert tuple(connection.execute(VERSION_SQL).fetchone()) == versions[-1]
        time.sleep(2)
    finally:
        stop_file.touch()
        outcomes = [results.get(timeout=120) for _ in readers]
        for reader in readers:
            reader.join(timeout=60)

    seen: Counter = Counter()
    errors = []
    hot_reads = 0
    for reader_seen, reader_errors, reader_hot_reads in outcomes:
        seen.update(reader_seen)
        errors.extend(reader_errors)
        hot_reads += reader_hot_reads
    assert errors == []
    assert len(set(versions)) == 3
    # every read saw one of the three published versions: a mix would pair the customers of one
    # with the row counts of another
    assert set(seen) <= set(versions), seen
    assert seen[versions[0]] > 0 and seen[versions[-1]] > 0, seen
    assert all(sum(reader_seen.values()) > 0 for reader_seen, _, _ in outcomes)
    # and reads were made while a publish copied and replaced the file, not only between
    assert hot_reads > 0, outcomes
