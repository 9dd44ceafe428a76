"""The customer-value model in the built demo warehouse: holdout accuracy, SQL scoring, bounds."""

from __future__ import annotations

import numpy as np

from conftest import DbtResult, run_dbt
from segmentation.clv import score_customers


def test_holdout_total_orders_within_ten_percent(demo_warehouse: DbtResult) -> None:
    holdout = demo_warehouse.frame("select * from main_marts.fct_value_model_holdout")
    total = holdout.set_index("repeat_orders_bucket").loc["total"]
    buckets = holdout[holdout["repeat_orders_bucket"] != "total"]
    # the total row is the sum of the bucket rows
    assert total["customers"] == buckets["customers"].sum()
    assert total["actual_orders"] == buckets["actual_orders"].sum()
    assert np.isclose(total["predicted_orders"], buckets["predicted_orders"].sum())
    assert total["actual_orders"] > 0
    assert abs(total["relative_error"]) <= 0.10, holdout


def test_sql_scoring_matches_the_python_reference(demo_warehouse: DbtResult) -> None:
    params = demo_warehouse.frame(
        "select model, parameter_name, parameter_value, time_unit, customers_used "
        "from main_marts.dim_value_model_parameters where fit_period = 'current'",
    )
    summary = demo_warehouse.frame(
        "select customer_id, repeat_orders as frequency, repeat_span_days as recency, "
        'customer_age_days as "T", mean_order_value as monetary_value '
        "from main_intermediate.int_customer_value_summary_monthly "
        "where is_current_period and (repeat_orders = 0 or mean_order_value > 0) "
        "order by customer_id",
    )
    horizon = int(
        demo_warehouse.frame(
            "select max(horizon_days) as horizon from main_intermediate.value_model_scores "
            "where score_set = 'history'",
        )["horizon"].iloc[0]
    )
    assert horizon == 365
    expected = score_customers(summary, params, horizon)
    actual = demo_warehouse.frame(
        "select customer_id, probability_alive, expected_orders, expected_order_value, "
        "predicted_value from main_marts.dim_customers where probability_alive is not null "
        "order by customer_id",
    )
    merged = expected.merge(actual, on="customer_id", suffixes=("_python", "_sql"))
    assert len(merged) == len(expected) > 1000
    for column in (
        "probability_alive",
        "expected_orders",
        "expected_order_value",
        "predicted_value",
    ):
        np.testing.assert_allclose(
            merged[f"{column}_sql"], merged[f"{column}_python"], rtol=1e-9, err_msg=column
        )


def test_every_buyer_is_scored_and_prospects_are_not(demo_warehouse: DbtResult) -> None:
    rows = demo_warehouse.query(
        """
        select
            count(*) filter (where frequency_to_date > 0 and probability_alive is null),
            count(*) filter (where frequency_to_date = 0 and potential_tier != 'Prospects'),
            count(*) filter (where potential_tier is null)
        from main_marts.dim_customers
        """
    )
    assert rows == [(0, 0, 0)]


def test_fit_uses_at_most_max_training_rows(tmp_path) -> None:
    result = run_dbt(
        tmp_path,
        "run",
        "--select",
        "+dim_value_model_parameters",
        "--vars",
        "{segmentation__max_training_rows: 300}",
    )
    assert result.returncode == 0, result.output[-3000:]
    used = result.query(
        "select fit_period, max(customers_used) from main_marts.dim_value_model_parameters "
        "group by 1 order by 1"
    )
    assert [period for period, _ in used] == ["calibration", "current"]
    for _, customers in used:
        assert 0 < customers <= 300
