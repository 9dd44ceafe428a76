"""Settings cannot inject SQL: every var of the settings spec rejects hostile values, before any
table is touched, with a message naming the var."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from warehouse_checks import fingerprint

from conftest import PROJECT_DIR, DbtResult, run_dbt

# Values an attacker (or a careless orchestrator template) might pass for any setting.
HOSTILE_VALUES: list[object] = [
    "1=1); drop table main_marts.dim_customers; --",
    "3); drop table main_marts.dim_customers; --",
    "x'); drop table main_marts.dim_customers; --",
    "' or '1'='1",
    '" or "1"="1',
    "3 /* comment */",
    "3 -- comment",
    "0.1; select 1",
    "2025-01-01'; drop table main_marts.dim_customers; --",
    "2025-01-01\n",
    "raw; drop schema main_marts cascade",
    "raw\n",
    "seeds/demo'; attach '/tmp/evil.duckdb' as evil; --",
    "seeds/demo\n; drop table main_marts.dim_customers",
    "seeds/demo/*",
    "../../../../etc",
    "seeds/demo/../../../../etc",
    "/etc/../root",
    "..\\..\\windows",
    ["recency_days", "frequency); drop table main_marts.dim_customers; --"],
    ["recency_days", "frequency'"],
    {"recency_days": "frequency"},
]


def check_settings(workdir: Path, values: list[object]) -> list[dict]:
    """Every value tried on every var of the spec, in one dbt run (segmentation_check_settings)."""
    result = run_dbt(
        workdir,
        "run-operation",
        "segmentation_check_settings",
        "--args",
        json.dumps({"values": values}),
    )
    assert result.returncode == 0, result.output[-3000:]
    line = next(
        line for line in result.output.splitlines() if "segmentation_check_settings: " in line
    )
    return json.loads(line.split("segmentation_check_settings: ", 1)[1])


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return check_settings(tmp_path_factory.mktemp("hostile"), HOSTILE_VALUES)


def project_vars() -> set[str]:
    config = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return {name for name in config["vars"] if name.startswith("segmentation__")}


def test_every_var_rejects_every_hostile_value(hostile_results: list[dict]) -> None:
    checked_vars = {result["var"] for result in hostile_results}
    # the spec is the list that the hook validates: every var of the project is in it
    assert checked_vars == project_vars()
    assert len(hostile_results) == len(checked_vars) * len(HOSTILE_VALUES)
    accepted = [(r["var"], r["value"]) for r in hostile_results if r["accepted"]]
    assert accepted == []
    for result in hostile_results:
        assert result["problem"].startswith(f"Invalid var {result['var']}"), result


def test_the_check_accepts_good_values(tmp_path: Path) -> None:
    """The hostile values are rejected because they are hostile: the same run accepts values of
    the right shape (so the test above cannot pass by rejecting everything)."""
    results = check_settings(
        tmp_path, ["seeds/demo", 3, "2025-01-31", ["recency_days", "frequency"], "never"]
    )
    accepted = {(r["var"], json.dumps(r["value"])) for r in results if r["accepted"]}
    assert ("segmentation__source_dir", '"seeds/demo"') in accepted
    assert ("segmentation__k_min", "3") in accepted
    assert ("segmentation__as_of_date", '"2025-01-31"') in accepted
    assert ("segmentation__cluster_features", '["recency_days", "frequency"]') in accepted
    assert ("segmentation__refit", '"never"') in accepted


SQL_DIRS = ["models", "macros", "tests", "analyses", "python_models"]


def test_sql_reads_settings_only_through_the_validator() -> None:
    """No model, macro, test or analysis calls var() itself: every value reaches SQL through
    segmentation_setting(s), which validates it. (YAML configs may render var(): the on-run-start
    hook validates every var before any node runs.)"""
    offenders = []
    for directory in SQL_DIRS:
        for path in (PROJECT_DIR / directory).rglob("*"):
            if (
                path.suffix not in {".sql", ".py"}
                or "settings" in path.parts
                or "python" in path.parts
            ):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if re.search(r"\bvar\(", line):
                    offenders.append(f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")
    assert offenders == []


def spec_kinds(workdir: Path) -> dict[str, str]:
    """The first var of each kind in the settings spec (a new kind is covered automatically)."""
    result = run_dbt(workdir, "run-operation", "segmentation_print_settings_spec")
    assert result.returncode == 0, result.output[-3000:]
    line = next(
        line for line in result.output.splitlines() if "segmentation_settings_spec: " in line
    )
    spec = json.loads(line.split("segmentation_settings_spec: ", 1)[1])
    first_of_kind: dict[str, str] = {}
    for name, rule in spec.items():
        first_of_kind.setdefault(rule["kind"], name)
    return first_of_kind


# One hostile value per kind of var, each aimed at a real table of the warehouse.
END_TO_END = {
    "path": "seeds/demo/../../../../etc",
    "identifier": "raw; drop schema main_marts cascade",
    "date": "2025-01-01'; drop table main_marts.dim_customers; --",
    "integer": "3); drop table main_marts.dim_customers; --",
    "number": "0.1; drop table main_marts.dim_customers",
    "feature_list": ["recency_days", "frequency); drop table main_marts.dim_customers; --"],
    "boolean": "true; drop table main_marts.dim_customers",
    "segment_list": ["rfm:Champions'); drop table main_marts.dim_customers; --"],
    "timestamp_formats": ["%Y-%m-%d'); drop table main_marts.dim_customers; --"],
    "status_map": {"delivered'); drop table main_marts.dim_customers; --": "completed"},
    "choice": "auto'; drop table main_marts.dim_customers; --",
}


@pytest.mark.slow
def test_hostile_vars_change_no_table(demo_warehouse: DbtResult, tmp_path: Path) -> None:
    """`dbt build` with a hostile value for a var of each kind stops at compile time with a
    message naming the var (no traceback), and the warehouse is unchanged."""
    kinds = spec_kinds(tmp_path / "spec")
    assert set(kinds) <= set(END_TO_END), "a new kind of var needs a hostile value here"
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_warehouse.database, database)
    before = fingerprint(database)
    assert ("main_marts", "dim_customers") in before
    for kind, name in sorted(kinds.items()):
        workdir = tmp_path / kind
        value = json.dumps(END_TO_END[kind])
        result = run_dbt(
            workdir, "build", "--vars", f"{{segmentation__{name}: {value}}}", database=database
        )
        assert result.returncode != 0, f"{name} accepted {value}"
        assert f"Invalid var segmentation__{name}=" in result.output, result.output[-3000:]
        assert "Traceback" not in result.output
        assert not (workdir / "target" / "run").exists(), f"{name}: a node ran"
    assert fingerprint(database) == before
