"""The pandas baseline computes the same RFM history as the warehouse on hand-checkable data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.baseline import cluster_features, monthly_history, rfm_scores


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    orders = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "ordered_at": pd.to_datetime(
                ["2026-01-10 09:00", "2026-02-05 10:00", "2026-01-20 11:00", "2026-02-10 12:00"]
            ),
            "status": ["completed", "completed", "completed", "returned"],
            "amount": [10.0, 20.0, 10.0, 50.0],
            "discount_amount": [0.0, 5.0, 0.0, 0.0],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "signup_at": pd.to_datetime(["2026-01-01", "2026-01-05", "2026-02-01"]),
        }
    )
    events = pd.DataFrame(
        {
            "customer_id": [1, 1],
            "occurred_at": pd.to_datetime(["2026-01-02", "2026-01-03"]),
            "event_type": ["email_delivered", "email_opened"],
        }
    )
    return orders, customers, events


def test_monthly_rfm_history_matches_the_warehouse_definitions() -> None:
    history, as_of = monthly_history(*_frames())
    rfm_scores(history)
    # the as-of date defaults to the last order date; the last period ends on it
    assert as_of == pd.Timestamp("2026-02-10")
    got = history.sort_values(["period_month_end", "customer_id"])
    rows = [
        (
            int(row.customer_id),
            row.period_month_end.date().isoformat(),
            None if pd.isna(row.recency_days) else int(row.recency_days),
            int(row.frequency),
            float(row.monetary),
            None if pd.isna(row.r_score) else (row.r_score, row.f_score, row.m_score),
            row.rfm_segment,
        )
        for row in got.itertuples()
    ]
    assert rows == [
        # January: equal frequency and monetary share the lowest score; recency ranks them
        (1, "2026-01-31", 21, 1, 10.0, (1, 1, 1), "Lost"),
        (2, "2026-01-31", 11, 1, 10.0, (5, 1, 1), "New"),
        # February ends on the as-of date; a returned order adds no frequency or revenue
        (1, "2026-02-28", 5, 2, 30.0, (5, 5, 5), "Champions"),
        (2, "2026-02-28", 21, 1, 10.0, (1, 1, 1), "Lost"),
        # no completed order: not scored, a Prospect, history starts at signup
        (3, "2026-02-28", None, 0, 0.0, None, "Prospects"),
    ]
    assert got.loc[got["customer_id"] == 3, "tenure_days"].tolist() == [9]


def test_cluster_features_have_no_gaps() -> None:
    history, _ = monthly_history(*_frames())
    X = cluster_features(history)
    assert X.shape == (5, 9)
    assert np.isfinite(X).all()
    # customer 1 in January: one email delivered and opened, so the open rate is 1
    assert X[0, 7] == 1.0
