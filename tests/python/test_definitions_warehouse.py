"""Versioned definitions and point-in-time history in the warehouse (issue 15).

On a generated 25-year history (segmentation.shapes, long_history_1990s), built month by month
with the as-of date:

- months 1..N then N+1, incrementally, equal row for row a build of 1..N then N+1 with
  --full-refresh, both with segmentation__refit never (the same definition);
- a planted shift (every customer places a large order in month N+2) is flagged by the drift mart
  and refits under the default auto policy, and that refit changes no month before it: the stored
  months keep their rows and their definition_version;
- the registry keeps both definitions, with the second one's lineage.

Builds skip the data tests (`--resource-type seed --resource-type model`): they are run by the
other builds of the suite, and here only the rows matter.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import DbtResult, run_dbt
from segmentation.shapes import write_shape

pytestmark = pytest.mark.slow

MONTH_N = "2019-04-30"
MONTH_N1 = "2019-05-31"
MONTH_N2 = "2019-06-30"
COMPARED = [
    "main_intermediate.int_customer_activity_monthly",
    "main_intermediate.int_customer_features_monthly",
    "main_intermediate.int_customer_rfm_scored_monthly",
    "main_intermediate.int_customer_clusters_monthly",
    "main_intermediate.int_customer_value_summary_monthly",
    "main_intermediate.value_model_scores",
    "main_intermediate.int_customer_value_scored_monthly",
    "main_intermediate.int_potential_tier_merges",
    "main_intermediate.int_customer_value_monthly",
    "main_intermediate.int_composite_axes_monthly",
    "main_intermediate.int_composite_map_registry",
    "main_intermediate.int_customer_composite_monthly",
    "main_marts.fct_customer_segments_monthly",
    "main_marts.fct_segment_migrations",
    "main_marts.fct_segment_kpis_monthly",
    "main_marts.dim_segments",
    "main_marts.dim_customers",
]

# the monthly marts that are incremental by month: a refit must leave their past months alone
MARTS = ["main_marts.fct_segment_migrations", "main_marts.fct_segment_kpis_monthly"]


def build(workdir: Path, sources: Path, as_of: str, refit: str, *extra: str) -> DbtResult:
    result = run_dbt(
        workdir,
        "build",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
        "--vars",
        f"{{segmentation__source_dir: '{sources}', segmentation__as_of_date: '{as_of}', "
        f"segmentation__refit: {refit}}}",
        *extra,
    )
    assert result.returncode == 0, result.output[-5000:]
    return result


def copy_warehouse(source: DbtResult, workdir: Path) -> None:
    """Start another workdir from the same built state (serving and build file)."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source.database, workdir / source.database.name)
    (workdir / ".build").mkdir(exist_ok=True)
    shutil.copy2(source.build_database, workdir / ".build" / source.database.name)


def differing_rows(a: DbtResult, b: DbtResult, table: str) -> int:
    import duckdb

    with duckdb.connect() as connection:
        connection.execute(f"attach '{a.database}' as a (read_only)")
        connection.execute(f"attach '{b.database}' as b (read_only)")
        return sum(
            connection.execute(
                f"select count(*) from (select * from {x}.{table} except all "
                f"select * from {y}.{table})"
            ).fetchall()[0][0]
            for x, y in (("a", "b"), ("b", "a"))
        )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("definitions")
    sources = root / "sources"
    write_shape("long_history_1990s", sources)
    first = build(root / "a", sources, MONTH_N, "never")
    copy_warehouse(first, root / "b")
    incremental = build(root / "a", sources, MONTH_N1, "never")
    refreshed = build(root / "b", sources, MONTH_N1, "never", "--full-refresh")
    # compared now: the shifted build below rebuilds the incremental warehouse
    compared = {table: differing_rows(incremental, refreshed, table) for table in COMPARED}
    months = incremental.query(
        "select count(distinct period_month_end) from main_marts.fct_customer_segments_monthly"
    )[0][0]
    before_shift = incremental.frame(
        "select * from main_intermediate.int_customer_clusters_monthly"
    )
    values_before_shift = incremental.frame(
        "select * from main_intermediate.int_customer_value_monthly"
    )
    composite_before_shift = incremental.frame(
        "select * from main_intermediate.int_customer_composite_monthly"
    )
    marts_before_shift = {table: incremental.frame(f"select * from {table}") for table in MARTS}
    # the planted shift: every customer places a large order in month N+2
    orders = pd.read_csv(sources / "orders.csv")
    customers = orders["customer_id"].drop_duplicates().to_numpy()
    planted = pd.DataFrame(
        {
            "order_id": orders["order_id"].max() + 1 + pd.RangeIndex(len(customers)),
            "customer_id": customers,
            "ordered_at": "2019-06-15 12:00:00",
            "amount": 25000.0,
        }
    )
    defaults = {"status": "completed", "discount_amount": 0.0}
    for column in orders.columns.difference(planted.columns):
        planted[column] = defaults.get(column, orders[column].iloc[0])
    pd.concat([orders, planted[orders.columns]], ignore_index=True).to_csv(
        sources / "orders.csv", index=False
    )
    shifted = build(root / "a", sources, MONTH_N2, "auto")
    return {
        "compared": compared,
        "months": months,
        "before_shift": before_shift,
        "values_before_shift": values_before_shift,
        "composite_before_shift": composite_before_shift,
        "marts_before_shift": marts_before_shift,
        "shifted": shifted,
    }


