"""File safety: what a build writes is owner-only whatever the umask, and the README's BI
connection can neither read host files nor write."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, run_dbt

# The connection the README tells BI users to open (keep the two in step).
BI_CONFIG = {"enable_external_access": False, "lock_configuration": True}


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The common default umask, under which files are created world-readable (0644)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def readable_by_others(root: Path) -> list[str]:
    """Files and directories under root (which the test made) that group or others can use."""
    return [
        f"{oct(stat.S_IMODE(path.stat().st_mode))} {path}"
        for path in root.rglob("*")
        if stat.S_IMODE(path.stat().st_mode) & 0o077
    ]


def build_small(workdir: Path, database: Path):
    return run_dbt(workdir, "run", "--select", "base_shop__orders", database=database)


def test_build_files_are_owner_only_whatever_the_umask(tmp_path: Path, umask_022: None) -> None:
    workdir = tmp_path / "run"
    workdir.mkdir()
    database = workdir / "warehouse.duckdb"
    result = build_small(workdir, database)
    assert result.returncode == 0, result.output[-3000:]
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    # the warehouse, its write-ahead log, target/ and logs/ (compiled SQL, manifest, dbt.log)
    assert readable_by_others(workdir) == []


def test_an_old_world_readable_warehouse_is_made_owner_only(
    tmp_path: Path, umask_022: None
) -> None:
    workdir = tmp_path / "run"
    workdir.mkdir()
    database = workdir / "warehouse.duckdb"
    duckdb.connect(str(database)).close()  # as an earlier build without the protection left it
    assert stat.S_IMODE(database.stat().st_mode) == 0o644
    result = build_small(workdir, database)
    assert result.returncode == 0, result.output[-3000:]
    assert readable_by_others(workdir) == []


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("bi")
    database = workdir / "warehouse.duckdb"
    result = build_small(workdir, database)
    assert result.returncode == 0, result.output[-3000:]
    return database


HOSTILE_STATEMENTS = [
    "select * from read_csv('/etc/passwd')",
    "select * from read_text('/etc/passwd')",
    "select * from glob('/etc/*')",
    "copy (select 1 as x) to '{tmp}/leak.csv'",
    "attach '{tmp}/other.duckdb' as other",
    "export database '{tmp}/export'",
    "create table main_staging.planted as select 1 as x",
    "drop table main_staging.base_shop__orders",
    "set enable_external_access = true",
    "set lock_configuration = false",
    "reset enable_external_access",
]


def test_readme_recipe_uses_the_locked_down_connection() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    assert "read_only=True" in readme
    assert "'enable_external_access': False" in readme
    assert "'lock_configuration': True" in readme


@pytest.mark.parametrize("statement", HOSTILE_STATEMENTS)
def test_bi_connection_can_neither_read_host_files_nor_write(
    small_warehouse: Path, tmp_path: Path, statement: str
) -> None:
    with duckdb.connect(str(small_warehouse), read_only=True, config=BI_CONFIG) as connection:
        assert connection.execute("select count(*) from main_staging.base_shop__orders").fetchone()
        with pytest.raises(duckdb.Error):
            connection.execute(statement.format(tmp=tmp_path)).fetchall()
        assert (
            connection.execute("select current_setting('enable_external_access')").fetchone()[0]
            is False
        )
    assert list(tmp_path.iterdir()) == []


def test_a_plain_read_only_connection_can_read_host_files(small_warehouse: Path) -> None:
    """Why the two settings matter: read_only alone does not stop reading the host's files."""
    with duckdb.connect(str(small_warehouse), read_only=True) as connection:
        assert (
            connection.execute("select count(*) from read_text('/etc/passwd')").fetchone()[0] == 1
        )
