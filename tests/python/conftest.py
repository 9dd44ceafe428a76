"""Shared fixtures: run dbt against a throw-away DuckDB file and read the result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
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


# `make test` runs pytest in two processes (pytest-xdist). A test module is one unit of work, so
# that its module fixtures (often a warehouse build) are built once; the modules that use one
# session fixture's warehouse are one unit, so that it is built once too; and so are the modules
# that run dbt or mf on the demo's build file or copy it (a DuckDB file open read-write locks out
# every other process, and a copy taken during a build would be torn). xdist's own loadgroup does
# not group under pytest 9 (it renames item._nodeid, which pytest 9 no longer reads), hence the
# scheduler below.
UNITS_OF_WORK = {
    "shape_warehouses": ("test_shape_marketing", "test_shape_matrix", "test_value_shapes"),
    "planted_warehouse": (
        "test_concurrent_readers",
        "test_crash_safety",
        "test_idempotence",
        "test_personal_data",
    ),
    "demo_build_file": (
        "test_analyses",
        "test_exports",
        "test_incremental_history",
        "test_publishing",
        "test_recoverable_failures",
        "test_semantic_layer",
        "test_warehouse",
    ),
}
UNIT_OF_MODULE = {module: unit for unit, modules in UNITS_OF_WORK.items() for module in modules}


def unit_of_work(path: str) -> str:
    """The unit of work of the test module at path (a nodeid's file part or a Path)."""
    module = Path(path).stem
    return UNIT_OF_MODULE.get(module, module)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # a module that uses a session warehouse outside its unit would build it a second time
    for item in items:
        for fixture in ("shape_warehouses", "planted_warehouse"):
            if fixture in getattr(item, "fixturenames", ()) and unit_of_work(item.path) != fixture:
                raise pytest.UsageError(
                    f"{item.path.name} uses the session fixture {fixture}: add it to "
                    f"UNITS_OF_WORK[{fixture!r}] in tests/python/conftest.py"
                )


class UnitOfWorkScheduler:
    """Registered only when xdist is loaded (`-p no:xdist` must still run the tests)."""

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: object) -> object:
        from xdist.scheduler import LoadScopeScheduling

        class UnitOfWorkScheduling(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return unit_of_work(nodeid.split("::", 1)[0])

        return UnitOfWorkScheduling(config, log)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(UnitOfWorkScheduler(), "unit_of_work_scheduler")


# Unit tests do not read the data (their inputs are given in YAML): they run in the demo build
# (make test's dbt-test step, or the demo_warehouse fixture). Extra builds of other data leave them
# out; their data tests all run.
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


# A full parse of the project costs 15-20 s of CPU (a minute on the shared 2-core machine under
# load), and a fresh target directory has no partial parse to start from. dbt reuses a saved
# parse only if the --vars, the profile (database paths included), the env vars the project reads
# and every project file are those it was saved with, and parses again otherwise. So a run in a
# new target directory starts from the last parse saved by a run with the same --vars and
# environment: the tests that run dbt on the demo warehouse itself start from the demo build's.
PARSE_FILE = "partial_parse.msgpack"
_saved_parses: dict[tuple, Path] = {}


def parse_key(args: tuple[str, ...], env: dict[str, str]) -> tuple:
    """What a saved parse is reused for: the --vars and the project's environment variables
    (SEGMENTATION_*, the database paths among them)."""
    given_vars = args[args.index("--vars") + 1] if "--vars" in args else None
    environment = tuple(
        sorted((name, value) for name, value in env.items() if name.startswith("SEGMENTATION_"))
    )
    return (given_vars, environment)


def reuse_parse(target_dir: Path, key: tuple) -> None:
    """Copy the last saved parse of `key` into target_dir, unless it has a parse of its own."""
    source = _saved_parses.get(key)
    if source is not None and source.is_file() and not (target_dir / PARSE_FILE).exists():
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target_dir / PARSE_FILE)


def remember_parse(target_dir: Path, key: tuple) -> None:
    if (target_dir / PARSE_FILE).is_file():
        _saved_parses[key] = target_dir / PARSE_FILE


