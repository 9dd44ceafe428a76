"""Generated source data sets of very different shapes, to test the warehouse on data never seen.

The demo (``segmentation.demo_data``) is one shape: a few thousand retail customers over three
years with every source filled. Real order histories look different: orders only, a handful of
customers, one-time buyers, one account with thousands of orders, everything on one day, steady
weekly B2B buyers (with UUID ids), decades of history. Each shape writes a source directory that
``segmentation__source_dir`` can point at (``<source>.csv`` or ``<source>.parquet``, with the
columns of the source contract, ``macros/sources/segmentation_source_contract.sql``).

Every shape is a pure function of its seed (same seed, byte-identical files) and small (hundreds
to a few thousand rows, except the shape whose point is 10,000 orders), so that a test can build
the warehouse on each of them in seconds.

``cdnow_like`` is a scaled-down history shaped like the CDNOW master data set (Fader and Hardie):
a cohort whose first purchases fall in the first quarter of 1997, observed to the end of June
1998, repeat purchases drawn from the BG/NBD model with the parameters Fader, Hardie and Lee (2005)
estimated on CDNOW (r = 0.243, alpha = 4.414 weeks, a = 0.793, b = 2.426) and spend per order
from the Gamma-Gamma model with the parameters Fader and Hardie (2013) estimated on it
(p = 6.25, q = 3.74, gamma = 15.44). Only ``orders`` is written, as in the original.

Run ``python -m segmentation.shapes --list`` for the shapes and
``python -m segmentation.shapes SHAPE --out DIR`` to write one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.contract import load_contract

__all__ = ["SHAPES", "Shape", "shape_names", "write_shape", "main"]

DAY = 86_400
WEEK = 7 * DAY

CATEGORIES = ("apparel", "beauty", "electronics", "grocery", "home")
CHANNELS = ("web", "app", "store")
EVENT_TYPES = ("email_delivered", "email_opened", "email_clicked", "web_session", "app_session")


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


def _epoch(day: str) -> int:
    """Epoch seconds of ``YYYY-MM-DD`` 00:00:00 UTC."""
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


def _timestamps(seconds: np.ndarray) -> pd.Series:
    """Naive UTC timestamps (second precision) from epoch seconds."""
    return pd.Series(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"))


def _ids(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct ids: ``1..n`` (int64) or random UUIDs drawn from ``rng`` (strings)."""
    if kind == "int":
        return np.arange(1, n + 1, dtype=np.int64)
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    return np.array([str(uuid.UUID(bytes=row.tobytes(), version=4)) for row in raw], dtype=object)


def _money(values: np.ndarray) -> np.ndarray:
    """Amounts rounded to cents, at least 0.01."""
    return np.maximum(np.round(np.asarray(values, dtype=float), 2), 0.01)


@dataclass
class _Orders:
    """Order rows before ids are assigned: owner index, time, amount."""

    owner: np.ndarray
    at: np.ndarray
    amount: np.ndarray

    def sorted(self) -> _Orders:
        order = np.lexsort((self.amount, self.owner, self.at))
        return _Orders(self.owner[order], self.at[order], self.amount[order])


def _orders_frame(
    orders: _Orders,
    customer_ids: np.ndarray,
    order_ids: np.ndarray,
    rng: np.random.Generator,
    *,
    full: bool,
) -> pd.DataFrame:
    """The ``orders`` source: the required columns, plus status/channel/discount when ``full``."""
    frame = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": customer_ids[orders.owner],
            "ordered_at": _timestamps(orders.at),
            "amount": _money(orders.amount),
        }
    )
    if full:
        n = len(frame)
        frame["status"] = np.array(["completed", "cancelled", "returned"])[
            rng.choice(3, size=n, p=[0.9, 0.04, 0.06])
        ]
        frame["sales_channel"] = np.array(CHANNELS)[rng.choice(3, size=n, p=[0.5, 0.3, 0.2])]
        discounted = rng.random(n) < 0.25
        frame["discount_amount"] = np.where(
            discounted, np.round(frame["amount"].to_numpy() * 0.15, 2), 0.0
        )
    return frame


