"""Helpers of the reliability tests: fingerprints and row-by-row comparisons of warehouses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

MART_SCHEMA = "main_marts"


def relations(connection: duckdb.DuckDBPyConnection, schema: str | None = None) -> list[tuple]:
    """(schema, name, type) of every table and view, optionally of one schema, in a stable order."""
    sql = (
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_catalog = current_database()"
    )
    if schema is not None:
        sql += f" and table_schema = '{schema}'"
    return connection.execute(sql + " order by 1, 2").fetchall()


def fingerprint(database: Path) -> dict[tuple[str, str], tuple]:
    """Every relation of the file with its row count and an order-independent hash of its rows
    (views: their definition), to show that nothing changed."""
    with duckdb.connect(str(database), read_only=True) as connection:
        result: dict[tuple[str, str], tuple] = {}
        for schema, name, table_type in relations(connection):
            if table_type == "VIEW":
                sql = connection.execute(
                    "select sql from duckdb_views() where schema_name = ? and view_name = ?",
                    [schema, name],
                ).fetchone()
                result[(schema, name)] = ("view", sql[0] if sql else None)
                continue
            count, digest = connection.execute(
                f'select count(*), sum(hash(t)::hugeint) from "{schema}"."{name}" as t'
            ).fetchone()
            result[(schema, name)] = ("table", count, digest)
        return result


def mart_differences(left: Path, right: Path, schema: str = MART_SCHEMA) -> dict[str, tuple]:
    """Per mart, the rows in one warehouse and not the other (`except all` both ways), as counts;
    marts missing on one side are reported too. An empty dict means identical marts."""
    differences: dict[str, tuple] = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{left}' as left_db (read_only)")
        connection.execute(f"attach '{right}' as right_db (read_only)")
        names = {
            database: {
                row[0]
                for row in connection.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = ? and table_schema = ?",
                    [database, schema],
                ).fetchall()
            }
            for database in ("left_db", "right_db")
        }
        for name in sorted(names["left_db"] ^ names["right_db"]):
            differences[name] = ("missing on one side",)
        for name in sorted(names["left_db"] & names["right_db"]):
            left_table = f'left_db."{schema}"."{name}"'
            right_table = f'right_db."{schema}"."{name}"'
            only_left = connection.execute(
                f"select count(*) from (select * from {left_table} "
                f"except all select * from {right_table})"
            ).fetchone()[0]
            only_right = connection.execute(
                f"select count(*) from (select * from {right_table} "
                f"except all select * from {left_table})"
            ).fetchone()[0]
            if only_left or only_right:
                differences[name] = (only_left, only_right)
    return differences


# Vars that make a small build reproducible: the data window's end does not follow the clock.
PINNED_VARS = {"segmentation__max_valid_date": "2026-11-30"}


def vars_text(extra: dict | None = None) -> str:
    """--vars for a reproducible build (PINNED_VARS plus extra), as JSON (valid YAML)."""
    return json.dumps({**PINNED_VARS, **(extra or {})})


def generate_source_dir(directory: Path, customers: int = 200, fmt: str = "csv") -> Path:
    """The project's demo generator at a small size: one file per source in directory."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation.demo_data",
            "--customers",
            str(customers),
            "--format",
            fmt,
            "--out",
            str(directory),
            "--truth",
            "",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return directory


# The connection the README tells BI users to open.
BI_CONFIG = {"enable_external_access": False, "lock_configuration": True}

VERSION_SQL = (
    "select (select count(*) from main_marts.dim_customers), "
    "(select rows_read from main_marts.fct_source_row_counts where source_name = 'customers')"
)


# A reader's pace: one read per CALM_PAUSE seconds, and reads back to back (HOT) from the moment
# the publish step's temporary copy appears next to the serving file until HOT_SECONDS after the
# last time it was seen, the window in which a publish that was not atomic would tear a read.
# Opening the file costs a reader about 0.1 s of CPU (the catalog), so readers that never pause
# would starve the publisher on a 2-core machine (eight of them made the test take 13 minutes).
CALM_PAUSE = 0.5
HOT_SECONDS = 3.0


def read_in_a_loop(serving: str, stop_file: str, results) -> None:
    """A BI reader: connect read-only, read two marts in one query, disconnect; until stop_file
    exists, at the pace above. Puts (versions seen with their counts, errors, reads made while
    a publish was copying or had just replaced the file) on the results queue."""
    import os
    import time
    from collections import Counter

    serving_path = Path(serving)
    publishing = f".{serving_path.name}.publishing-*"
    seen: Counter = Counter()
    errors: list[str] = []
    hot_reads = 0
    hot_until = 0.0
    while not os.path.exists(stop_file):
        if any(serving_path.parent.glob(publishing)):
            hot_until = time.monotonic() + HOT_SECONDS
        hot = time.monotonic() < hot_until
        try:
            with duckdb.connect(serving, read_only=True, config=BI_CONFIG) as connection:
                seen[tuple(connection.execute(VERSION_SQL).fetchone())] += 1
        except Exception as error:  # every error counts, whatever its kind
            errors.append(repr(error))
        if hot:
            hot_reads += 1
        else:
            # calm: sleep in short steps, to turn hot as soon as a publish starts copying
            calm_until = time.monotonic() + CALM_PAUSE
            while time.monotonic() < calm_until and not any(serving_path.parent.glob(publishing)):
                time.sleep(0.005)
    results.put((dict(seen), errors, hot_reads))
