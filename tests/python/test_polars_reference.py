"""The polars reference does exactly the pandas baseline's job: same history, scores, clusters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from segmentation import baseline, demo_data
from segmentation import polars_reference as reference

HISTORY_COLUMNS = [
    "customer_id",
    "month",
    "period_month_end",
    "recency_days",
    "tenure_days",
    "frequency",
    "monetary",
    "completed_orders",
    "returned_orders",
    "net_revenue",
    "gross_revenue",
    "discount",
    "emails_delivered",
    "emails_opened",
    "web_sessions",
    "app_sessions",
]
SCORE_COLUMNS = ["r_score", "f_score", "m_score", "rfm_segment"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated data set (300 customers, 12 months) as Parquet."""
    out = tmp_path_factory.mktemp("polars_reference") / "data"
    demo_data.generate(300, out, fmt="parquet", seed=7, months=12)
    return out


@pytest.fixture(scope="module")
def string_ids_shuffled(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same data with text customer ids and every file's rows in a random order."""
    out = tmp_path_factory.mktemp("polars_reference_text_ids")
    rng = np.random.default_rng(3)
    for name in ["orders", "customers", "engagement_events"]:
        frame = pq.read_table(generated / f"{name}.parquet").to_pandas()
        frame["customer_id"] = "c" + frame["customer_id"].astype(str)
        frame = frame.iloc[rng.permutation(len(frame))]
        frame.to_parquet(out / f"{name}.parquet", index=False)
    return out


NULLABLE_INTEGERS = ["recency_days", "tenure_days", "r_score", "f_score", "m_score"]
MONEY = ["monetary", "net_revenue", "gross_revenue", "discount"]


def _rows(history: pd.DataFrame | pl.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns in one dtype per column whichever library computed them, sorted by customer
    and month."""
    frame = history.select(columns).to_pandas() if isinstance(history, pl.DataFrame) else history
    frame = frame[columns].copy()
    for column in columns:
        if column in ("customer_id", "rfm_segment"):
            frame[column] = frame[column].astype(object)
        elif column == "period_month_end":
            frame[column] = pd.to_datetime(frame[column]).dt.date
        elif column in NULLABLE_INTEGERS:
            frame[column] = frame[column].astype("Int64")
        elif column in MONEY:
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype("int64")
    return frame.sort_values(["customer_id", "month"]).reset_index(drop=True)


def _both(source: Path, as_of_date: str | None = None, with_clusters: bool = True):
    frames = baseline.read_sources(source)
    expected, expected_as_of = baseline.monthly_history(
        frames["orders"], frames["customers"], frames["engagement_events"], as_of_date
    )
    baseline.rfm_scores(expected)
    scans = reference.read_sources(source)
    got, got_as_of = reference.monthly_history(
        scans["orders"], scans["customers"], scans["engagement_events"], as_of_date
    )
    got = reference.rfm_scores(got)
    assert got_as_of == expected_as_of.date()
    if with_clusters:
        baseline.cluster(expected)
        got, _, _ = reference.cluster(got)
    return expected, got


@pytest.mark.parametrize("data", ["generated", "string_ids_shuffled"])
def test_same_history_scores_and_clusters_as_the_pandas_baseline(data: str, request) -> None:
    expected, got = _both(request.getfixturevalue(data))
    columns = HISTORY_COLUMNS + SCORE_COLUMNS + ["cluster"]
    left, right = _rows(expected, columns), _rows(got, columns)
    assert len(right) == len(left) > 2000  # 300 customers, up to 12 months each
    # the generated data must exercise what is compared: scored and unscored rows, several
    # segments and clusters, returns, emails and sessions
    assert left["r_score"].isna().any() and left["r_score"].notna().any()
    assert left["rfm_segment"].nunique() >= 8 and left["cluster"].nunique() >= 3
    assert (left[["returned_orders", "emails_opened", "app_sessions"]].iloc[-1] >= 0).all()
    pd.testing.assert_frame_equal(right, left, check_dtype=False, check_exact=False, rtol=1e-12)


def test_same_history_and_scores_at_an_earlier_as_of_date(generated: Path) -> None:
    # mid-month: the last period ends on the as-of date, later orders and events are ignored
    expected, got = _both(generated, as_of_date="2026-07-15", with_clusters=False)
    columns = HISTORY_COLUMNS + SCORE_COLUMNS
    left, right = _rows(expected, columns), _rows(got, columns)
    assert left["period_month_end"].max().isoformat() == "2026-07-31"
    assert len(right) == len(left) > 1000
    pd.testing.assert_frame_equal(right, left, check_dtype=False, check_exact=False, rtol=1e-12)


def _frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The hand-checkable data of test_baseline.py."""
    orders = pl.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "ordered_at": [
                "2026-01-10 09:00",
                "2026-02-05 10:00",
                "2026-01-20 11:00",
                "2026-02-10 12:00",
            ],
            "status": ["completed", "completed", "completed", "returned"],
            "amount": [10.0, 20.0, 10.0, 50.0],
            "discount_amount": [0.0, 5.0, 0.0, 0.0],
        }
    ).with_columns(pl.col("ordered_at").str.to_datetime())
    customers = pl.DataFrame(
        {"customer_id": [1, 2, 3], "signup_at": ["2026-01-01", "2026-01-05", "2026-02-01"]}
    ).with_columns(pl.col("signup_at").str.to_datetime())
    events = pl.DataFrame(
        {
            "customer_id": [1, 1],
            "occurred_at": ["2026-01-02", "2026-01-03"],
            "event_type": ["email_delivered", "email_opened"],
        }
    ).with_columns(pl.col("occurred_at").str.to_datetime())
    return orders, customers, events


def test_monthly_rfm_history_on_hand_checkable_data() -> None:
    history, as_of = reference.monthly_history(*_frames())
    history = reference.rfm_scores(history).sort("period_month_end", "customer_id")
    assert as_of.isoformat() == "2026-02-10"
    rows = history.select(
        "customer_id",
        pl.col("period_month_end").cast(pl.String),
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "rfm_segment",
        "tenure_days",
    ).rows()
    assert rows == [
        # January: equal frequency and monetary share the lowest score; recency ranks them
        (1, "2026-01-31", 21, 1, 10.0, 1, 1, 1, "Lost", 30),
        (2, "2026-01-31", 11, 1, 10.0, 5, 1, 1, "New", 26),
        # February ends on the as-of date; a returned order adds no frequency or revenue
        (1, "2026-02-28", 5, 2, 30.0, 5, 5, 5, "Champions", 40),
        (2, "2026-02-28", 21, 1, 10.0, 1, 1, 1, "Lost", 36),
        # no completed order: not scored, a Prospect, history starts at signup
        (3, "2026-02-28", None, 0, 0.0, None, None, None, "Prospects", 9),
    ]


def test_cluster_features_match_the_baseline_on_hand_checkable_data() -> None:
    history, _ = reference.monthly_history(*_frames())
    history = history.sort("customer_id", "month")
    got = reference._transformed(reference.cluster_features(history).collect())
    expected_history, _ = baseline.monthly_history(*(frame.to_pandas() for frame in _frames()))
    expected = baseline.cluster_features(expected_history.sort_values(["customer_id", "month"]))
    assert got.shape == (5, 9)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # customer 1 in January: one email delivered and opened, so the open rate is 1
    assert got[0, 7] == 1.0
