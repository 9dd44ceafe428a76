"""Idempotence: a build, the same build again and a --full-refresh build give the same marts, row
for row; every incremental model has a tested unique key and fails loudly on a schema change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from warehouse_checks import mart_differences, vars_text

from conftest import PLANTED_SALT, DbtResult, run_dbt
from segmentation.publishing import default_build_path

# Views of the build's own invocation, not of the data: int_cluster_refit_request holds whether
# the run was asked for --full-refresh (what the clustering registry's refit policy reads).
INVOCATION = {"int_cluster_refit_request"}


@pytest.mark.slow
def test_build_again_and_full_refresh_give_the_same_marts(
    planted_warehouse: DbtResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first build is the shared planted warehouse (small generated data with quarantined
    rows, vars pinned); the same build again and a full refresh run on a copy of it."""
    monkeypatch.setenv("SEGMENTATION_PII_SALT", PLANTED_SALT)
    source_dir = planted_warehouse.target_dir.parent / "files"
    build_vars = vars_text({"segmentation__source_dir": str(source_dir)})
    first = planted_warehouse.database
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(first, database)
    # the build file too, so that "again" is an incremental build on the first one's state
    default_build_path(database).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(planted_warehouse.build_database, default_build_path(database))
    assert planted_warehouse.query("select count(*) from main_marts.dim_customers")[0][0] > 0

    again = run_dbt(tmp_path, "run", "--vars", build_vars, database=database)
    assert again.returncode == 0, again.output[-5000:]
    snapshot = tmp_path / "again.duckdb"
    shutil.copyfile(database, snapshot)

    refreshed = run_dbt(tmp_path, "run", "--full-refresh", "--vars", build_vars, database=database)
    assert refreshed.returncode == 0, refreshed.output[-5000:]

    # marts, and the incremental history itself (not only what the marts show of it); the one
    # view that describes the invocation itself (whether --full-refresh was asked) differs by design
    for schema in ("main_marts", "main_intermediate"):
        for other in (snapshot, database):
            differences = mart_differences(first, other, schema)
            assert {name: d for name, d in differences.items() if name not in INVOCATION} == {}
    assert set(mart_differences(first, database, "main_intermediate")) == INVOCATION


def incremental_models(manifest: dict) -> dict[str, dict]:
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }


def key_columns(unique_key: str | list[str] | None) -> list[str]:
    if unique_key is None:
        return []
    return [unique_key] if isinstance(unique_key, str) else list(unique_key)


def incremental_model_problems(manifest: dict) -> list[str]:
    """What an incremental model lacks: a unique key, on_schema_change='fail', and a test of
    exactly that key (unique on the column, or unique_combination_of_columns on the columns).
    With incremental_strategy delete+insert the key is a partition (every row of the key is
    replaced), so the uniqueness test must be of a row key that holds the partition key."""
    problems = []
    tested_keys: dict[str, list[set[str]]] = {}
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        kwargs = metadata.get("kwargs", {})
        if metadata.get("name") == "unique" and "column_name" in kwargs:
            columns = {kwargs["column_name"]}
        elif metadata.get("name") == "unique_combination_of_columns":
            columns = set(kwargs.get("combination_of_columns", []))
        else:
            continue
        for parent in node["depends_on"]["nodes"]:
            tested_keys.setdefault(parent, []).append(columns)
    for unique_id, node in incremental_models(manifest).items():
        key = key_columns(node["config"].get("unique_key"))
        if not key:
            problems.append(f"{unique_id}: no unique_key")
        elif node["config"].get("incremental_strategy") == "delete+insert":
            if not any(set(key) <= tested for tested in tested_keys.get(unique_id, [])):
                problems.append(f"{unique_id}: no uniqueness test of a row key holding {key}")
        elif set(key) not in tested_keys.get(unique_id, []):
            problems.append(f"{unique_id}: no uniqueness test of its unique_key {key}")
        if node["config"].get("on_schema_change") != "fail":
            problems.append(
                f"{unique_id}: on_schema_change={node['config'].get('on_schema_change')!r}, "
                "not 'fail'"
            )
    return problems


def test_every_incremental_model_has_a_tested_key_and_fails_on_schema_change(
    demo_warehouse: DbtResult,
) -> None:
    manifest = json.loads((demo_warehouse.target_dir / "manifest.json").read_text())
    assert incremental_models(manifest), "the project has incremental models"
    assert incremental_model_problems(manifest) == []


def test_the_incremental_check_finds_a_model_without_protection(
    demo_warehouse: DbtResult,
) -> None:
    """The check above can fail: an incremental model without key, test or fail-on-change."""
    manifest = json.loads((demo_warehouse.target_dir / "manifest.json").read_text())
    bare = {
        "resource_type": "model",
        "config": {"materialized": "incremental", "on_schema_change": "ignore"},
        "depends_on": {"nodes": []},
    }
    manifest["nodes"]["model.segmentation.bare"] = bare
    keyed = {**bare, "config": {**bare["config"], "unique_key": ["a", "b"]}}
    manifest["nodes"]["model.segmentation.keyed"] = keyed
    partitioned = {
        **bare,
        "config": {
            "materialized": "incremental",
            "incremental_strategy": "delete+insert",
            "unique_key": "month",
            "on_schema_change": "fail",
        },
    }
    manifest["nodes"]["model.segmentation.partitioned"] = partitioned
    assert incremental_model_problems(manifest) == [
        "model.segmentation.bare: no unique_key",
        "model.segmentation.bare: on_schema_change='ignore', not 'fail'",
        "model.segmentation.keyed: no uniqueness test of its unique_key ['a', 'b']",
        "model.segmentation.keyed: on_schema_change='ignore', not 'fail'",
        "model.segmentation.partitioned: no uniqueness test of a row key holding ['month']",
    ]
