"""Read what the segmentation report shows from the marts of the serving warehouse, read-only.

Every number in the report comes from a mart or a seed as stored: the queries here select,
filter and order rows; they do no arithmetic. Columns that a mart may or may not have yet (added
by later versions of the project) are read only when present, and the report says so when not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

SEGMENTATION_ORDER = ["rfm", "composite", "cluster", "value_tier", "potential"]

# Columns of the experiment results that only newer versions of fct_action_outcomes_monthly have.
EXPERIMENT_INTERVAL_HINTS = ("ci_", "interval", "_lower", "_upper", "lower_", "upper_")


class ReportDataError(RuntimeError):
    """The warehouse lacks a mart the report needs (not built, or built by an older version)."""


@dataclass
class ReportData:
    """The frames the report is drawn from, each read from one mart or seed."""

    as_of_date: object
    customers_total: int
    segments: pd.DataFrame
    playbook: pd.DataFrame
    rfm_grid: pd.DataFrame
    migrations: pd.DataFrame
    kpis: pd.DataFrame
    pathways: pd.DataFrame
    outcomes: pd.DataFrame
    cluster_diagnostics: pd.DataFrame
    value_holdout: pd.DataFrame
    roadmap: pd.DataFrame
    measurement_plan: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def segmentations(self) -> list[str]:
        """Segmentations present in dim_segments, in the report's reading order."""
        present = list(dict.fromkeys(self.segments["segmentation"]))
        ordered = [name for name in SEGMENTATION_ORDER if name in present]
        return ordered + [name for name in present if name not in ordered]


def _columns(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = connection.execute(
        "select column_name from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [row[0] for row in rows]


def _frame(connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return connection.execute(sql, params or []).df()


def _require(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[str]
) -> list[str]:
    present = _columns(connection, schema, table)
    if not present:
        raise ReportDataError(
            f"{schema}.{table} is missing from the warehouse: run `make build` first"
        )
    missing = [column for column in columns if column not in present]
    if missing:
        raise ReportDataError(
            f"{schema}.{table} lacks {', '.join(missing)}: rebuild the warehouse with this"
            " version of the project (`make build`)"
        )
    return present


def read_report_data(
    database: str | Path, marts_schema: str = "main_marts", rules_schema: str = "main_rules"
) -> ReportData:
    """Read every frame of the report from the warehouse file, opened read-only."""
    database = Path(database)
    if not database.exists():
        raise ReportDataError(f"no warehouse at {database}: run `make build` first")
    with duckdb.connect(str(database), read_only=True) as connection:
        return _read(connection, marts_schema, rules_schema)


def _read(connection: duckdb.DuckDBPyConnection, marts: str, rules: str) -> ReportData:
    notes: list[str] = []
    _require(connection, marts, "dim_customers", ["customer_id", "as_of_date"])
    as_of_date, customers_total = connection.execute(
        f"select max(as_of_date), count(*) from {marts}.dim_customers"
    ).fetchone()

    _require(
        connection,
        marts,
        "dim_segments",
        ["segmentation", "segment", "segment_rank", "customers", "net_revenue", "persona"],
    )
    segments = _frame(
        connection, f"select * from {marts}.dim_segments order by segmentation, segment_rank"
    )

    _require(
        connection,
        marts,
        "dim_segment_playbook",
        ["segmentation", "segment", "marketing_approach", "product_approach"],
    )
    playbook = _frame(
        connection,
        f"select * from {marts}.dim_segment_playbook order by segmentation, segment_rank",
    )

    _require(connection, marts, "fct_rfm_grid", ["r_score", "f_score", "customers"])
    rfm_grid = _frame(connection, f"select * from {marts}.fct_rfm_grid order by r_score, f_score")

    _require(
        connection,
        marts,
        "fct_segment_migrations",
        ["segmentation", "period_month_end", "from_segment", "to_segment", "customers"],
    )
    migrations = _frame(
        connection,
        f"""
        select * from {marts}.fct_segment_migrations
        where period_month_end = (select max(period_month_end) from {marts}.fct_segment_migrations)
        order by segmentation, from_segment_rank nulls first, to_segment_rank nulls last
        """,
    )

    _require(
        connection,
        marts,
        "fct_segment_kpis_monthly",
        ["period_month_end", "segmentation", "segment", "customers"],
    )
    kpis = _frame(
        connection,
        f"select * from {marts}.fct_segment_kpis_monthly"
        " order by segmentation, segment, period_month_end",
    )

    _require(connection, marts, "fct_pathway_audiences", ["pathway_id", "selected_customers"])
    pathways = _frame(
        connection,
        f"select * from {marts}.fct_pathway_audiences order by priority, pathway_id",
    )

    outcome_columns = _require(
        connection,
        marts,
        "fct_action_outcomes_monthly",
        ["period_month_end", "pathway_id"],
    )
    outcome_order = "pathway_id" + (
        ", action_group desc" if "action_group" in outcome_columns else ""
    )
    outcomes = _frame(
        connection,
        f"""
        select * from {marts}.fct_action_outcomes_monthly
        where period_month_end = (
            select max(period_month_end) from {marts}.fct_action_outcomes_monthly
        )
        order by {outcome_order}
        """,
    )
    if not any(hint in column for column in outcome_columns for hint in EXPERIMENT_INTERVAL_HINTS):
        notes.append(
            "Experiment intervals: fct_action_outcomes_monthly in this warehouse has no interval"
            " columns yet, so the results show the treated and control rates without intervals."
        )

    diagnostics_columns = _columns(connection, marts, "fct_cluster_diagnostics")
    cluster_diagnostics = (
        _frame(connection, f"select * from {marts}.fct_cluster_diagnostics order by k")
        if diagnostics_columns
        else pd.DataFrame()
    )
    holdout_columns = _columns(connection, marts, "fct_value_model_holdout")
    value_holdout = (
        _frame(connection, f"select * from {marts}.fct_value_model_holdout order by bucket_order")
        if "bucket_order" in holdout_columns
        else pd.DataFrame()
    )

    _require(connection, rules, "implementation_roadmap", ["phase", "phase_name", "owner_team"])
    roadmap = _frame(connection, f"select * from {rules}.implementation_roadmap order by phase")
    _require(connection, rules, "measurement_plan", ["segmentation", "segment", "kpi"])
    measurement_plan = _frame(
        connection,
        f"select * from {rules}.measurement_plan order by segmentation, segment, kpi",
    )

    return ReportData(
        as_of_date=as_of_date,
        customers_total=int(customers_total),
        segments=segments,
        playbook=playbook,
        rfm_grid=rfm_grid,
        migrations=migrations,
        kpis=kpis,
        pathways=pathways,
        outcomes=outcomes,
        cluster_diagnostics=cluster_diagnostics,
        value_holdout=value_holdout,
        roadmap=roadmap,
        measurement_plan=measurement_plan,
        notes=notes,
    )
