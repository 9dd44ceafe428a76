"""The MetricFlow semantic layer: its configs validate against the demo warehouse, and `mf query`
answers with the marts' own numbers."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import PROJECT_DIR, DbtResult

# `mf` itself, without its version check against PyPI (segmentation.mf)
MF = [sys.executable, "-m", "segmentation.mf"]


# What a dbt project root holds that mf reads; the rest (target, logs, .venv) stays out.
PROJECT_ENTRIES_SKIPPED = {"target", "logs", ".venv", ".git", "warehouse", "reports"}


def run_mf(warehouse: DbtResult, project: Path, *args: str) -> subprocess.CompletedProcess:
    """Run mf in project (the repository with the warehouse's own target dir) on the warehouse."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SEGMENTATION_DUCKDB_PATH": str(warehouse.database),
        "DBT_LOG_PATH": str(project / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    return subprocess.run(
        [*MF, *args], cwd=project, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def mf_workdir(demo_warehouse, tmp_path_factory) -> Path:
    """The repository seen through links, with the demo build's target dir as its target/.

    mf reads <project>/target/semantic_manifest.json, whose relations name the warehouse file the
    build wrote (its DuckDB catalog), so it must be the demo build's own manifest.
    """
    project = tmp_path_factory.mktemp("metricflow")
    for entry in PROJECT_DIR.iterdir():
        if entry.name not in PROJECT_ENTRIES_SKIPPED:
            (project / entry.name).symlink_to(entry)
    (project / "target").symlink_to(demo_warehouse.target_dir)
    (project / "logs").mkdir()
    assert (project / "target" / "semantic_manifest.json").exists()
    return project


def _same(left: object, right: object) -> bool:
    if pd.isna(left) or pd.isna(right):
        return pd.isna(left) and pd.isna(right)
    return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.slow
def test_mf_validate_configs(demo_warehouse, mf_workdir):
    completed = run_mf(demo_warehouse, mf_workdir, "validate-configs")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    assert "Successfully validated metrics against data warehouse" in output, output[-4000:]
    assert "ERRORS: 0" in output


# metric of the saved query -> column of fct_segment_kpis_monthly it must equal
KPI_METRICS = {
    "revenue": "net_revenue",
    "retention": "retention_rate",
    "churn": "churn_rate",
    "upgrade_rate": "upgrade_rate",
    "aov": "avg_order_value",
}


@pytest.mark.slow
def test_mf_query_revenue_and_retention_equal_the_kpi_mart(demo_warehouse, mf_workdir):
    out = mf_workdir / "logs" / "revenue_retention.csv"
    completed = run_mf(
        demo_warehouse,
        mf_workdir,
        "query",
        "--saved-query",
        "revenue_and_retention_by_segment_month",
        "--csv",
        str(out),
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-4000:]
    answer = pd.read_csv(out, parse_dates=["metric_time__month"])
    columns = ", ".join(
        f"cast({column} as double) as mart_{metric}" for metric, column in KPI_METRICS.items()
    )
    mart = demo_warehouse.frame(
        f"""
        select
            cast(date_trunc('month', period_month_end) as timestamp) as metric_time__month,
            segmentation as segment_kpi__segmentation,
            segment as segment_kpi__segment,
            {columns}
        from main_marts.fct_segment_kpis_monthly
        """
    )
    keys = ["metric_time__month", "segment_kpi__segmentation", "segment_kpi__segment"]
    joined = mart.merge(answer, on=keys, how="outer", indicator=True)
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"].head()
    assert len(joined) == len(mart) > 0
    for metric in KPI_METRICS:
        same = [
            _same(got, want)
            for got, want in zip(joined[metric], joined[f"mart_{metric}"], strict=True)
        ]
        off = joined[[not flag for flag in same]]
        assert off.empty, (metric, off[[*keys, metric, f"mart_{metric}"]].head())
        assert joined[metric].notna().sum() > 0, metric


@pytest.mark.slow
def test_mf_query_uplift_equals_treated_minus_control(demo_warehouse, mf_workdir):
    out = mf_workdir / "logs" / "uplift.csv"
    completed = run_mf(
        demo_warehouse,
        mf_workdir,
        "query",
        "--saved-query",
        "pathway_uplift_monthly",
        "--csv",
        str(out),
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-4000:]
    answer = pd.read_csv(out, parse_dates=["metric_time__month"])
    mart = demo_warehouse.frame(
        """
        select
            cast(date_trunc('month', period_month_end) as timestamp) as metric_time__month,
            pathway_id as pathway_outcome__pathway_id,
            purchase_rate_difference as mart_uplift
        from main_marts.fct_action_outcomes_monthly
        where treated_customers > 0 and control_customers > 0
        """
    )
    keys = ["metric_time__month", "pathway_outcome__pathway_id"]
    joined = mart.merge(answer, on=keys, how="inner")
    assert len(joined) == len(mart) > 0
    same = [
        _same(got, want) for got, want in zip(joined["uplift"], joined["mart_uplift"], strict=True)
    ]
    off = joined[[not flag for flag in same]]
    assert off.empty, off.head()
