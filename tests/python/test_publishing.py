"""Builds write a build file and publish it onto the serving file in one atomic rename: readers
never see a lock error or a half-built warehouse, and a failed run leaves the serving file as it
was. The serving file opens in DuckDB 1.x clients."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, WITHOUT_UNIT_TESTS, DbtResult, run_dbt
from segmentation import publishing
from segmentation.publishing import PublishError, default_build_path, publish, resolve_paths

DUCKDB1_PYTHON = PROJECT_DIR / ".venv-duckdb1" / "bin" / "python"
ACTIONS = "main_marts.fct_customer_actions"


def _database(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create or replace table t as select ? as value", [value])


def _identity(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_ino, status.st_mtime_ns, status.st_size


# ------------------------------------------------------------------------------------------------
# the publishing step on its own


def test_the_build_file_keeps_the_serving_file_name_in_a_build_directory(tmp_path: Path) -> None:
    serving = tmp_path / "shop.duckdb"
    assert default_build_path(serving) == tmp_path / ".build" / "shop.duckdb"
    assert resolve_paths(None, serving).build == tmp_path / ".build" / "shop.duckdb"
    with pytest.raises(PublishError, match="same file"):
        resolve_paths(serving, serving)
    # DuckDB names the catalog after the file's stem and dbt-duckdb writes it into every view.
    with pytest.raises(PublishError, match="same file name"):
        resolve_paths(tmp_path / "build.duckdb", serving)


def test_publish_replaces_the_file_while_an_open_reader_keeps_the_old_one(tmp_path: Path) -> None:
    build, serving = tmp_path / ".build" / "w.duckdb", tmp_path / "w.duckdb"
    build.parent.mkdir()
    _database(serving, 1)
    _database(build, 2)
    with duckdb.connect(str(serving), read_only=True) as reader:
        assert reader.execute("select value from t").fetchall() == [(1,)]
        copied = publish(build, serving)
        assert copied == build.stat().st_size
        # The old inode stays readable for the connection that has it open.
        assert reader.execute("select value from t").fetchall() == [(1,)]
    with duckdb.connect(str(serving), read_only=True) as fresh:
        assert fresh.execute("select value from t").fetchall() == [(2,)]
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".w.")] == []


def test_published_and_build_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    build, serving = tmp_path / ".build" / "w.duckdb", tmp_path / "w.duckdb"
    previous = os.umask(0)
    try:
        build.parent.mkdir()
        _database(build, 1)
        publishing.prepare_build_file(build)
        publish(build, serving)
        # An existing serving file of another mode is replaced by an owner-only one.
        os.chmod(serving, 0o666)
        publish(build, serving)
    finally:
        os.umask(previous)
    assert serving.stat().st_mode & 0o777 == 0o600
    assert build.stat().st_mode & 0o777 == 0o600
    assert build.parent.stat().st_mode & 0o777 == 0o700


def test_tighten_umask_only_removes_group_and_other_bits() -> None:
    original = os.umask(0o022)
    try:
        assert publishing.tighten_umask() == 0o022
        assert os.umask(0o022) == 0o077
        os.umask(0o027)
        publishing.tighten_umask()
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(original)


def test_a_copy_that_fails_leaves_the_serving_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, serving = tmp_path / ".build" / "w.duckdb", tmp_path / "w.duckdb"
    build.parent.mkdir()
    _database(serving, 1)
    _database(build, 2)
    before = _identity(serving)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publishing.shutil, "copyfileobj", disk_full)
    with pytest.raises(OSError, match="No space left"):
        publish(build, serving)
    assert _identity(serving) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [".build", "w.duckdb"]


def test_publish_refuses_a_build_file_with_changes_left_in_its_wal(tmp_path: Path) -> None:
    build, serving = tmp_path / ".build" / "w.duckdb", tmp_path / "w.duckdb"
    build.parent.mkdir()
    _database(build, 1)
    build.with_name("w.duckdb.wal").write_bytes(b"uncommitted")
    with pytest.raises(PublishError, match="still holds changes"):
        publish(build, serving)
    assert not serving.exists()


def test_publish_refuses_when_a_client_holds_the_serving_file_for_writing(tmp_path: Path) -> None:
    build, serving = tmp_path / ".build" / "w.duckdb", tmp_path / "w.duckdb"
    build.parent.mkdir()
    _database(serving, 1)
    _database(build, 2)
    # Another process (DuckDB's locks are per process) opens the serving file read-write.
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "sys.stdin.read()",
            str(serving),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(PublishError, match="open for writing by another process"):
            publish(build, serving)
    finally:
        writer.communicate("")
    with duckdb.connect(str(serving), read_only=True) as connection:
        assert connection.execute("select value from t").fetchall() == [(1,)]


# ------------------------------------------------------------------------------------------------
# through dbt, on a copy of the demo warehouse


@pytest.fixture
def demo_copy(demo_warehouse: DbtResult, tmp_path: Path) -> Path:
    """A serving file and its build file copied from the demo warehouse; returns the serving one."""
    serving = tmp_path / "copy.duckdb"
    build = default_build_path(serving)
    build.parent.mkdir()
    shutil.copyfile(demo_warehouse.build_database, build)
    shutil.copyfile(demo_warehouse.database, serving)
    return serving


@pytest.mark.slow
def test_a_reader_holds_the_serving_file_open_while_a_rebuild_runs_and_publishes(
    demo_copy: Path, tmp_path: Path
) -> None:
    count_control = f"select count(*) filter (where is_control), count(*) from {ACTIONS}"
    reader = duckdb.connect(str(demo_copy), read_only=True)
    before = reader.execute(count_control).fetchall()
    seen: list[list[tuple]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_until_stopped() -> None:
        while not stop.is_set():
            try:
                seen.append(reader.execute(count_control).fetchall())
                # a view too: it binds against the catalog of the file the reader has open
                reader.execute("select count(*) from main_staging.stg_shop__orders").fetchall()
            except BaseException as error:  # noqa: BLE001 - the test reports every error
                errors.append(error)
            time.sleep(0.05)

    thread = threading.Thread(target=read_until_stopped)
    thread.start()
    try:
        # A rebuild that changes the data: twice the control group share.
        rebuild = run_dbt(
            tmp_path,
            "build",
            *WITHOUT_UNIT_TESTS,
            "--select",
            "int_customer_actions_monthly+",
            "--vars",
            "{segmentation__control_group_share: 0.2}",
            database=demo_copy,
        )
    finally:
        stop.set()
        thread.join()
    assert rebuild.returncode == 0, rebuild.output[-5000:]
    assert "Published the warehouse to " + str(demo_copy) in rebuild.output
    assert errors == []
    assert len(seen) > 10 and all(rows == before for rows in seen), "the reader saw another file"
    # The open reader still reads the file it opened; a new connection sees the new build.
    assert reader.execute(count_control).fetchall() == before
    reader.close()
    after = rebuild.query(count_control)
    assert after[0][1] == before[0][1]  # the same customers fired the same pathways
    assert after[0][0] > before[0][0]  # and twice the share of them is held out
    assert demo_copy.stat().st_mode & 0o777 == 0o600


def _unchanged_after(serving: Path, *dbt_args: str, tmp_path: Path) -> DbtResult:
    before = (_identity(serving), serving.read_bytes())
    result = run_dbt(tmp_path, *dbt_args, database=serving)
    assert result.returncode != 0, result.output[-3000:]
    assert (_identity(serving), serving.read_bytes()) == before
    assert "Published the warehouse" not in result.output
    return result


def test_a_bad_var_leaves_the_serving_file_as_it_was(demo_copy: Path, tmp_path: Path) -> None:
    result = _unchanged_after(
        demo_copy, "build", "--vars", "{segmentation__control_group_share: 0.9}", tmp_path=tmp_path
    )
    assert "segmentation__control_group_share" in result.output


def test_a_failing_test_leaves_the_serving_file_as_it_was(demo_copy: Path, tmp_path: Path) -> None:
    # The build file gets a duplicate pathway (the table rewritten without its primary key): the
    # key's unique test fails.
    pathways = "main_marts.dim_migration_pathways"
    with duckdb.connect(str(default_build_path(demo_copy))) as connection:
        connection.execute(
            f"create or replace table {pathways} as "
            f"select * from {pathways} union all (select * from {pathways} limit 1)"
        )
    result = _unchanged_after(
        demo_copy, "test", "--select", "dim_migration_pathways", tmp_path=tmp_path
    )
    assert "Not published: " in result.output and "did not succeed" in result.output


def test_a_failing_model_leaves_the_serving_file_as_it_was(demo_copy: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(default_build_path(demo_copy))) as connection:
        connection.execute("drop table main_intermediate.int_customer_actions_monthly")
    result = _unchanged_after(
        demo_copy, "run", "--select", "fct_customer_actions", tmp_path=tmp_path
    )
    assert "model.segmentation.fct_customer_actions: error" in result.output


def test_make_publish_publishes_the_build_file_alone(demo_copy: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(default_build_path(demo_copy))) as connection:
        connection.execute("create table main_marts.published_marker as select 42 as answer")
    env = {**os.environ, "SEGMENTATION_DUCKDB_PATH": str(demo_copy)}
    env.pop("SEGMENTATION_DUCKDB_BUILD_PATH", None)
    completed = subprocess.run(
        ["make", "--no-print-directory", "publish"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    with duckdb.connect(str(demo_copy), read_only=True) as connection:
        assert connection.execute("select answer from main_marts.published_marker").fetchall() == [
            (42,)
        ]


# ------------------------------------------------------------------------------------------------
# readers: DuckDB 1.x, and a locked-down BI connection


CLIENT_SCRIPT = """
import json, sys
import duckdb
connection = duckdb.connect(
    sys.argv[1],
    read_only=True,
    config={"enable_external_access": False, "lock_configuration": True},
)
relations = connection.execute(
    "select table_schema, table_name from information_schema.tables "
    "where table_schema not in ('raw') order by all"
).fetchall()
counts = {
    f"{schema}.{name}":
        connection.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
    for schema, name in relations
}
try:
    connection.execute("select * from read_csv('/etc/hostname')").fetchall()
    external = "allowed"