@pytest.mark.parametrize("table", COMPARED)
def test_incremental_month_equals_full_refresh_with_the_same_definition(
    history: dict[str, object], table: str
) -> None:
    assert history["compared"][table] == 0
    assert history["months"] > 12  # a real history was compared, not one month


def test_the_drift_mart_flags_the_planted_shift_and_auto_refits(history: dict[str, object]) -> None:
    shifted: DbtResult = history["shifted"]
    drift = shifted.frame(
        "select * from main_marts.fct_segment_definition_drift "
        f"where check_month_end = date '{MONTH_N2}' and definition = 'clustering'"
    )
    psi = drift[drift["measure"] == "feature_psi"].set_index("feature_name")
    assert psi.loc["monetary", "is_over_threshold"], psi
    assert psi.loc["monetary", "measured_value"] > 0.25
    assert (drift["refit_decision"] == "refit").all()
    assert drift["refit_reason"].iloc[0].startswith("feature drift: largest PSI")
    assert set(drift["checked_definition_version"].dropna()) == {1}
    # the month before, with no shift yet, was checked and kept
    earlier = shifted.frame(
        "select * from main_marts.fct_segment_definition_drift "
        f"where check_month_end = date '{MONTH_N1}' and definition = 'clustering'"
    )
    assert (earlier["refit_decision"] == "kept").all()
    assert not earlier.loc[earlier["measure"] == "feature_psi", "is_over_threshold"].any()


def test_the_registry_keeps_both_definitions_with_lineage(history: dict[str, object]) -> None:
    shifted: DbtResult = history["shifted"]
    definitions = shifted.frame(
        "select * from main_marts.dim_segment_definitions order by definition_version"
    )
    assert definitions["definition_version"].tolist() == [1, 2]
    assert definitions["is_in_force"].tolist() == [False, True]
    assert str(definitions["last_check_month_end"].iloc[0])[:10] == MONTH_N1
    assert str(definitions["fitted_on_month_end"].iloc[1])[:10] == MONTH_N2
    assert definitions["cluster_lineage"].iloc[0] == "first definition"
    assert definitions["cluster_lineage"].iloc[1] != "first definition"


def test_a_refit_changes_no_past_month(history: dict[str, object]) -> None:
    shifted: DbtResult = history["shifted"]
    before: pd.DataFrame = history["before_shift"]
    after = shifted.frame("select * from main_intermediate.int_customer_clusters_monthly")
    past = after[after["period_month_end"] <= pd.Timestamp(MONTH_N1)]
    key = ["customer_id", "period_month_end"]
    pd.testing.assert_frame_equal(
        before.sort_values(key).reset_index(drop=True),
        past.sort_values(key).reset_index(drop=True),
    )
    assert set(past["definition_version"]) == {1}
    new = after[after["period_month_end"] > pd.Timestamp(MONTH_N1)]
    assert len(new) and set(new["definition_version"]) == {2}
    segments = shifted.frame(
        "select distinct cluster_definition_version from main_marts.fct_customer_segments_monthly"
    )
    assert set(segments["cluster_definition_version"]) == {1, 2}


