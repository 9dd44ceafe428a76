"""Crash safety: `dbt build` killed (SIGKILL) during an incremental append, during a large table
and during the publish step leaves a serving warehouse that opens and holds the last good marts,
and the next build completes and matches a clean build row for row.

Each killed build selects the model it is killed in (the build file already holds everything
upstream, from the clean build), so that it reaches its kill point without rebuilding the
warehouse first: a kill leaves the same state whatever ran before it in the same run. The build
after the kills is a full one.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest
from warehouse_checks import BI_CONFIG, mart_differences, vars_text

from conftest import (
    DBT,
    PLANTED_SALT,
    PROJECT_DIR,
    WITHOUT_UNIT_TESTS,
    DbtResult,
    dbt_environment,
    run_dbt,
)

# the model a killed build selects, and the line of dbt's output to kill at, or "publish": the
# moment the publish step's temporary copy appears next to the serving file (dbt prints the
# hook's line only after the hook has run); a build of a small mart reaches it quickly
KILL_POINTS = {
    "incremental append": (
        "int_customer_features_monthly",
        r"START sql incremental model main_intermediate\.int_customer_features_monthly",
    ),
    "large table": (
        "dim_customers",
        r"START sql table model main_marts\.dim_customers",
    ),
    "publish": ("dim_migration_pathways", "publish"),
}


def start_build(workdir: Path, serving: Path, build_vars: str, *selection: str) -> subprocess.Popen:
    env = dbt_environment(serving, {"SEGMENTATION_PII_SALT": PLANTED_SALT})
    args = ("build", *selection, *WITHOUT_UNIT_TESTS, "--vars", build_vars)
    return subprocess.Popen(
        [
            DBT,
            *args,
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kill_during_publish(process: subprocess.Popen, serving: Path) -> str:
    """SIGKILL the build while the publish step copies the build file next to the serving file."""
    lines: list[str] = []
    assert process.stdout is not None
    drain = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    drain.start()
    pattern = f".{serving.name}.publishing-*"
    while process.poll() is None:
        if any(serving.parent.glob(pattern)):
            process.send_signal(signal.SIGKILL)
            process.wait()
            drain.join()
            return "".join(lines)
        time.sleep(0.001)
    drain.join()
    raise AssertionError(f"the build ended before it published:\n{''.join(lines)[-3000:]}")


def kill_at(process: subprocess.Popen, pattern: str, serving: Path) -> str:
    """SIGKILL the build as soon as it prints a line matching pattern; returns its output."""
    if pattern == "publish":
        return kill_during_publish(process, serving)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if re.search(pattern, line):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return "".join(lines)
    process.wait()
    raise AssertionError(f"the build ended before {pattern!r}:\n{''.join(lines)[-3000:]}")


@pytest.mark.slow
def test_killed_builds_leave_the_last_good_marts(
    planted_warehouse: DbtResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = planted_warehouse.database
    serving = tmp_path / clean.name
    build = tmp_path / ".build" / clean.name
    build.parent.mkdir()
    shutil.copyfile(clean, serving)
    shutil.copyfile(clean.parent / ".build" / clean.name, build)
    build_vars = vars_text({"segmentation__source_dir": str(clean.parent / "files")})

    # one target directory for every build: dbt parses the project once and reuses the parse
    workdir = tmp_path / "builds"
    for point, (model, pattern) in KILL_POINTS.items():
        process = start_build(workdir, serving, build_vars, "--select", model)
        kill_at(process, pattern, serving)
        with duckdb.connect(str(serving), read_only=True, config=BI_CONFIG) as connection:
            assert connection.execute("select count(*) from main_marts.dim_customers").fetchone()
        assert mart_differences(clean, serving) == {}, f"killed during the {point}"

    monkeypatch.setenv("SEGMENTATION_PII_SALT", PLANTED_SALT)
    final = run_dbt(workdir, "build", *WITHOUT_UNIT_TESTS, "--vars", build_vars, database=serving)
    assert final.returncode == 0, final.output[-5000:]
    assert mart_differences(clean, serving) == {}
    assert mart_differences(clean, serving, "main_intermediate") == {}