except Exception as error:
    external = type(error).__name__
try:
    connection.execute("set enable_external_access = true")
    relock = "allowed"
except Exception as error:
    relock = type(error).__name__
print(json.dumps({"version": duckdb.__version__, "counts": counts, "external": external,
                  "relock": relock}))
"""


def _open_with(python: Path, database: Path) -> dict:
    completed = subprocess.run(
        [str(python), "-c", CLIENT_SCRIPT, str(database)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_the_serving_file_opens_in_a_duckdb_1x_client(demo_warehouse: DbtResult) -> None:
    assert DUCKDB1_PYTHON.exists(), "the DuckDB 1.x client is missing: run `make install`"
    old = _open_with(DUCKDB1_PYTHON, demo_warehouse.database)
    assert old["version"].startswith("1."), old["version"]
    current = _open_with(Path(sys.executable), demo_warehouse.database)
    # Every table and view outside the landed raw files reads, with the same row counts.
    assert old["counts"] == current["counts"]
    assert len(old["counts"]) > 30
    assert old["counts"]["main_marts.dim_customers"] > 0
    # What the README tells BI users: no file access from SQL, and it cannot be switched back on.
    for client in (old, current):
        assert client["external"] == "PermissionException"
        assert client["relock"] != "allowed"


def test_the_readme_duckdb_cli_command_reads_marts_and_no_files(demo_warehouse: DbtResult) -> None:
    cli = DUCKDB1_PYTHON.with_name("duckdb")
    assert cli.exists(), "the DuckDB 1.x CLI is missing: run `make install`"
    # README: duckdb -readonly -cmd "set enable_external_access = false; ..." <serving file>
    command = [
        str(cli),
        "-csv",
        "-readonly",
        "-cmd",
        "set enable_external_access = false; set lock_configuration = true",
        str(demo_warehouse.database),
        "-c",
    ]
    customers = subprocess.run(
        [*command, "select count(*) as customers from main_marts.dim_customers"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert customers.returncode == 0, customers.stderr
    expected = demo_warehouse.query("select count(*) from main_marts.dim_customers")[0][0]
    assert customers.stdout.split() == ["customers", str(expected)]
    outside = subprocess.run(
        [*command, "select * from read_csv('/etc/hostname')"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert outside.returncode != 0
    assert "file system operations are disabled by configuration" in outside.stderr


def test_a_build_file_without_marts_is_not_published(tmp_path: Path) -> None:
    serving = tmp_path / "w.duckdb"
    _database(serving, 1)
    before = _identity(serving)
    # `make publish` before any build: dbt creates an empty build file, which must not win.
    result = run_dbt(tmp_path, "run-operation", "segmentation_publish", database=serving)
    assert result.returncode == 0, result.output[-3000:]
    assert "Not published: the build file has no marts yet" in result.output
    assert _identity(serving) == before