def _companions(
    orders: _Orders,
    customer_ids: np.ndarray,
    order_ids: np.ndarray,
    signup_at: np.ndarray,
    end_at: int,
    id_kind: str,
    rng: np.random.Generator,
) -> dict[str, pd.DataFrame]:
    """The optional sources around a set of orders: customers, products, lines, engagement,
    support tickets and NPS answers (a few per customer, all inside the data window)."""
    n_customers = customer_ids.size
    countries = np.array(["US", "GB", "DE", "FR", "JP"])
    regions = np.array(["north_america", "europe", "europe", "europe", "asia"])
    country = rng.integers(0, countries.size, n_customers)
    customers = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "signup_at": _timestamps(signup_at),
            "country": countries[country],
            "region": regions[country],
            "acquisition_channel": np.array(["search", "social", "referral", "email"])[
                rng.integers(0, 4, n_customers)
            ],
            "birth_year": rng.integers(1950, 2005, n_customers),
            "gender": np.array(["female", "male", "other"])[
                rng.choice(3, n_customers, p=[0.48, 0.48, 0.04])
            ],
            "email": [f"shape.customer{index}@example.com" for index in range(n_customers)],
        }
    )

    n_products = 25
    product_ids = _ids(id_kind, n_products, rng)
    product_category = np.arange(n_products) % len(CATEGORIES)
    list_price = _money(rng.lognormal(3.2, 0.6, n_products))
    products = pd.DataFrame(
        {
            "product_id": product_ids,
            "product_name": [f"Product {index + 1}" for index in range(n_products)],
            "category": np.array(CATEGORIES)[product_category],
            "list_price": list_price,
        }
    )

    n_lines = 1 + rng.poisson(0.6, order_ids.size)
    line_order = np.repeat(np.arange(order_ids.size), n_lines)
    line_number = np.concatenate([np.arange(1, count + 1) for count in n_lines])
    line_product = rng.integers(0, n_products, line_order.size)
    order_items = pd.DataFrame(
        {
            "order_id": order_ids[line_order],
            "line_number": line_number,
            "product_id": product_ids[line_product],
            "quantity": 1 + rng.poisson(0.3, line_order.size),
            "unit_price": list_price[line_product],
        }
    )

    # engagement: emails delivered between signup and the end of the window, some opened (once),
    # some of those clicked, and a few web and app sessions
    def spread(owner: np.ndarray) -> np.ndarray:
        span = np.maximum(end_at - signup_at[owner] - DAY, DAY)
        return signup_at[owner] + (rng.random(owner.size) * span).astype(np.int64)

    delivered_owner = np.repeat(np.arange(n_customers), rng.poisson(4, n_customers))
    delivered_at = spread(delivered_owner)
    opened = rng.random(delivered_owner.size) < 0.4
    clicked = opened & (rng.random(delivered_owner.size) < 0.3)
    session_owner = np.repeat(np.arange(n_customers), rng.poisson(2, n_customers))
    session_app = rng.random(session_owner.size) < 0.4
    event_owner = np.concatenate(
        [delivered_owner, delivered_owner[opened], delivered_owner[clicked], session_owner]
    )
    event_at = np.concatenate(
        [
            delivered_at,
            delivered_at[opened] + 3_600,
            delivered_at[clicked] + 3_660,
            spread(session_owner),
        ]
    )
    event_type = np.concatenate(
        [
            np.zeros(delivered_owner.size, dtype=np.int64),
            np.ones(int(opened.sum()), dtype=np.int64),
            np.full(int(clicked.sum()), 2),
            np.where(session_app, 4, 3),
        ]
    )
    event_order = np.lexsort((event_type, event_owner, event_at))
    engagement_events = pd.DataFrame(
        {
            "event_id": _ids(id_kind, event_owner.size, rng),
            "customer_id": customer_ids[event_owner[event_order]],
            "occurred_at": _timestamps(event_at[event_order]),
            "event_type": np.array(EVENT_TYPES)[event_type[event_order]],
        }
    )

    # support: a ticket for about one order in ten, resolved within days
    ticketed = np.flatnonzero(rng.random(order_ids.size) < 0.1)
    opened_at = orders.at[ticketed] + rng.integers(DAY, 5 * DAY, ticketed.size)
    opened_at = np.minimum(opened_at, end_at - DAY)
    opened_at = np.maximum(opened_at, orders.at[ticketed])
    resolved_at = np.minimum(opened_at + rng.integers(3_600, 4 * DAY, ticketed.size), end_at)
    support_tickets = pd.DataFrame(
        {
            "ticket_id": _ids(id_kind, ticketed.size, rng),
            "customer_id": customer_ids[orders.owner[ticketed]],
            "opened_at": _timestamps(opened_at),
            "resolved_at": _timestamps(resolved_at),
            "satisfaction": rng.integers(1, 6, ticketed.size),
        }
    )

    # NPS: about a third of the customers answer once
    answered = np.flatnonzero(rng.random(n_customers) < 0.35)
    answered_span = np.maximum(end_at - signup_at[answered], DAY)
    responded_at = signup_at[answered] + (rng.random(answered.size) * answered_span).astype(
        np.int64
    )
    nps_responses = pd.DataFrame(
        {
            "response_id": _ids(id_kind, answered.size, rng),
            "customer_id": customer_ids[answered],
            "responded_at": _timestamps(responded_at),
            "score": rng.integers(0, 11, answered.size),
        }
    )
    return {
        "customers": customers,
        "products": products,
        "order_items": order_items,
        "engagement_events": engagement_events,
        "support_tickets": support_tickets,
        "nps_responses": nps_responses,
    }