def test_the_value_fit_is_versioned_and_a_refit_changes_no_past_month(
    history: dict[str, object],
) -> None:
    shifted: DbtResult = history["shifted"]
    registry = shifted.frame(
        "select distinct check_month_end, definition_version, fitted_on_month_end, "
        "refit_decision, refit_reason, holdout_error "
        "from main_intermediate.value_model_registry order by check_month_end"
    )
    assert [str(d)[:10] for d in registry["check_month_end"]] == [MONTH_N, MONTH_N1, MONTH_N2]
    # never kept the first fit for N+1; the planted orders make its holdout forecast wrong
    assert registry["refit_decision"].tolist() == ["refit", "kept", "refit"], registry
    assert registry["definition_version"].tolist() == [1, 1, 2]
    assert registry["refit_reason"].iloc[1].startswith("definition 1 kept: segmentation__refit")
    assert registry["refit_reason"].iloc[2].startswith("holdout drift"), registry
    assert registry["holdout_error"].iloc[2] > 0.25
    # the month before the shift was checked and was within the bound
    assert registry["holdout_error"].iloc[1] < registry["holdout_error"].iloc[2]
    before: pd.DataFrame = history["values_before_shift"]
    after = shifted.frame("select * from main_intermediate.int_customer_value_monthly")
    past = after[after["period_month_end"] <= pd.Timestamp(MONTH_N1)]
    key = ["customer_id", "period_month_end"]
    pd.testing.assert_frame_equal(
        before.sort_values(key).reset_index(drop=True),
        past.sort_values(key).reset_index(drop=True),
    )
    assert set(past["value_definition_version"].dropna()) == {1}
    new = after[after["period_month_end"] > pd.Timestamp(MONTH_N1)]
    assert len(new) and set(new["value_definition_version"].dropna()) == {2}
    # the drift mart shows the value check of every month, with its decision
    value_drift = shifted.frame(
        "select * from main_marts.fct_segment_definition_drift "
        "where definition = 'customer_value' order by check_month_end"
    )
    assert value_drift["measure"].tolist() == ["none", "value_holdout_error", "value_holdout_error"]
    assert value_drift["is_over_threshold"].tolist()[1:] == [False, True]
    assert value_drift["refit_decision"].tolist() == ["refit", "kept", "refit"]
    assert value_drift["checked_definition_version"].tolist()[1:] == [1, 1]
    # the scores cache holds only the definition in force
    cached = shifted.frame(
        "select distinct definition_version from main_intermediate.value_model_scores"
    )
    assert cached["definition_version"].tolist() == [2]


def test_the_composite_map_is_versioned_and_a_new_map_changes_no_past_month(
    history: dict[str, object],
) -> None:
    shifted: DbtResult = history["shifted"]
    registry = shifted.frame(
        "select distinct check_month_end, definition_version, refit_decision, refit_reason, "
        "reassigned_share from main_intermediate.int_composite_map_registry "
        "order by check_month_end"
    )
    assert [str(d)[:10] for d in registry["check_month_end"]] == [MONTH_N, MONTH_N1, MONTH_N2]
    assert registry["refit_decision"].tolist()[:2] == ["refit", "kept"], registry
    assert registry["refit_reason"].iloc[1] == "definition 1 kept: segmentation__refit is never"
    # every customer's large order moves the value tiers and lifecycles: measured, and judged
    assert pd.isna(registry["reassigned_share"].iloc[0])  # nothing stored to compare with
    # a month on, a map decided today moves a few customers: measured, within the bound, kept
    assert 0 <= registry["reassigned_share"].iloc[1] <= 0.25, registry
    shift = registry.iloc[2]
    assert shift["reassigned_share"] > 0.25, registry
    assert shift["refit_decision"] == "refit" and shift["definition_version"] == 2
    assert shift["refit_reason"].startswith("segment drift"), registry
    before: pd.DataFrame = history["composite_before_shift"]
    after = shifted.frame("select * from main_intermediate.int_customer_composite_monthly")
    past = after[after["period_month_end"] <= pd.Timestamp(MONTH_N1)]
    key = ["customer_id", "period_month_end"]
    pd.testing.assert_frame_equal(
        before.sort_values(key).reset_index(drop=True),
        past.sort_values(key).reset_index(drop=True),
    )
    assert set(past["composite_definition_version"]) == {1}
    new = after[after["period_month_end"] > pd.Timestamp(MONTH_N1)]
    assert set(new["composite_definition_version"]) == {int(shift["definition_version"])}


@pytest.mark.parametrize("table", MARTS)
def test_a_refit_changes_no_past_month_of_the_monthly_marts(
    history: dict[str, object], table: str
) -> None:
    shifted: DbtResult = history["shifted"]
    before: pd.DataFrame = history["marts_before_shift"][table]
    after = shifted.frame(f"select * from {table}")
    past = after[after["period_month_end"] <= pd.Timestamp(MONTH_N1)]
    key = [
        c
        for c in ("segmentation", "period_month_end", "segment", "from_segment", "to_segment")
        if c in before.columns
    ]
    pd.testing.assert_frame_equal(
        before.sort_values(key).reset_index(drop=True),
        past.sort_values(key).reset_index(drop=True),
    )
    # the shifted month was added, measured with the refitted definitions
    assert (after["period_month_end"] == pd.Timestamp(MONTH_N2)).any()
