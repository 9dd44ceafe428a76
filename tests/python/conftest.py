"""Shared fixtures: run dbt against a throw-away DuckDB file and read the result."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segmentation.publishing import default_build_path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtResult:
    returncode: int
    output: str
    database: Path  # the serving file, which readers open (SEGMENTATION_DUCKDB_PATH)
    target_dir: Path
    build_database: Path  # the file dbt builds and publishes (SEGMENTATION_DUCKDB_BUILD_PATH)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).df()


def run_dbt(
    workdir: Path, *args: str, database: Path | None = None, env: dict[str, str] | None = None
) -> DbtResult:
    """Run a dbt command in the project with its own database files, target and log dirs.

    `database` is the serving file; the build file is the profile's default beside it.
    """
    database = database or workdir / "warehouse.duckdb"
    build_database = default_build_path(database)
    target_dir = workdir / "target"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SEGMENTATION_DUCKDB_PATH": str(database),
        "SEGMENTATION_DUCKDB_BUILD_PATH": str(build_database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **(env or {}),
    }
    completed = subprocess.run(
        [DBT, *args, "--target-path", str(target_dir), "--log-path", str(workdir / "logs")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return DbtResult(
        completed.returncode,
        completed.stdout + completed.stderr,
        database,
        target_dir,
        build_database,
    )


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    """The warehouse built from the bundled demo data, as `make build` does."""
    workdir = tmp_path_factory.mktemp("demo")
    result = run_dbt(workdir, "build")
    assert result.returncode == 0, result.output[-5000:]
    return result


# Personal data planted in customer rows that must be quarantined (test_personal_data.py):
# reason -> (the rest of the row, e-mail)
PLANTED_ROWS = {
    "unparseable_signup_at": (
        "q1,not a date,GB,UK,organic,1980,female",
        "planted.signup@example.com",
    ),
    "impossible_birth_year": (
        "q2,2024-01-01 00:00:00,GB,UK,organic,1850,male",
        "planted.year@example.com",
    ),
    # a second row for customer 1, dated in the future: this copy is quarantined
    "signup_at_after_data_window": (
        "1,2099-01-01 00:00:00,GB,UK,organic,1980,female",
        "planted.dup@example.com",
    ),
}
PLANTED_EMAILS = [email for _, email in PLANTED_ROWS.values()]
# The salt of the PII hashes in the planted build: a test secret, looked for in target/ and logs/
PLANTED_SALT = "test-salt-9f2c41d7e0"


def write_planted_source_dir(directory: Path, customers: int = 150) -> Path:
    """Small generated data plus customer rows that are quarantined while carrying an e-mail."""
    from warehouse_checks import generate_source_dir

    generate_source_dir(directory, customers=customers)
    with (directory / "customers.csv").open("a") as handle:
        for row, email in PLANTED_ROWS.values():
            handle.write(f"{row},{email}\n")
    # the largest order the contract accepts (just under a billion): every total must hold it
    with (directory / "orders.csv").open("a") as handle:
        handle.write("900001,1,2026-06-01 10:00:00,completed,web,999999999.99,0\n")
    return directory


@pytest.fixture(scope="session")
def planted_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    """A full build of small data with quarantined customer rows that carry e-mails, with a PII
    salt set, and vars pinned so that rebuilds are comparable (test_idempotence reuses it)."""
    from warehouse_checks import vars_text

    workdir = tmp_path_factory.mktemp("planted")
    source_dir = write_planted_source_dir(workdir / "files")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEGMENTATION_PII_SALT", PLANTED_SALT)
        result = run_dbt(
            workdir, "build", "--vars", vars_text({"segmentation__source_dir": str(source_dir)})
        )
    assert result.returncode == 0, result.output[-5000:]
    return result