def dbt_environment(database: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a dbt run on serving file `database` (the build file beside it)."""
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SEGMENTATION_DUCKDB_PATH": str(database),
        "SEGMENTATION_DUCKDB_BUILD_PATH": str(default_build_path(database)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **(env or {}),
    }


def run_dbt(
    workdir: Path, *args: str, database: Path | None = None, env: dict[str, str] | None = None
) -> DbtResult:
    """Run a dbt command in the project with its own database files, target and log dirs.

    `database` is the serving file; the build file is the profile's default beside it.
    """
    database = database or workdir / "warehouse.duckdb"
    build_database = default_build_path(database)
    target_dir = workdir / "target"
    env = dbt_environment(database, env)
    key = parse_key(args, env)
    reuse_parse(target_dir, key)
    completed = subprocess.run(
        [DBT, *args, "--target-path", str(target_dir), "--log-path", str(workdir / "logs")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    remember_parse(target_dir, key)
    return DbtResult(
        completed.returncode,
        completed.stdout + completed.stderr,
        database,
        target_dir,
        build_database,
    )


# `make test` builds the demo once, in its dbt-test step, into a fresh directory of its own and
# names it here; the demo_warehouse fixture then uses that build instead of repeating it.
DEMO_DIR_VARIABLE = "SEGMENTATION_TEST_DEMO_DIR"
# What a build depends on: a file here newer than the build makes the build stale.
PROJECT_INPUTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "python_models",
    "seeds",
    "analyses",
    "src",
)


def project_input_files() -> list[Path]:
    """The files a build reads: PROJECT_INPUTS and the singular tests (tests/*.sql), without
    Python's byte-code caches (written when the code is imported, not changed)."""
    files = [path for path in (PROJECT_DIR / "tests").glob("*.sql")]
    for name in PROJECT_INPUTS:
        top = PROJECT_DIR / name
        files += [top] if top.is_file() else sorted(top.rglob("*"))
    return [path for path in files if path.is_file() and "__pycache__" not in path.parts]


def reused_demo_build(workdir: Path) -> DbtResult:
    """The demo build in `workdir` (serving file warehouse.duckdb, target/, logs/), checked to be
    what the fixture would build: `dbt build` without selection or vars, every node succeeded,
    published, and newer than every file of the project."""
    run_results_path = workdir / "target" / "run_results.json"
    database = workdir / "warehouse.duckdb"
    assert run_results_path.is_file() and database.is_file(), (
        f"{DEMO_DIR_VARIABLE}={workdir}: no demo build there (target/run_results.json and "
        "warehouse.duckdb); unset it to let the tests build the demo"
    )
    run_results = json.loads(run_results_path.read_text())
    args = run_results["args"]
    chosen = {key: args[key] for key in ("select", "exclude", "selector", "vars") if args.get(key)}
    assert args.get("which") == "build" and not chosen and not args.get("empty"), (
        f"{DEMO_DIR_VARIABLE}={workdir}: not a plain `dbt build` of the demo "
        f"({args.get('which')}, {chosen})"
    )
    unsuccessful = [
        f"{item['unique_id']}: {item['status']}"
        for item in run_results["results"]
        if item["status"] not in {"success", "pass", "warn", "no-op"}
    ]
    assert not unsuccessful, f"{DEMO_DIR_VARIABLE}={workdir}: the build failed: {unsuccessful}"
    built_at = run_results_path.stat().st_mtime
    newer = [
        str(path.relative_to(PROJECT_DIR))
        for path in project_input_files()
        if path.stat().st_mtime > built_at
    ]
    assert not newer, f"{DEMO_DIR_VARIABLE}={workdir}: the build is older than {newer[:5]}"
    log = workdir / "logs" / "dbt.log"
    return DbtResult(
        0,
        log.read_text() if log.is_file() else "",
        database,
        workdir / "target",
        default_build_path(database),
    )


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    """The warehouse built from the bundled demo data, as `make build` does (or the build that
    `make test` made just before, named by SEGMENTATION_TEST_DEMO_DIR)."""
    if os.environ.get(DEMO_DIR_VARIABLE):
        result = reused_demo_build(Path(os.environ[DEMO_DIR_VARIABLE]))
        # later runs without vars start from its parse
        key = parse_key((), dbt_environment(result.database))
        remember_parse(result.target_dir, key)
        return result
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
            workdir,
            "build",
            *WITHOUT_UNIT_TESTS,
            "--vars",
            vars_text({"segmentation__source_dir": str(source_dir)}),
        )
    assert result.returncode == 0, result.output[-5000:]
    return result


class ShapeWarehouses:
    """`dbt build` (every model and data test) of each shape of segmentation.shapes with the
    default settings (no var but the source directory), made once per session and shared:
    test_shape_matrix checks every shape, test_value_shapes the value models on four of them.

    The builds share one directory, database path and target so that dbt's partial parsing is
    reused from one build to the next (the vars are the same each time); before each build the
    previous serving and build files are removed (a shape must not start from the previous
    shape's incremental tables), and after it the serving file is kept as kept/<shape>.duckdb.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.built: dict[str, tuple[DbtResult, dict[str, int]]] = {}

    def __call__(self, name: str) -> tuple[DbtResult, dict[str, int]]:
        """The build of shape `name` and the rows written per source."""
        if name not in self.built:
            self.built[name] = self._build(name)
        return self.built[name]

    def _build(self, name: str) -> tuple[DbtResult, dict[str, int]]:
        from segmentation.shapes import write_shape

        sources = self.workdir / "sources"
        shutil.rmtree(sources, ignore_errors=True)
        written = write_shape(name, sources)
        for stale in [
            *self.workdir.glob("warehouse.duckdb*"),
            *self.workdir.glob(".build/warehouse.duckdb*"),
        ]:
            stale.unlink()
        result = run_dbt(
            self.workdir,
            "build",
            *WITHOUT_UNIT_TESTS,
            "--vars",
            f"{{segmentation__source_dir: '{sources}'}}",
        )
        kept = self.workdir / "kept" / f"{name}.duckdb"
        kept.parent.mkdir(exist_ok=True)
        if result.database.exists():
            result.database.rename(kept)
        return replace(result, database=kept), written


@pytest.fixture(scope="session")
def shape_warehouses(tmp_path_factory: pytest.TempPathFactory) -> ShapeWarehouses:
    return ShapeWarehouses(tmp_path_factory.mktemp("shapes"))
