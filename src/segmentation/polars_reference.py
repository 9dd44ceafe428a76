"""The pandas baseline's job written in polars: the reference the dbt build's speed is held to.

Issue 15 asks that a full ``dbt build`` take at most 5x what "a plain polars script that computes
RFM, a monthly RFM history and k-means on the same files" takes. This is that script. Its scope
is exactly that of ``segmentation.baseline`` (pandas), and ``tests/python/test_polars_reference.py``
checks that the two give the same rows:

* read ``orders`` (customer, order time, status, amount, discount), ``customers`` (customer,
  signup time) and ``engagement_events`` (customer, event time, event type) from
  ``<source>.parquet`` in one directory; nothing else, and no validation or quarantine;
* the as-of date is the date of the last order unless given; orders and events after it are
  ignored;
* one row per customer and month end, from the customer's first month (signup or first order,
  whichever is earlier) to the as-of month; the last period ends on the as-of date. Running to
  date: completed and returned orders, net revenue (amount of completed orders), gross revenue
  (amount plus discount), discount, emails delivered and opened, web and app sessions, rounded
  to cents where money; recency = days from the last completed order to the period end,
  frequency = completed orders, monetary = net revenue, tenure = days since signup;
* R, F and M scores per month among customers with a completed order,
  ``segmentation_rfm_score`` (the worst value 1, the best 5, the others by their tie group's
  mid-rank quintile; ties share a score; recency ranked descending), and the named segment
  from ``seeds/rfm_segment_rules.csv`` (R x FM grid);
  customers without a completed order are Prospects;
* k-means (scikit-learn, the same ``fit_kmeans`` as the baseline) on the nine default clustering
  features of the current period, k 3-8 by silhouette on a seeded sample of at most 50,000
  current-period customers, then every customer-month assigned to its nearest centroid in
  blocks of 2M rows;
* the history and the current period written to Parquet when ``--out`` is given.

Polars does the reading, aggregation, monthly grid, running sums, ranking and feature columns
(multi-threaded: ``POLARS_MAX_THREADS`` sets the threads; the bench sets it to DuckDB's);
scikit-learn the fit and the assignment, as in the baseline.

Run ``python -m segmentation.polars_reference --help`` for the command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from segmentation.baseline import (
    ASSIGN_BLOCK_ROWS,
    CLUSTER_FEATURES,
    RULES_CSV,
    fit_kmeans,
    segment_lookup,
    training_rows,
    transform_features,
)

__all__ = ["cluster", "cluster_features", "main", "monthly_history", "rfm_scores", "run"]

ORDER_SUMS = ["completed_orders", "returned_orders", "net_revenue", "gross_revenue", "discount"]
EVENT_SUMS = ["emails_delivered", "emails_opened", "web_sessions", "app_sessions"]
MONEY = ["net_revenue", "gross_revenue", "discount"]
OUTPUT_COLUMNS = [
    "customer_id",
    "period_month_end",
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "cluster",
]


def _month_number(column: str) -> pl.Expr:
    """Months since year 0 (``year * 12 + month - 1``) of a datetime column."""
    return pl.col(column).dt.year().cast(pl.Int64) * 12 + pl.col(column).dt.month() - 1


def read_sources(source_dir: str | Path) -> dict[str, pl.LazyFrame]:
    """Scan the columns the job needs from ``orders``, ``customers`` and ``engagement_events``."""
    source = Path(source_dir)
    columns = {
        "orders": ["customer_id", "ordered_at", "status", "amount", "discount_amount"],
        "customers": ["customer_id", "signup_at"],
        "engagement_events": ["customer_id", "occurred_at", "event_type"],
    }
    return {
        name: pl.scan_parquet(source / f"{name}.parquet").select(wanted)
        for name, wanted in columns.items()
    }


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def monthly_history(
    orders: pl.DataFrame | pl.LazyFrame,
    customers: pl.DataFrame | pl.LazyFrame,
    events: pl.DataFrame | pl.LazyFrame,
    as_of_date: str | dt.date | None = None,
) -> tuple[pl.DataFrame, dt.date]:
    """One row per customer and month end, first month seen to the as-of month, with RFM inputs.

    The as-of date defaults to the date of the last order. Orders and events after it are ignored.
    Returns the history and the as-of date.
    """
    orders, customers, events = _lazy(orders), _lazy(customers), _lazy(events)
    if as_of_date is None:
        as_of = orders.select(pl.col("ordered_at").dt.date().max()).collect().item()
    elif isinstance(as_of_date, str):
        as_of = dt.date.fromisoformat(as_of_date)
    else:
        as_of = as_of_date
    as_of_month = as_of.year * 12 + as_of.month - 1

    completed = (pl.col("status") == "completed").fill_null(False)
    amount = pl.col("amount").cast(pl.Float64)
    discount = pl.col("discount_amount").cast(pl.Float64).fill_null(0.0)
    order_rows = orders.filter(
        pl.col("customer_id").is_not_null() & (pl.col("ordered_at").dt.date() <= as_of)
    ).with_columns(month=_month_number("ordered_at"))
    by_month = order_rows.group_by("customer_id", "month").agg(
        completed_orders=completed.sum().cast(pl.Int64),
        returned_orders=(pl.col("status") == "returned").fill_null(False).sum().cast(pl.Int64),
        net_revenue=pl.when(completed).then(amount).otherwise(0.0).sum(),
        gross_revenue=pl.when(completed).then(amount + discount).otherwise(0.0).sum(),
        discount=pl.when(completed).then(discount).otherwise(0.0).sum(),
        last_completed_date=pl.when(completed).then(pl.col("ordered_at").dt.date()).max(),
    )
    first_order = order_rows.group_by("customer_id").agg(first_order_month=pl.col("month").min())

    event_type = pl.col("event_type")
    events_by_month = (
        events.filter(pl.col("occurred_at").dt.date() <= as_of)
        .with_columns(month=_month_number("occurred_at"))
        .group_by("customer_id", "month")
        .agg(
            emails_delivered=(event_type == "email_delivered").sum().cast(pl.Int64),
            emails_opened=(event_type == "email_opened").sum().cast(pl.Int64),
            web_sessions=(event_type == "web_session").sum().cast(pl.Int64),
            app_sessions=(event_type == "app_session").sum().cast(pl.Int64),
        )
    )

    # every customer from the month first seen (signup or first order) to the as-of month
    people = customers.filter(pl.col("customer_id").is_not_null()).select(
        "customer_id",
        signup_month=_month_number("signup_at"),
        signup_date=pl.col("signup_at").dt.date(),
    )
    first_month = (
        people.join(first_order, on="customer_id", how="full", coalesce=True)
        .select("customer_id", month=pl.min_horizontal("signup_month", "first_order_month"))
        .filter(pl.col("month").is_not_null() & (pl.col("month") <= as_of_month))
    )
    months = pl.int_ranges("month", as_of_month + 1)  # never empty: month <= as_of_month
    grid = first_month.with_columns(month=months).explode("month", empty_as_null=True)

    sums = ORDER_SUMS + EVENT_SUMS
    running = pl.col(sums).fill_null(0).cum_sum().over("customer_id", order_by="month")
    month_end = pl.date(pl.col("month") // 12, pl.col("month") % 12 + 1, 1).dt.month_end()
    period_end = pl.min_horizontal(pl.col("period_month_end"), pl.lit(as_of))
    history = (
        grid.join(by_month, on=["customer_id", "month"], how="left")
        .join(events_by_month, on=["customer_id", "month"], how="left")
        .join(people.select("customer_id", "signup_date"), on="customer_id", how="left")
        .with_columns(
            running,
            pl.col("last_completed_date").forward_fill().over("customer_id", order_by="month"),
            period_month_end=month_end,
        )
        .with_columns(pl.col(MONEY).round(2))  # decimal sums in SQL: ties must stay ties
        .with_columns(
            recency_days=(period_end - pl.col("last_completed_date")).dt.total_days(),
            tenure_days=(period_end - pl.col("signup_date")).dt.total_days(),
            frequency=pl.col("completed_orders"),
            monetary=pl.col("net_revenue"),
        )
        .drop("signup_date")
        .collect()
    )
    return history, as_of


def _score(column: str, descending: bool) -> pl.Expr:
    """RFM score 1-5 within each month among scored rows, as in the warehouse
    (``segmentation_rfm_score``): the worst value scores 1 and the best 5, however many customers
    share them, the others ``1 + floor(5 * (worse + tied / 2) / scored)``; the rows of customers
    without an order are null; ties share a score; when all share one value, recency scores 5
    and frequency and monetary 1."""
    scored = pl.col("frequency") > 0
    values = pl.when(scored).then(pl.col(column))
    worse = values.rank(method="min", descending=descending).over("month").cast(pl.Float64) - 1
    tied = pl.len().over("month", column, scored).cast(pl.Float64)
    count = scored.sum().over("month").cast(pl.Float64)
    middle = pl.min_horizontal(pl.lit(5.0), 1 + (5 * (worse + tied / 2) / count).floor())
    all_tied = 5.0 if descending else 1.0  # recency: nobody bought more recently
    score = (
        pl.when(tied == count)
        .then(pl.lit(all_tied))
        .when(worse == 0)
        .then(pl.lit(1.0))
        .when(worse + tied == count)
        .then(pl.lit(5.0))
        .otherwise(middle)
        .cast(pl.Int64)
    )
    return pl.when(scored).then(score)


def rfm_scores(history: pl.DataFrame, rules_csv: str | Path = RULES_CSV) -> pl.DataFrame:
    """The history with ``r_score``, ``f_score``, ``m_score`` and ``rfm_segment`` added."""
    lookup, prospect = segment_lookup(rules_csv)
    names = {
        r * 100 + f * 10 + m: lookup[r, f, m]
        for r in range(1, 6)
        for f in range(1, 6)
        for m in range(1, 6)
    }
    code = pl.col("r_score") * 100 + pl.col("f_score") * 10 + pl.col("m_score")
    return history.with_columns(
        r_score=_score("recency_days", descending=True),
        f_score=_score("frequency", descending=False),
        m_score=_score("monetary", descending=False),
    ).with_columns(
        rfm_segment=pl.when(pl.col("frequency") > 0)
        .then(code.replace_strict(names, return_dtype=pl.String))
        .otherwise(pl.lit(prospect))
    )


def cluster_features(history: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The raw clustering features (before their transforms), nulls meaning what they mean (as in
    SQL) and then 0, in ``CLUSTER_FEATURES`` order."""
    tenure = pl.col("tenure_days").fill_null(0).clip(lower_bound=0).cast(pl.Float64)
    frequency = pl.col("completed_orders")
    returned = pl.col("returned_orders")

    def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
        return pl.when(denominator > 0).then(numerator / denominator)

    raw = {
        "recency_days": pl.col("recency_days").cast(pl.Float64).fill_null(tenure),
        "frequency": frequency.cast(pl.Float64),
        "monetary": pl.col("net_revenue").clip(lower_bound=0),
        "avg_order_value": ratio(pl.col("net_revenue"), frequency),
        "tenure_days": tenure,
        "discount_share": ratio(pl.col("discount"), pl.col("gross_revenue")),
        "return_rate": ratio(returned, frequency + returned),
        "email_open_rate": ratio(pl.col("emails_opened"), pl.col("emails_delivered")),
        "app_session_share": ratio(
            pl.col("app_sessions"), pl.col("web_sessions") + pl.col("app_sessions")
        ),
    }
    return _lazy(history).select(
        raw[name].cast(pl.Float64).fill_null(0.0).fill_nan(0.0).alias(name)
        for name in CLUSTER_FEATURES
    )