def _assemble(
    orders: _Orders,
    n_customers: int,
    rng: np.random.Generator,
    *,
    id_kind: str = "int",
    companions: bool = True,
    signup_at: np.ndarray | None = None,
    end_at: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Ids, the orders source and (when ``companions``) every optional source."""
    orders = orders.sorted()
    customer_ids = _ids(id_kind, n_customers, rng)
    order_ids = _ids(id_kind, orders.owner.size, rng)
    tables = {"orders": _orders_frame(orders, customer_ids, order_ids, rng, full=companions)}
    if companions:
        if signup_at is None:
            first = np.full(n_customers, orders.at.min(), dtype=np.int64)
            np.minimum.at(first, orders.owner, orders.at)
            signup_at = first - rng.integers(0, 30 * DAY, n_customers)
        end_at = int(end_at if end_at is not None else orders.at.max() + DAY)
        tables.update(_companions(orders, customer_ids, order_ids, signup_at, end_at, id_kind, rng))
    return tables


def _poisson_orders(
    rng: np.random.Generator,
    n_customers: int,
    start: str,
    end: str,
    mean_orders: float,
    *,
    amount_mean: float = 60.0,
) -> tuple[_Orders, np.ndarray]:
    """Customers who sign up uniformly over the first 80% of ``[start, end)``, order within a
    month, then again at random times: ``1 + Poisson(mean_orders - 1)`` orders each. Returns the
    orders and the signup times."""
    begin, finish = _epoch(start), _epoch(end)
    signup = begin + (rng.random(n_customers) * (finish - begin) * 0.8).astype(np.int64)
    counts = 1 + rng.poisson(max(mean_orders - 1.0, 0.0), n_customers)
    owner = np.repeat(np.arange(n_customers), counts)
    at = signup[owner] + (rng.random(owner.size) * (finish - signup[owner])).astype(np.int64)
    # the first order of each customer comes within a month of the signup
    first = np.r_[0, np.cumsum(counts)[:-1]]
    at[first] = signup + rng.integers(0, 30 * DAY, n_customers)
    amount = rng.gamma(4.0, amount_mean / 4.0, owner.size)
    return _Orders(owner, at, amount), signup


# --------------------------------------------------------------------------------------------
# The shapes
# --------------------------------------------------------------------------------------------


def _orders_only(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    orders, _ = _poisson_orders(rng, 200, "2024-01-01", "2026-01-01", 3.0)
    return _assemble(orders, 200, rng, companions=False)


def _n_customers(n: int) -> Callable[[np.random.Generator], dict[str, pd.DataFrame]]:
    def build(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
        orders, signup = _poisson_orders(rng, n, "2024-01-01", "2026-01-01", 4.0)
        return _assemble(orders, n, rng, signup_at=signup, end_at=_epoch("2026-01-01"))

    return build


def _one_time_buyers(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    orders, signup = _poisson_orders(rng, 400, "2024-01-01", "2026-01-01", 1.0)
    assert np.bincount(orders.owner).max() == 1
    return _assemble(orders, 400, rng, signup_at=signup, end_at=_epoch("2026-01-01"))


def _one_big_customer(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """One account with 10,000 orders over three years, among 40 ordinary customers."""
    begin, finish = _epoch("2023-01-01"), _epoch("2026-01-01")
    big_at = np.sort(begin + (rng.random(10_000) * (finish - begin)).astype(np.int64))
    big = _Orders(np.zeros(10_000, dtype=np.int64), big_at, rng.gamma(3.0, 20.0, 10_000))
    others, _ = _poisson_orders(rng, 40, "2023-01-01", "2026-01-01", 3.0)
    orders = _Orders(
        np.concatenate([big.owner, others.owner + 1]),
        np.concatenate([big.at, others.at]),
        np.concatenate([big.amount, others.amount]),
    )
    return _assemble(orders, 41, rng, companions=False)


def _one_day(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Every order on 2025-06-15 (a launch day, or an extract cut to one day)."""
    n = 300
    counts = 1 + rng.poisson(0.3, n)
    owner = np.repeat(np.arange(n), counts)
    at = _epoch("2025-06-15") + rng.integers(0, DAY, owner.size)
    orders = _Orders(owner, at, rng.gamma(4.0, 15.0, owner.size))
    return _assemble(orders, n, rng, end_at=_epoch("2025-06-16"))


def _marketplace_like(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Olist-shaped (orders only): 500 customers over 2023-2024, 95% of them with one order, and a
    quarter of the customers with their last order on the extract's last day, so the best recency
    is tied (as 26% of the Online Retail II customers are at recency 0 days)."""
    n = 500
    begin, finish = _epoch("2023-01-01"), _epoch("2024-12-31")
    counts = np.where(rng.random(n) < 0.95, 1, 2 + rng.poisson(0.5, n))
    owner = np.repeat(np.arange(n), counts)
    at = begin + (rng.random(owner.size) * (finish - begin)).astype(np.int64)
    last = np.cumsum(counts) - 1  # each customer's last row
    on_last_day = rng.random(n) < 0.25
    at[last[on_last_day]] = finish + rng.integers(0, DAY // 2, int(on_last_day.sum()))
    orders = _Orders(owner, at, rng.gamma(3.0, 40.0, owner.size))
    return _assemble(orders, n, rng, companions=False)


def _weekly_b2b(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Accounts that order every week on their own weekday for two years, steady amounts; UUID
    ids throughout, written as CSV only."""
    n, weeks = 30, 104
    begin = _epoch("2024-01-01")
    weekday = rng.integers(0, 5, n)
    owner = np.repeat(np.arange(n), weeks)
    week = np.tile(np.arange(weeks), n)
    at = begin + week * WEEK + weekday[owner] * DAY + 9 * 3_600
    base = rng.uniform(400.0, 2_000.0, n)
    amount = base[owner] * rng.uniform(0.97, 1.03, owner.size)
    orders = _Orders(owner, at, amount)
    return _assemble(
        orders,
        n,
        rng,
        id_kind="uuid",
        signup_at=np.full(n, begin - 30 * DAY),
        end_at=begin + weeks * WEEK,
    )


def _long_history_1990s(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """A 25-year history, 1995-2019, customers arriving throughout."""
    orders, signup = _poisson_orders(rng, 300, "1995-01-01", "2020-01-01", 5.0)
    return _assemble(orders, 300, rng, signup_at=signup, end_at=_epoch("2020-01-01"))


def _cdnow_like(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """CDNOW-shaped: a Q1-1997 cohort observed to 1998-06-30, BG/NBD repeat purchases and
    Gamma-Gamma spend with the published CDNOW parameters (see the module docstring)."""
    n = 1_000
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    p, q, gamma = 6.25, 3.74, 15.44
    begin, finish = _epoch("1997-01-01"), _epoch("1998-07-01")
    first = begin + (rng.random(n) * 90 * DAY).astype(np.int64)
    rate_per_week = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    nu = rng.gamma(q, 1.0 / gamma, n)  # Gamma-Gamma: spend per order ~ Gamma(p, rate nu)
    owners, times = [np.arange(n)], [first]
    now = first.astype(float)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        gap = rng.exponential(1.0 / np.maximum(rate_per_week, 1e-9)) * WEEK
        now = now + gap
        alive &= now < finish
        index = np.flatnonzero(alive)
        owners.append(index)
        times.append(now[index].astype(np.int64))
        alive &= rng.random(n) >= dropout  # after each purchase the customer may drop out
    owner = np.concatenate(owners)
    at = np.concatenate(times)
    amount = rng.gamma(p, 1.0 / nu[owner])
    return _assemble(_Orders(owner, at, amount), n, rng, companions=False)


@dataclass(frozen=True)
class Shape:
    """One generated data set: its name, what it exercises, how it is built and written."""

    name: str
    description: str
    build: Callable[[np.random.Generator], dict[str, pd.DataFrame]]
    fmt: str = "csv"


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape("orders_only", "200 customers, orders.csv only, required columns only", _orders_only),
        Shape("one_customer", "a single customer, every source", _n_customers(1), "parquet"),
        Shape("five_customers", "5 customers, every source", _n_customers(5)),
        Shape(
            "thirty_customers",
            "30 customers, every source, Parquet with integer ids",
            _n_customers(30),
            "parquet",
        ),
        Shape("one_time_buyers", "400 customers who each buy exactly once", _one_time_buyers),
        Shape(
            "one_big_customer",
            "one account with 10,000 orders among 40 ordinary customers (Parquet)",
            _one_big_customer,
            "parquet",
        ),
        Shape("one_day", "300 customers, every order on 2025-06-15", _one_day),
        Shape(
            "marketplace_like",
            "500 customers shaped like Olist (95% one-time buyers, orders only), a quarter of "
            "them buying on the last day",
            _marketplace_like,
        ),
        Shape(
            "weekly_b2b",
            "30 accounts ordering every week for two years; UUID ids, CSV only",
            _weekly_b2b,
        ),
        Shape(
            "long_history_1990s",
            "a 25-year history, 1995-2019, 300 customers",
            _long_history_1990s,
        ),
        Shape(
            "cdnow_like",
            "1,000 customers shaped like the CDNOW 1997-98 history (orders only)",
            _cdnow_like,
        ),
    )
}
"""Every shape, by name."""


def shape_names() -> list[str]:
    """The names of the shapes, in definition order."""
    return list(SHAPES)


def write_shape(name: str, out_dir: str | Path, seed: int = 0) -> dict[str, int]:
    """Write shape ``name`` into ``out_dir`` and return the rows written per source.

    Only the sources the shape has are written (``orders_only`` writes ``orders`` alone); the
    warehouse lands a missing optional source as an empty view. Existing files of the same
    source names in ``out_dir`` are removed first, so that a CSV never shadows a Parquet file.
    """
    if name not in SHAPES:
        raise ValueError(f"unknown shape {name!r}; shapes: {', '.join(SHAPES)}")
    shape = SHAPES[name]
    tables = shape.build(np.random.default_rng([seed, *name.encode()]))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in list(out.glob("*.csv")) + list(out.glob("*.parquet")):
        stale.unlink()
    contract = load_contract()
    for source, frame in tables.items():
        # the contract's column order; a column the contract does not know is a bug of the shape
        unknown = set(frame.columns) - set(contract[source].column_names)
        if unknown:
            raise ValueError(f"shape {name}: {source} has columns outside the contract: {unknown}")
        frame = frame[[column for column in contract[source].column_names if column in frame]]
        if shape.fmt == "parquet":
            frame.to_parquet(out / f"{source}.parquet", index=False)
        else:
            frame.to_csv(out / f"{source}.csv", index=False, date_format="%Y-%m-%d %H:%M:%S")
    return {source: len(frame) for source, frame in tables.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (``python -m segmentation.shapes``)."""
    parser = argparse.ArgumentParser(
        prog="python -m segmentation.shapes",
        description="Write a generated source data set of one shape.",
    )
    parser.add_argument("shape", nargs="?", choices=list(SHAPES))
    parser.add_argument("--out", help="output directory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="list the shapes")
    args = parser.parse_args(argv)
    if args.list or args.shape is None:
        for shape in SHAPES.values():
            print(f"{shape.name:<20} {shape.description}")
        return 0
    if not args.out:
        parser.error("--out is required")
    counts = write_shape(args.shape, args.out, seed=args.seed)
    for source, rows in counts.items():
        print(f"{source:<20} {rows:>8,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
