"""The segmentation job written plainly in pandas: the yardstick for the dbt build's speed.

It reads the same source files as the warehouse (``<source>.parquet`` in one directory) and does
the core of the job the way an analyst would in a notebook, with vectorised groupbys:

* RFM per customer at every month end (the last period ends on the as-of date): recency in days
  since the last completed order, frequency = completed orders, monetary = net revenue;
* scores 1-5 per month as in the warehouse (``segmentation_rfm_score``: the worst value 1, the
  best 5, the others by mid-rank quintile) among customers with a completed order, and the
  named segment from ``seeds/rfm_segment_rules.csv``;
* k-means (scikit-learn) on the nine default clustering features, k from 3 to 8 chosen by
  silhouette on a bounded sample (at most 50,000 current-period customers, drawn with a fixed
  seed from the rows in customer-id order), then every customer-month assigned to its nearest
  centroid.

It does not validate or quarantine rows, compute CLV, migrations, KPIs or run tests: it is a
subset of what ``dbt build`` does, so a time ratio against it is an upper bound on the overhead.
``segmentation.polars_reference`` does the same job in polars (the reference of issue 15).

Run ``python -m segmentation.baseline --help`` for the command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

__all__ = [
    "CLUSTER_FEATURES",
    "cluster",
    "fit_kmeans",
    "main",
    "monthly_history",
    "rfm_scores",
    "run",
    "segment_lookup",
    "training_rows",
    "transform_features",
]

RULES_CSV = Path(__file__).resolve().parents[2] / "seeds" / "rfm_segment_rules.csv"

CLUSTER_FEATURES: dict[str, str] = {
    "recency_days": "log1p",
    "frequency": "log1p",
    "monetary": "log1p",
    "avg_order_value": "log1p",
    "tenure_days": "log1p",
    "discount_share": "identity",
    "return_rate": "identity",
    "email_open_rate": "identity",
    "app_session_share": "identity",
}
"""The default clustering features of the project and their transforms."""

_ORDER_SUMS = ["completed_orders", "returned_orders", "net_revenue", "gross_revenue", "discount"]
_EVENT_SUMS = ["emails_delivered", "emails_opened", "web_sessions", "app_sessions"]


def _month_number(dates: pd.Series) -> pd.Series:
    """Months since year 0 (``year * 12 + month - 1``) of a datetime series."""
    return dates.dt.year * 12 + dates.dt.month - 1


def _month_end(month_number: np.ndarray) -> np.ndarray:
    """Last day of each month number, as ``datetime64[D]``."""
    first = (np.asarray(month_number, dtype=np.int64) - 1970 * 12).astype("datetime64[M]")
    return (first + 1).astype("datetime64[D]") - 1


def read_sources(source_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Read the columns the job needs from ``orders``, ``customers`` and ``engagement_events``."""
    source = Path(source_dir)
    columns = {
        "orders": ["customer_id", "ordered_at", "status", "amount", "discount_amount"],
        "customers": ["customer_id", "signup_at"],
        "engagement_events": ["customer_id", "occurred_at", "event_type"],
    }
    frames = {}
    for name, wanted in columns.items():
        table = pq.read_table(source / f"{name}.parquet", columns=wanted)
        frames[name] = table.to_pandas(strings_to_categorical=True)
    return frames