def _transformed(features: pl.DataFrame) -> np.ndarray:
    return transform_features({name: features[name].to_numpy() for name in CLUSTER_FEATURES})


def cluster(
    history: pl.DataFrame,
    k_min: int = 3,
    k_max: int = 8,
    max_training_rows: int = 50_000,
    silhouette_sample_size: int = 5_000,
    min_segment_share: float = 0.05,
    n_init: int = 10,
    seed: int = 42,
) -> tuple[pl.DataFrame, int, object]:
    """Fit k-means on a sample of current-period customers; return the history with ``cluster``.

    The same sample, fit and choice of k as ``segmentation.baseline.cluster``. Returns the
    labelled history, the chosen k and the table of candidates.
    """
    current = history.filter(pl.col("month") == pl.col("month").max())
    train = training_rows(current["customer_id"].to_numpy(), max_training_rows, seed)
    X_train = _transformed(cluster_features(current).collect())[train]
    best_k, table, scaler, chosen = fit_kmeans(
        X_train, k_min, k_max, silhouette_sample_size, min_segment_share, n_init, seed
    )
    features = cluster_features(history)
    blocks = []
    for begin in range(0, history.height, ASSIGN_BLOCK_ROWS):
        block = features.slice(begin, ASSIGN_BLOCK_ROWS).collect()
        blocks.append(chosen.predict(scaler.transform(_transformed(block))).astype(np.int16) + 1)
    labels = np.concatenate(blocks) if blocks else np.empty(0, dtype=np.int16)
    return history.with_columns(cluster=pl.Series(labels, dtype=pl.Int16)), best_k, table


