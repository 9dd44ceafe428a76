"""The customer-value model in the built demo warehouse: holdout accuracy, SQL scoring, bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import DbtResult, run_dbt
from segmentation.clv import score_customers

# Tolerances of issue 12: within 10% in total and 25% in every bucket of >= 5% of customers.
TOTAL_TOLERANCE = 0.10
BUCKET_TOLERANCE = 0.25
LARGE_BUCKET = 0.05


def _holdout(demo_warehouse: DbtResult) -> pd.DataFrame:
    return demo_warehouse.frame(
        "select * from main_marts.fct_value_model_holdout order by bucket_order"
    ).set_index("repeat_purchase_days_bucket")


def test_holdout_total_is_the_sum_of_its_buckets(demo_warehouse: DbtResult) -> None:
    holdout = _holdout(demo_warehouse)
    total, buckets = holdout.loc["total"], holdout.drop(index="total")
    assert list(buckets.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    for column in ("customers", "actual_purchase_days"):
        assert total[column] == buckets[column].sum(), column
    for column in ("predicted_purchase_days", "predicted_revenue", "actual_revenue"):
        assert np.isclose(total[column], buckets[column].sum()), column
    assert buckets["customer_share"].sum() == pytest.approx(1.0)
    assert total["actual_purchase_days"] > 0 and total["actual_revenue"] > 0
    # every row carries the one status of the calibration fit
    assert holdout["value_model_status"].nunique() == 1


def test_demo_holdout_purchase_days_within_tolerance(demo_warehouse: DbtResult) -> None:
    holdout = _holdout(demo_warehouse)
    total = holdout.loc["total"]
    assert abs(total["purchase_days_relative_error"]) <= TOTAL_TOLERANCE, holdout
    large = holdout.drop(index="total").query(f"customer_share >= {LARGE_BUCKET}")
    errors = large["purchase_days_relative_error"].abs()
    assert (errors <= BUCKET_TOLERANCE).all(), large


@pytest.mark.xfail(
    strict=True,
    reason=(
        "measured on the demo: revenue -15% in total, +88% for one-time buyers and -20% for 7+ "
        "repeat days: the demo's spend per purchase day rises with frequency (correlation "
        "0.57 at calibration), which breaks the Gamma-Gamma independence assumption; "
        "dim_value_model_parameters warns with the figure"
    ),
)
def test_demo_holdout_revenue_within_tolerance(demo_warehouse: DbtResult) -> None:
    holdout = _holdout(demo_warehouse)
    assert abs(holdout.loc["total", "revenue_relative_error"]) <= TOTAL_TOLERANCE, holdout
    large = holdout.drop(index="total").query(f"customer_share >= {LARGE_BUCKET}")
    assert (large["revenue_relative_error"].abs() <= BUCKET_TOLERANCE).all(), large


def test_status_and_choice_are_reported(demo_warehouse: DbtResult) -> None:
    params = demo_warehouse.frame("select * from main_marts.dim_value_model_parameters")
    holdout = _holdout(demo_warehouse)
    for period, rows in params.groupby("fit_period"):
        assert rows["value_model_status"].nunique() == 1, period
        status = rows["value_model_status"].iloc[0]
        assert status == "validated" or status.startswith("not validated: "), status
        chosen = rows.loc[rows["is_chosen"], "model"].unique().tolist()
        assert len(chosen) == 2, (period, chosen)
        assert not rows.loc[rows["is_chosen"], "fit_status"].str.startswith("degenerate").any()
        assert rows["choice_reason"].iloc[0].split(":")[0] in chosen
    calibration = params[params["fit_period"] == "calibration"]
    assert calibration["value_model_status"].iloc[0] == holdout["value_model_status"].iloc[0]
    # the status agrees with the holdout figures it summarises
    total = holdout.loc["total"]
    large = holdout.drop(index="total").query(f"customer_share >= {LARGE_BUCKET}")
    passes = (
        abs(total["purchase_days_relative_error"]) <= TOTAL_TOLERANCE
        and abs(total["revenue_relative_error"]) <= TOTAL_TOLERANCE
        and (large["purchase_days_relative_error"].abs() <= BUCKET_TOLERANCE).all()
        and (large["revenue_relative_error"].abs() <= BUCKET_TOLERANCE).all()
    )
    assert (calibration["value_model_status"].iloc[0] == "validated") == passes
    # the Gamma-Gamma warning carries the correlation figure when it is above 0.3
    gg = params[(params["model"] == "gamma_gamma") & (params["fit_period"] == "current")]
    correlation = gg.set_index("parameter_name").loc["frequency_monetary_correlation"]
    warned = "frequency-spend correlation" in gg["choice_reason"].iloc[0]
    assert warned == (abs(correlation["parameter_value"]) > 0.3)


def test_probability_alive_is_calibrated_by_decile(demo_warehouse: DbtResult) -> None:
    deciles = demo_warehouse.frame(
        "select * from main_marts.fct_value_model_alive_calibration order by 1"
    )
    assert deciles["probability_alive_decile"].tolist() == list(range(1, 11))
    assert (deciles["mean_probability_alive"].diff().dropna() > 0).all()
    # customers the model calls dead mostly did not buy again; those it calls alive did
    assert deciles["share_bought_in_holdout"].iloc[0] < 0.1
    assert deciles["share_bought_in_holdout"].iloc[-1] > 0.9


def test_sql_scoring_matches_the_python_reference(demo_warehouse: DbtResult) -> None:
    params = demo_warehouse.frame(
        "select model, parameter_name, parameter_value, time_unit, customers_used, is_chosen "
        "from main_marts.dim_value_model_parameters where fit_period = 'current'",
    )
    summary = demo_warehouse.frame(
        "select customer_id, repeat_purchase_days as frequency, first_to_last_days as recency, "
        'age_days as "T", repeat_purchase_day_value as monetary_value '
        "from main_intermediate.int_customer_value_summary_monthly "
        "where is_current_period order by customer_id",
    )
    horizon = int(
        demo_warehouse.frame(
            "select max(horizon_days) as horizon from main_intermediate.value_model_scores "
            "where score_set = 'history'",
        )["horizon"].iloc[0]
    )
    assert horizon == 365
    expected = score_customers(summary, params, horizon, annual_discount_rate=0.1, margin=1.0)
    actual = demo_warehouse.frame(
        "select customer_id, probability_alive, expected_orders, expected_order_value, "
        "predicted_revenue, predicted_value from main_intermediate.int_customer_value_monthly "
        "where probability_alive is not null and period_month_end = "
        "(select max(period_month_end) from main_intermediate.int_customer_value_monthly) "
        "order by customer_id",
    )
    merged = expected.merge(actual, on="customer_id", suffixes=("_python", "_sql"))
    assert len(merged) == len(expected) > 1000
    for column in (
        "probability_alive",
        "expected_orders",
        "expected_order_value",
        "predicted_revenue",
        "predicted_value",
    ):
        np.testing.assert_allclose(
            merged[f"{column}_sql"], merged[f"{column}_python"], rtol=1e-9, err_msg=column
        )
    # discounted at 10% a year: the value is below the revenue, but not by more than 10%
    ratio = merged["predicted_value_sql"] / merged["predicted_revenue_sql"]
    assert ratio.between(1 / 1.1, 1.0).all()


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


def test_lapsed_one_time_buyers_are_never_high_potential(demo_warehouse: DbtResult) -> None:
    rows = demo_warehouse.query(
        """
        select
            count(*) filter (where is_lapsed_one_time_buyer),
            count(*) filter (
                where is_lapsed_one_time_buyer
                and potential_tier in ('Top potential', 'High potential', 'Moderate potential')
            )
        from main_intermediate.int_customer_value_monthly
        """
    )[0]
    assert rows[0] > 0 and rows[1] == 0, rows


def test_no_potential_tier_under_the_minimum_share(demo_warehouse: DbtResult) -> None:
    shares = demo_warehouse.frame(
        """
        select period_month_end, potential_tier, count(*) * 1.0
            / sum(count(*)) over (partition by period_month_end) as share,
            count(distinct potential_tier) over (partition by period_month_end) as tiers
        from main_intermediate.int_customer_value_monthly
        where potential_tier != 'Prospects'
        group by 1, 2
        """
    )
    # the share is of all the period's customers, prospects included
    totals = demo_warehouse.frame(
        """
        select period_month_end, potential_tier, count(*) as customers,
            sum(count(*)) over (partition by period_month_end) as period_customers
        from main_intermediate.int_customer_value_monthly group by 1, 2
        """
    )
    buyers = totals[totals["potential_tier"] != "Prospects"]
    multi = buyers.groupby("period_month_end")["potential_tier"].transform("count") > 1
    small = buyers[multi & (buyers["customers"] < 0.05 * buyers["period_customers"])]
    assert small.empty, small
    assert len(shares) > 0
    merges = demo_warehouse.frame(
        "select * from main_intermediate.int_potential_tier_merges where is_merged"
    )
    assert (merges["customers"] < 0.05 * merges["period_customers"]).all()


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