def monthly_history(
    orders: pd.DataFrame,
    customers: pd.DataFrame,
    events: pd.DataFrame,
    as_of_date: str | None = None,
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """One row per customer and month end, first month seen to the as-of month, with RFM inputs.

    The as-of date defaults to the date of the last order. Orders and events after it are ignored.
    Returns the history and the as-of date.
    """
    ordered_date = orders["ordered_at"].dt.floor("D")
    as_of = pd.Timestamp(as_of_date) if as_of_date else ordered_date.max()
    keep = ordered_date <= as_of
    completed = orders["status"] == "completed"
    amount = orders["amount"].astype("float64")
    discount = orders["discount_amount"].astype("float64").fillna(0.0)
    order_rows = pd.DataFrame(
        {
            "customer_id": orders["customer_id"],
            "month": _month_number(orders["ordered_at"]),
            "completed_orders": completed.astype("int64"),
            "returned_orders": (orders["status"] == "returned").astype("int64"),
            "net_revenue": amount.where(completed, 0.0),
            "gross_revenue": (amount + discount).where(completed, 0.0),
            "discount": discount.where(completed, 0.0),
            "last_completed_date": ordered_date.where(completed),
        }
    )[keep]
    by_month = order_rows.groupby(["customer_id", "month"], sort=False).agg(
        {**{column: "sum" for column in _ORDER_SUMS}, "last_completed_date": "max"}
    )

    event_date = events["occurred_at"].dt.floor("D")
    event_type = events["event_type"]
    event_rows = pd.DataFrame(
        {
            "customer_id": events["customer_id"],
            "month": _month_number(events["occurred_at"]),
            "emails_delivered": (event_type == "email_delivered").astype("int64"),
            "emails_opened": (event_type == "email_opened").astype("int64"),
            "web_sessions": (event_type == "web_session").astype("int64"),
            "app_sessions": (event_type == "app_session").astype("int64"),
        }
    )[event_date <= as_of]
    events_by_month = event_rows.groupby(["customer_id", "month"], sort=False).sum()

    # every customer from the month first seen (signup or first order) to the as-of month
    first_order = order_rows.groupby("customer_id")["month"].min()
    people = customers.set_index("customer_id")["signup_at"]
    first_seen = _month_number(people).to_frame("month").join(first_order.rename("month_order"))
    first_month = first_seen.min(axis=1).combine_first(first_order).dropna().astype("int64")
    as_of_month = as_of.year * 12 + as_of.month - 1
    first_month = first_month[first_month <= as_of_month]
    span = (as_of_month - first_month + 1).to_numpy()
    starts = np.repeat(np.cumsum(span) - span, span)
    grid = pd.DataFrame(
        {
            "customer_id": np.repeat(first_month.index.to_numpy(), span),
            "month": np.repeat(first_month.to_numpy(), span) + np.arange(span.sum()) - starts,
        }
    )
    history = grid.join(by_month, on=["customer_id", "month"]).join(
        events_by_month, on=["customer_id", "month"]
    )
    sums = _ORDER_SUMS + _EVENT_SUMS
    history[sums] = history[sums].fillna(0)
    grouped = history.groupby("customer_id", sort=False)
    history[sums] = grouped[sums].cumsum()
    money = ["net_revenue", "gross_revenue", "discount"]
    history[money] = history[money].round(2)  # decimal sums in SQL: ties must stay ties
    history["last_completed_date"] = grouped["last_completed_date"].ffill()

    month_end = pd.to_datetime(_month_end(history["month"].to_numpy()))
    history["period_month_end"] = month_end
    period_end = month_end.where(month_end <= as_of, as_of)
    history["recency_days"] = (period_end - history["last_completed_date"]).dt.days
    signup = history["customer_id"].map(people.dt.floor("D"))
    history["tenure_days"] = (period_end - signup).dt.days
    history["frequency"] = history["completed_orders"]
    history["monetary"] = history["net_revenue"]
    return history, as_of


def _score(values: pd.Series, periods: pd.Series, ascending: bool) -> pd.Series:
    """RFM score 1-5 within each period as in the warehouse (``segmentation_rfm_score``): the
    worst value scores 1 and the best 5, however many customers share them, the others
    ``1 + floor(5 * (worse + tied / 2) / scored)``; ties share a score; when all share one value,
    recency scores 5 and frequency and monetary 1."""
    worse = values.groupby(periods).rank(method="min", ascending=ascending) - 1
    tied = values.groupby([periods, values]).transform("size")
    count = values.groupby(periods).transform("size")
    middle = np.minimum(5, 1 + np.floor(5 * (worse + tied / 2) / count))
    all_tied = 5 if not ascending else 1  # recency (descending): nobody bought more recently
    score = np.where(
        tied == count, all_tied, np.where(worse == 0, 1, np.where(worse + tied == count, 5, middle))
    )
    return pd.Series(score, index=values.index).astype("int64")


def segment_lookup(rules_csv: str | Path = RULES_CSV) -> tuple[np.ndarray, str]:
    """The RFM segment rules as a ``[r, f, m]`` array of names (``""`` where no rule matches; the
    FM score is the mean of F and M rounded half up, as in the warehouse's R x FM grid), and the
    name of the segment of customers without a completed order."""
    rules = pd.read_csv(rules_csv)
    lookup = np.full((6, 6, 6), "", dtype=object)
    for rule in rules.dropna(subset=["r_score_min"]).itertuples():
        for f in range(1, 6):
            for m in range(1, 6):
                fm = (f + m + 1) // 2  # FM: mean of F and M rounded half up (R x FM grid)
                if int(rule.fm_score_min) <= fm <= int(rule.fm_score_max):
                    lookup[int(rule.r_score_min) : int(rule.r_score_max) + 1, f, m] = (
                        rule.segment_name
                    )
    prospect = rules.loc[rules["r_score_min"].isna(), "segment_name"].iloc[0]
    return lookup, str(prospect)


def rfm_scores(history: pd.DataFrame, rules_csv: str | Path = RULES_CSV) -> pd.DataFrame:
    """Add ``r_score``, ``f_score``, ``m_score`` and ``rfm_segment`` to the history (in place)."""
    scored = history["frequency"] > 0
    sub = history.loc[scored]
    periods = sub["month"]
    for score, column, ascending in [
        ("r_score", "recency_days", False),
        ("f_score", "frequency", True),
        ("m_score", "monetary", True),
    ]:
        history[score] = _score(sub[column], periods, ascending).astype("Int64")
    lookup, prospect = segment_lookup(rules_csv)
    segment = np.full(len(history), prospect, dtype=object)
    codes = history.loc[scored, ["r_score", "f_score", "m_score"]].to_numpy("int64")
    segment[scored.to_numpy()] = lookup[codes[:, 0], codes[:, 1], codes[:, 2]]
    history["rfm_segment"] = pd.Categorical(segment)
    return history


def cluster_features(history: pd.DataFrame) -> np.ndarray:
    """The transformed clustering features, with nulls meaning what they mean (as in SQL)."""
    tenure = history["tenure_days"].fillna(0).clip(lower=0)
    frequency = history["completed_orders"]
    raw = {
        "recency_days": history["recency_days"].fillna(tenure),
        "frequency": frequency,
        "monetary": history["net_revenue"].clip(lower=0),
        "avg_order_value": (history["net_revenue"] / frequency.where(frequency > 0)).fillna(0),
        "tenure_days": tenure,
        "discount_share": history["discount"] / history["gross_revenue"].where(lambda s: s > 0),
        "return_rate": history["returned_orders"]
        / (frequency + history["returned_orders"]).where(lambda s: s > 0),
        "email_open_rate": history["emails_opened"]
        / history["emails_delivered"].where(lambda s: s > 0),
        "app_session_share": history["app_sessions"]
        / (history["web_sessions"] + history["app_sessions"]).where(lambda s: s > 0),
    }
    return transform_features({name: raw[name].fillna(0).to_numpy("float64") for name in raw})


def transform_features(raw: Mapping[str, np.ndarray]) -> np.ndarray:
    """Stack the raw feature columns (nulls already 0) in ``CLUSTER_FEATURES`` order, each with its
    transform (``log1p`` of the value floored at 0, or as it is)."""
    columns = []
    for name, transform in CLUSTER_FEATURES.items():
        values = np.asarray(raw[name], dtype="float64")
        columns.append(np.log1p(np.maximum(values, 0)) if transform == "log1p" else values)
    return np.column_stack(columns)


def training_rows(customer_ids: np.ndarray, max_training_rows: int, seed: int) -> np.ndarray:
    """Positions of the training sample among the current-period rows whose customer ids are
    given: a seeded draw without replacement from the rows in customer-id order, so the sample
    does not depend on the order the rows were computed in."""
    by_customer = np.argsort(customer_ids, kind="stable")
    rng = np.random.default_rng(seed)
    size = min(max_training_rows, by_customer.size)
    return by_customer[rng.choice(by_customer.size, size=size, replace=False)]


def fit_kmeans(
    X_train: np.ndarray,
    k_min: int = 3,
    k_max: int = 8,
    silhouette_sample_size: int = 5_000,
    min_segment_share: float = 0.05,
    n_init: int = 10,
    seed: int = 42,
) -> tuple[int, pd.DataFrame, StandardScaler, KMeans]:
    """Standardise the training rows and fit k-means for each k from k_min to k_max.

    k is the one with the best silhouette among those whose smallest cluster holds at least
    ``min_segment_share`` of the sample. Returns the chosen k, a table of the candidates, the
    scaler and the chosen model.
    """
    scaler = StandardScaler().fit(X_train)
    X_scaled = scaler.transform(X_train)
    candidates, models = [], {}
    for k in range(k_min, k_max + 1):
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(X_scaled)
        share = np.bincount(model.labels_, minlength=k).min() / len(X_scaled)
        silhouette = silhouette_score(
            X_scaled, model.labels_, sample_size=min(silhouette_sample_size, len(X_scaled)),
            random_state=seed,
        )  # fmt: skip
        candidates.append({"k": k, "silhouette": silhouette, "smallest_share": share})
        models[k] = model
    table = pd.DataFrame(candidates)
    eligible = table[table["smallest_share"] >= min_segment_share]
    best_k = int((eligible if len(eligible) else table).sort_values("silhouette").iloc[-1]["k"])
    return best_k, table, scaler, models[best_k]


ASSIGN_BLOCK_ROWS = 2_000_000
"""Rows scaled and assigned to a centroid at a time (bounded memory)."""


def cluster(
    history: pd.DataFrame,
    k_min: int = 3,
    k_max: int = 8,
    max_training_rows: int = 50_000,
    silhouette_sample_size: int = 5_000,
    min_segment_share: float = 0.05,
    n_init: int = 10,
    seed: int = 42,
) -> tuple[int, pd.DataFrame]:
    """Fit k-means on a sample of current-period customers; label every row with ``cluster``.

    The sample is drawn by ``training_rows`` and the model chosen by ``fit_kmeans``. Returns the
    chosen k and a table of the candidates.
    """
    X = cluster_features(history)
    current = np.flatnonzero(history["month"].to_numpy() == history["month"].max())
    ids = history["customer_id"].to_numpy()[current]
    train = current[training_rows(ids, max_training_rows, seed)]
    best_k, table, scaler, chosen = fit_kmeans(
        X[train], k_min, k_max, silhouette_sample_size, min_segment_share, n_init, seed
    )
    labels = np.empty(len(X), dtype=np.int16)
    step = ASSIGN_BLOCK_ROWS
    for begin in range(0, len(X), step):
        labels[begin : begin + step] = chosen.predict(scaler.transform(X[begin : begin + step]))
    history["cluster"] = labels + 1
    return best_k, table


def run(source_dir: str | Path, out_dir: str | Path | None = None, as_of_date: str | None = None):
    """The whole job; writes the history and the current customers as Parquet when out_dir is set.

    Returns ``(history, timings)``, timings in seconds per step.
    """
    timings: dict[str, float] = {}
    began = time.perf_counter()
    frames = read_sources(source_dir)
    timings["read"] = time.perf_counter() - began
    step = time.perf_counter()
    history, as_of = monthly_history(
        frames["orders"], frames["customers"], frames["engagement_events"], as_of_date
    )
    del frames
    timings["history"] = time.perf_counter() - step
    step = time.perf_counter()
    rfm_scores(history)
    timings["rfm_scores"] = time.perf_counter() - step
    step = time.perf_counter()
    cluster(history)
    timings["kmeans"] = time.perf_counter() - step
    if out_dir is not None:
        step = time.perf_counter()
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        keep = ["customer_id", "period_month_end", "recency_days", "frequency", "monetary"]
        keep += ["tenure_days", "r_score", "f_score", "m_score", "rfm_segment", "cluster"]
        history[keep].to_parquet(out / "customer_segments_monthly.parquet", index=False)
        current = history.loc[history["month"] == history["month"].max()]
        current[keep].to_parquet(out / "customers_current.parquet", index=False)
        timings["write"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - began
    return history, timings


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (``python -m segmentation.baseline``)."""
    parser = argparse.ArgumentParser(
        prog="python -m segmentation.baseline",
        description="RFM history and k-means segments in plain pandas (the benchmark baseline).",
    )
    parser.add_argument("source_dir", help="directory holding the <source>.parquet files")
    parser.add_argument("--out", default=None, help="directory receiving the result Parquet")
    parser.add_argument("--as-of-date", default=None, help="YYYY-MM-DD (default: last order)")
    args = parser.parse_args(argv)
    history, timings = run(args.source_dir, args.out, args.as_of_date)
    print(f"rows (customer x month): {len(history):,}")
    print("timings: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