def run(source_dir: str | Path, out_dir: str | Path | None = None, as_of_date: str | None = None):
    """The whole job; writes the history and the current customers as Parquet when out_dir is set.

    Returns ``(history, timings)``, timings in seconds per step (reading is lazy: it is part of
    the history step).
    """
    timings: dict[str, float] = {}
    began = time.perf_counter()
    frames = read_sources(source_dir)
    history, _ = monthly_history(
        frames["orders"], frames["customers"], frames["engagement_events"], as_of_date
    )
    timings["read_and_history"] = time.perf_counter() - began
    step = time.perf_counter()
    history = rfm_scores(history)
    timings["rfm_scores"] = time.perf_counter() - step
    step = time.perf_counter()
    history, _, _ = cluster(history)
    timings["kmeans"] = time.perf_counter() - step
    if out_dir is not None:
        step = time.perf_counter()
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        history.select(OUTPUT_COLUMNS).write_parquet(out / "customer_segments_monthly.parquet")
        current = history.filter(pl.col("month") == pl.col("month").max())
        current.select(OUTPUT_COLUMNS).write_parquet(out / "customers_current.parquet")
        timings["write"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - began
    return history, timings


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (``python -m segmentation.polars_reference``)."""
    parser = argparse.ArgumentParser(
        prog="python -m segmentation.polars_reference",
        description="RFM history and k-means segments in plain polars (the benchmark reference).",
    )
    parser.add_argument("source_dir", help="directory holding the <source>.parquet files")
    parser.add_argument("--out", default=None, help="directory receiving the result Parquet")
    parser.add_argument("--as-of-date", default=None, help="YYYY-MM-DD (default: last order)")
    args = parser.parse_args(argv)
    history, timings = run(args.source_dir, args.out, args.as_of_date)
    print(f"rows (customer x month): {history.height:,}")
    print("timings: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
