"""The warehouse builds with the default settings on data sets of very different shapes.

Each shape of ``segmentation.shapes`` is built with ``dbt build`` (every model and data test) and
no var but the source directory (conftest.ShapeWarehouses, shared with test_value_shapes): exit
code 0, every mart populated (what "populated" means is per mart, below), every customer in
exactly one segment per segmentation and month.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import DbtResult, ShapeWarehouses
from segmentation.contract import load_contract
from segmentation.shapes import SHAPES

pytestmark = pytest.mark.slow

SEGMENTATIONS = {"rfm", "cluster", "value_tier", "composite", "potential"}


def count(result: DbtResult, sql: str) -> int:
    return int(result.query(sql)[0][0])


# What "populated" means for each mart: a check that returns an error message or None. A mart
# that may legitimately be empty on some shape says why.
def customers_with_orders(result: DbtResult) -> int:
    return count(result, "select count(distinct customer_id) from main_staging.stg_shop__orders")


def check_dim_customers(result: DbtResult) -> str | None:
    rows = count(result, "select count(*) from main_marts.dim_customers")
    buyers = customers_with_orders(result)
    return None if rows >= buyers >= 1 else f"{rows} rows for {buyers} customers with orders"


def check_dim_segments(result: DbtResult) -> str | None:
    found = {row[0] for row in result.query("select segmentation from main_marts.dim_segments")}
    return None if found >= SEGMENTATIONS else f"segmentations missing: {SEGMENTATIONS - found}"


def check_playbook(result: DbtResult) -> str | None:
    missing = count(
        result,
        "select count(*) from main_marts.dim_segments as segments "
        "left join main_marts.dim_segment_playbook as playbook "
        "on segments.segmentation = playbook.segmentation and segments.segment = playbook.segment "
        "where playbook.segment is null",
    )
    return None if missing == 0 else f"{missing} segments without a playbook row"


def check_pathways(result: DbtResult) -> str | None:
    # the pathways are the seed joined to data: as many as the seed, whatever the data
    seeded = count(result, "select count(*) from main_rules.migration_pathways")
    rows = count(result, "select count(*) from main_marts.dim_migration_pathways")
    return None if rows == seeded > 0 else f"{rows} pathways for {seeded} in the seed"


def check_history(result: DbtResult) -> str | None:
    current = count(
        result,
        "select count(distinct customer_id) from main_marts.fct_customer_segments_monthly "
        "where is_current_period",
    )
    buyers = customers_with_orders(result)
    return None if current >= buyers else f"{current} customers in the current period, {buyers}"


def check_migrations(result: DbtResult) -> str | None:
    # every customer enters a segment in their first month, so even one month has entry rows
    rows = count(
        result, "select count(distinct segmentation) from main_marts.fct_segment_migrations"
    )
    return None if rows == len(SEGMENTATIONS) else f"migrations for {rows} segmentations"


def check_kpis(result: DbtResult) -> str | None:
    rows = count(
        result, "select count(distinct segmentation) from main_marts.fct_segment_kpis_monthly"
    )
    return None if rows >= len(SEGMENTATIONS) else f"KPIs for {rows} segmentations"


def check_cluster_diagnostics(result: DbtResult) -> str | None:
    chosen = count(
        result, "select count(*) from main_marts.fct_cluster_diagnostics where is_chosen"
    )
    return None if chosen == 1 else f"{chosen} chosen k"


def check_value_parameters(result: DbtResult) -> str | None:
    rows = count(result, "select count(*) from main_marts.dim_value_model_parameters")
    return None if rows >= 1 else "no value-model parameters (fitted or reported as not fitted)"


def may_be_empty(reason: str) -> Callable[[DbtResult], str | None]:
    """A mart that can legitimately be empty on some shapes (``reason``): built, any row count."""

    def check(result: DbtResult) -> str | None:
        return None

    check.__doc__ = reason
    return check


def check_alive_calibration(result: DbtResult) -> str | None:
    # the probability-alive deciles are of the same holdout period as fct_value_model_holdout:
    # empty exactly when it is (one customer, one day of orders: nobody observed through one)
    deciles = count(result, "select count(*) from main_marts.fct_value_model_alive_calibration")
    holdout = count(result, "select count(*) from main_marts.fct_value_model_holdout")
    return None if (deciles > 0) == (holdout > 0) else f"{deciles} deciles, {holdout} holdout rows"


def check_no_quarantine(result: DbtResult) -> str | None:
    # the shapes are clean data: nothing may be quarantined (empty is the populated state)
    rows = count(result, "select count(*) from main_marts.fct_quarantined_rows")
    return None if rows == 0 else f"{rows} rows of clean data quarantined"


MART_CHECKS: dict[str, Callable[[DbtResult], str | None]] = {
    "dim_customers": check_dim_customers,
    "dim_segments": check_dim_segments,
    "dim_segment_playbook": check_playbook,
    "dim_migration_pathways": check_pathways,
    "fct_customer_segments_monthly": check_history,
    "fct_segment_migrations": check_migrations,
    "fct_segment_kpis_monthly": check_kpis,
    "fct_cluster_diagnostics": check_cluster_diagnostics,
    "dim_value_model_parameters": check_value_parameters,
    "fct_quarantined_rows": check_no_quarantine,
    # a pathway fires only when its trigger holds (e.g. a customer moved down a tier); on one
    # day of orders, on one customer or on steady buyers nothing may fire, and that is right
    "fct_customer_actions": may_be_empty("no pathway trigger fired"),
    # outcomes are measured in the months after an action month: none without actions or
    # without a month after the first action
    "fct_action_outcomes_monthly": may_be_empty("no action, or no month after the first one"),
    # the holdout check needs segmentation__clv_holdout_months (12) of history after a
    # calibration period; a shorter history (one day, weeks) has nothing to check
    "fct_value_model_holdout": may_be_empty("history shorter than the holdout period"),
    "fct_value_model_alive_calibration": check_alive_calibration,
}


def check_one_segment_per_segmentation_and_month(result: DbtResult) -> list[str]:
    problems = []
    found = {
        row[0]
        for row in result.query(
            "select distinct segmentation from main_intermediate.int_segment_memberships_monthly"
        )
    }
    if found != SEGMENTATIONS:
        problems.append(f"segmentations {sorted(found)}, expected {sorted(SEGMENTATIONS)}")
    # per segmentation and month: one non-null segment for every customer of the month, no more
    bad = result.query(
        """
        with features as (
            select customer_id, period_month_end
            from main_intermediate.int_customer_features_monthly
        ),
        memberships as (
            select * from main_intermediate.int_segment_memberships_monthly
        ),
        expected as (
            select features.customer_id, features.period_month_end, segmentations.segmentation
            from features
            cross join (select distinct segmentation from memberships) as segmentations
        ),
        placed as (
            select customer_id, period_month_end, segmentation,
                count(*) as memberships, count(segment) as segments
            from memberships
            group by 1, 2, 3
        )
        select
            coalesce(expected.segmentation, placed.segmentation) as segmentation,
            count(*) as problems
        from expected
        full outer join placed
            on expected.customer_id = placed.customer_id
            and expected.period_month_end = placed.period_month_end
            and expected.segmentation = placed.segmentation
        where expected.customer_id is null or placed.customer_id is null
            or placed.memberships <> 1 or placed.segments <> 1
        group by 1
        """
    )
    problems += [
        f"{segmentation}: {n} customer-months not in exactly one segment" for segmentation, n in bad
    ]
    return problems


@pytest.mark.parametrize("name", list(SHAPES))
def test_shape_builds_with_defaults(name: str, shape_warehouses: ShapeWarehouses) -> None:
    result, written = shape_warehouses(name)
    assert result.returncode == 0, f"{name}: dbt build failed\n{result.output[-6000:]}"

    marts = {
        row[0]
        for row in result.query(
            "select table_name from information_schema.tables where table_schema = 'main_marts'"
        )
    }
    problems = []
    for mart in sorted(marts):
        check = MART_CHECKS.get(mart)
        if check is None:  # a mart this test does not know must at least have rows
            if count(result, f"select count(*) from main_marts.{mart}") == 0:
                problems.append(f"{mart}: empty")
            continue
        message = check(result)
        if message:
            problems.append(f"{mart}: {message}")
    missing = set(MART_CHECKS) - marts
    if missing:
        problems.append(f"marts not built: {sorted(missing)}")

    # every row written was read, and every source of the contract was landed
    read = dict(result.query("select source_name, rows_read from main_marts.fct_source_row_counts"))
    assert set(read) == set(load_contract())
    for source, rows in written.items():
        if read[source] != rows:
            problems.append(f"{source}: {read[source]} rows read of {rows} written")

    problems += check_one_segment_per_segmentation_and_month(result)
    assert not problems, f"{name}:\n" + "\n".join(problems)
