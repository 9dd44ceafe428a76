"""The marts read as a marketer would on shapes of data nobody here made (the new-user pass).

The builds are the shape matrix's (conftest.ShapeWarehouses: default settings, made once per
session); these tests only read them. Each checks a figure that was true by construction or
misleading before: no R = 5 when the best recency was tied, every customer "disengaged" without
an engagement source, cluster names a persona contradicted or that repeated each other's words.
"""

from __future__ import annotations

import re

import pytest

from conftest import ShapeWarehouses

pytestmark = pytest.mark.slow


def test_a_tied_best_recency_scores_five(shape_warehouses: ShapeWarehouses) -> None:
    # marketplace_like: a quarter of the customers bought on the last day (tied best recency),
    # 95% are one-time buyers (tied worst frequency)
    result, _ = shape_warehouses("marketplace_like")
    scores = result.frame(
        "select recency_days, frequency, r_score, f_score, rfm_segment "
        "from main_marts.dim_customers where r_score is not null"
    )
    best = scores["recency_days"] == scores["recency_days"].min()
    assert best.mean() > 0.2  # the tie the shape is made for
    assert (scores.loc[best, "r_score"] == 5).all()
    assert (scores.loc[~best, "r_score"] < 5).all()  # the tie group holds more than a quintile
    assert (scores.loc[scores["frequency"] == 1, "f_score"] == 1).all()
    assert (scores.loc[scores["frequency"] > 1, "f_score"] == 5).all()
    # every score 1-5 of recency is used, and there are Champions (recent repeat buyers)
    assert set(scores["r_score"]) == {1, 2, 3, 4, 5}
    assert (scores["rfm_segment"] == "Champions").any()


def test_one_day_of_orders_is_recent_not_lost(shape_warehouses: ShapeWarehouses) -> None:
    # every order on one day: every buyer has the same recency, the best there is
    result, _ = shape_warehouses("one_day")
    rows = result.query(
        "select r_score, rfm_segment, count(*) from main_marts.dim_customers "
        "where r_score is not null group by 1, 2"
    )
    assert {r_score for r_score, _, _ in rows} == {5}
    assert not {segment for _, segment, _ in rows} & {"Lost", "Hibernating", "At Risk"}


def test_no_engagement_source_means_engagement_unknown(shape_warehouses: ShapeWarehouses) -> None:
    result, written = shape_warehouses("orders_only")
    assert set(written) == {"orders"}
    levels = result.query("select distinct engagement_level from main_marts.dim_customers")
    assert levels == [("unknown",)]
    history = result.query(
        "select count(*) from main_marts.fct_customer_segments_monthly "
        "where engagement_level != 'unknown'"
    )
    assert history == [(0,)]
    names = [
        row[0]
        for row in result.query(
            "select segment from main_marts.dim_segments where segmentation = 'composite'"
        )
    ]
    assert len(names) > 1
    assert not [name for name in names if "engaged" in name]  # nor "disengaged"


