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

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtResult:
    returncode: int
    output: str
    database: Path
    target_dir: Path

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def frame(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).df()


def run_dbt(workdir: Path, *args: str, database: Path | None = None) -> DbtResult:
    """Run a dbt command in the project with its own database file, target and log dirs."""
    database = database or workdir / "warehouse.duckdb"
    target_dir = workdir / "target"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SEGMENTATION_DUCKDB_PATH": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
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
        completed.returncode, completed.stdout + completed.stderr, database, target_dir
    )


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    """The warehouse built from the bundled demo data, as `make build` does."""
    workdir = tmp_path_factory.mktemp("demo")
    result = run_dbt(workdir, "build")
    assert result.returncode == 0, result.output[-5000:]
    return result