@pytest.mark.parametrize("name", ["cdnow_like", "marketplace_like", "orders_only"])
def test_cluster_names_agree_with_personas_and_differ_in_words(
    name: str, shape_warehouses: ShapeWarehouses
) -> None:
    result, _ = shape_warehouses(name)
    clusters = result.query(
        "select segment, persona, customers from main_marts.dim_segments "
        "where segmentation = 'cluster' and segment != 'Prospects (no completed order)'"
    )
    assert clusters
    words = [frozenset(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", s.lower())) for s, _, _ in clusters]
    assert len(set(words)) == len(words), [s for s, _, _ in clusters]
    for segment, persona, customers in clusters:
        named = not segment.startswith(("Typical customers", "Cluster "))
        if named:  # a name that claims a trait is backed by the persona
            assert "Nothing sets them apart" not in persona, (segment, persona)
        if customers >= 30:  # the minimum behind a name only ever comes down on small data
            assert "too few customers" not in segment, (segment, customers)


def test_steady_weekly_buyers_never_churn(shape_warehouses: ShapeWarehouses) -> None:
    # weekly_b2b: every account orders every week. RFM ranks are relative, so the bottom recency
    # quintile is "lapsed" days after an order; churn must still be 0 (it read 0.08-0.18 a month
    # beside a retention of 1.0)
    result, _ = shape_warehouses("weekly_b2b")
    rows = result.frame(
        "select period_month_end, sum(cohort_customers) as cohort, "
        "sum(retained_customers) as retained, sum(churned_customers) as churned "
        "from main_marts.fct_segment_kpis_monthly "
        "where segmentation = 'rfm' and not is_partial_period and cohort_customers > 0 "
        "group by 1"
    )
    assert len(rows) >= 6
    assert (rows["retained"] == rows["cohort"]).all()
    assert (rows["churned"] == 0).all()
    lapsed = result.query(
        "select count(*) from main_marts.dim_customers where lifecycle_stage = 'lapsed'"
    )[0][0]
    assert lapsed > 0  # the relative ranks that made the churn figure wrong are still there


def test_without_product_categories_the_needs_axis_is_unknown(
    shape_warehouses: ShapeWarehouses,
) -> None:
    # orders only: no items, no products, so no category is known. categories_bought was 0 (1 with
    # products lacking a category column), and "categories_bought <= 4" cross-sell triggers fired
    result, _ = shape_warehouses("orders_only")
    rows = result.query(
        "select count(*), count(categories_bought), count(top_category) "
        "from main_marts.dim_customers"
    )
    customers, with_categories, with_top = rows[0]
    assert customers > 0 and with_categories == 0 and with_top == 0
    fired = result.query(
        "select count(*) from main_marts.fct_customer_actions "
        "where pathway_id in ('rfm_potential_loyalist_cross_sell', 'potential_high_to_top')"
    )[0][0]
    assert fired == 0


def test_without_status_discount_channel_or_engagement_those_figures_are_unknown(
    shape_warehouses: ShapeWarehouses,
) -> None:
    # orders only: no status, discount or sales channel column, no engagement or support source.
    # Their defaults (completed, 0, none) made every return rate, discount share and session count
    # 0, true by construction; they are null now, while a source that has them still reports them
    queries = {
        "customers": "select count(*), count(return_rate), count(discount_share), "
        "count(web_order_share), count(web_sessions_last_90_days), "
        "count(support_tickets_last_365_days) from main_marts.dim_customers",
        "segments": "select count(*), count(dominant_channel), count(avg_sessions_last_90_days), "
        "count(avg_support_tickets_last_365_days) from main_marts.dim_segments",
    }
    bare, _ = shape_warehouses("orders_only")
    full, _ = shape_warehouses("five_customers")
    customers, *known = bare.query(queries["customers"])[0]
    assert customers > 0 and known == [0] * 5
    segments, *known = bare.query(queries["segments"])[0]
    assert segments > 0 and known == [0] * 3
    customers, *known = full.query(queries["customers"])[0]
    assert customers > 0 and all(count > 0 for count in known)


def test_monthly_churn_is_not_inflated_on_small_data(shape_warehouses: ShapeWarehouses) -> None:
    # the session-12 rule set churn only in months where a customer could pass the hiatus, so on
    # small data no measured month read 0 and the mean of the months far exceeded the pooled rate
    result, _ = shape_warehouses("orders_only")
    zeros, measured = result.query(
        "select count(*) filter (where churn_rate = 0), count(churn_rate) "
        "from main_marts.fct_segment_kpis_monthly where segmentation = 'rfm'"
    )[0]
    assert measured > 0 and zeros > 0
    # the least valuable RFM segment cannot move down: no downgrade rate, not a 0
    lost = result.query(
        "select count(*), count(downgrade_rate) from main_marts.fct_segment_kpis_monthly "
        "where segmentation = 'rfm' and segment = 'Lost' and cohort_customers > 0"
    )[0]
    assert lost[0] > 0 and lost[1] == 0
