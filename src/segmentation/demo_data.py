"""Deterministic synthetic retail data set for the customer segmentation demo.

The generator writes seven source files (``customers``, ``orders``, ``order_items``,
``products``, ``engagement_events``, ``support_tickets``, ``nps_responses``) as CSV or Parquet,
plus a separate ground-truth file mapping every customer to one of six planted personas
(``vip_loyalist``, ``bargain_hunter``, ``lapsed_one_timer``, ``new_enthusiast``,
``steady_regular``, ``prospect``). The personas never appear in the sources; they only drive the
behaviour (order frequency and value, recency, tenure, discounts, returns, categories, channels,
engagement) so that a clustering of per-customer features can be checked against them.

Everything is vectorised with numpy and generated in blocks of ``CHUNK_CUSTOMERS`` customers, so
a million customers (about ten million order lines) fit in bounded memory. Output depends only on
the arguments: the same seed gives byte-identical files, and the CSV and Parquet outputs of one
seed hold the same data.

Conventions of the files:

* one file per source, ``<source>.csv`` or ``<source>.parquet``, rows sorted by their id;
* CSV: header row, comma separated, unquoted, timestamps ``YYYY-MM-DD HH:MM:SS`` (UTC, no zone),
  money with two decimals, empty fields for missing values;
* Parquet: ``int64`` ids, ``timestamp[us]`` (naive, UTC) times, ``decimal(12, 2)`` money;
* ids are dense from 1. Customer ids follow signup time; order, event, ticket and response ids
  follow time within each block of ``CHUNK_CUSTOMERS`` customers (so, across the whole file for
  data sets of at most that many customers).

Run ``python -m segmentation.demo_data --help`` for the command line.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from segmentation.contract import load_contract

__all__ = ["PERSONAS", "PERSONA_SHARES", "SOURCES", "generate", "main"]

SOURCES: tuple[str, ...] = tuple(load_contract())
"""The source files written, in writing order: the sources of the contract."""

PERSONAS: tuple[str, ...] = (
    "vip_loyalist",
    "bargain_hunter",
    "lapsed_one_timer",
    "new_enthusiast",
    "steady_regular",
    "prospect",
)
"""The planted personas (ground truth only)."""

PERSONA_SHARES: dict[str, float] = {
    "vip_loyalist": 0.12,
    "bargain_hunter": 0.18,
    "lapsed_one_timer": 0.22,
    "new_enthusiast": 0.14,
    "steady_regular": 0.22,
    "prospect": 0.12,
}
"""Share of customers given each persona (exact up to rounding)."""

CHUNK_CUSTOMERS = 25_000
"""Customers generated per block. Part of the output definition: changing it changes the data."""

DEFAULT_OUT = "seeds/demo"
DEFAULT_TRUTH = "tests/fixtures/demo_personas.csv"

# Persona codes (indices into PERSONAS and into every per-persona parameter table below).
VIP, BARGAIN, LAPSED, NEW, STEADY, PROSPECT = range(6)

DAY = 86_400
HOUR = 3_600
MINUTE = 60
MONTH = 30.4375 * DAY

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------

COUNTRIES = np.array(["US", "CA", "GB", "IE", "DE", "AT", "CH", "FR", "NL", "BE", "ES", "IT"])
COUNTRY_SHARES = np.array([0.30, 0.05, 0.14, 0.03, 0.12, 0.03, 0.03, 0.10, 0.06, 0.04, 0.06, 0.04])
REGION_OF_COUNTRY = np.array(
    [
        "North America",
        "North America",
        "UK & Ireland",
        "UK & Ireland",
        "DACH",
        "DACH",
        "DACH",
        "Western Europe",
        "Western Europe",
        "Western Europe",
        "Southern Europe",
        "Southern Europe",
    ]
)

ACQUISITION_CHANNELS = np.array(["organic", "paid_search", "social", "referral", "email"])
ACQUISITION_BY_PERSONA = np.array(
    [
        [0.35, 0.15, 0.10, 0.30, 0.10],  # vip_loyalist
        [0.10, 0.35, 0.30, 0.05, 0.20],  # bargain_hunter
        [0.15, 0.40, 0.30, 0.05, 0.10],  # lapsed_one_timer
        [0.15, 0.20, 0.45, 0.15, 0.05],  # new_enthusiast
        [0.40, 0.20, 0.10, 0.20, 0.10],  # steady_regular
        [0.15, 0.35, 0.35, 0.05, 0.10],  # prospect
    ]
)

GENDERS = np.array(["female", "male", "other"])
GENDER_BY_PERSONA = np.array(
    [
        [0.50, 0.46, 0.04],
        [0.68, 0.28, 0.04],
        [0.50, 0.46, 0.04],
        [0.52, 0.43, 0.05],
        [0.49, 0.47, 0.04],
        [0.50, 0.45, 0.05],
    ]
)
BIRTH_YEAR_MEAN = np.array([1974.0, 1988.0, 1985.0, 1996.0, 1972.0, 1987.0])

CATEGORIES = np.array(
    ["electronics", "home", "fashion", "beauty", "grocery", "sports", "toys", "books"]
)
GROCERY = 4
PRODUCTS_PER_CATEGORY = np.array([40, 45, 50, 35, 40, 35, 30, 25])  # 300 products
PRICE_MEDIAN = np.array([120.0, 45.0, 38.0, 20.0, 9.0, 48.0, 26.0, 16.0])
PRICE_SIGMA = np.array([0.80, 0.60, 0.50, 0.50, 0.50, 0.60, 0.50, 0.35])
BRANDS = (
    "Acme", "Northwind", "Bluebird", "Everpeak", "Lumen", "Orchard", "Pinecrest", "Solace",
    "Tidewater", "Vertex", "Willow", "Zephyr", "Cobalt", "Harbor", "Meadow", "Nimbus",
    "Quill", "Redwood", "Summit", "Juniper", "Kestrel", "Larkspur", "Marigold", "Oakridge",
)  # fmt: skip
PRODUCT_NOUNS = (
    ("Wireless Earbuds", "Smartwatch", "Bluetooth Speaker", "Tablet", "E-Reader", "Webcam",
     "Power Bank", "Mechanical Keyboard", "Gaming Mouse", "4K Monitor", "Drone", "Headphones"),
    ("Table Lamp", "Throw Blanket", "Cookware Set", "Coffee Maker", "Bath Towels", "Wall Clock",
     "Storage Baskets", "Scented Candle", "Bed Linen Set", "Chef Knife", "Cushion Cover",
     "Air Purifier"),
    ("Denim Jacket", "Sneakers", "Wool Scarf", "Summer Dress", "Leather Belt", "Hoodie",
     "Rain Coat", "Chinos", "Silk Blouse", "Ankle Boots", "Sunglasses", "Knit Sweater"),
    ("Face Serum", "Lip Balm", "Hand Cream", "Shampoo", "Eau de Parfum", "Nail Polish",
     "Sheet Masks", "Body Lotion", "Mascara", "Beard Oil", "Sunscreen", "Hair Dryer"),
    ("Ground Coffee", "Green Tea", "Olive Oil", "Dark Chocolate", "Granola", "Pasta Pack",
     "Spice Set", "Honey Jar", "Trail Mix", "Sparkling Water", "Protein Bars", "Maple Syrup"),
    ("Yoga Mat", "Running Shoes", "Dumbbell Set", "Water Bottle", "Cycling Helmet",
     "Tennis Racket", "Resistance Bands", "Camping Tent", "Hiking Backpack", "Jump Rope",
     "Fitness Tracker", "Football"),
    ("Building Blocks", "Puzzle", "Board Game", "Plush Bear", "Toy Car", "Art Kit",
     "Dollhouse", "Kite", "Science Kit", "Train Set", "Card Game", "Action Figure"),
    ("Cookbook", "Mystery Novel", "Travel Guide", "Children's Picture Book", "Biography",
     "Sci-Fi Novel", "Notebook", "Poetry Collection", "History Book", "Self-Help Book",
     "Graphic Novel", "Atlas"),
)  # fmt: skip

ORDER_STATUSES = np.array(["completed", "cancelled", "returned"])
SALES_CHANNELS = np.array(["web", "app", "store"])
WEB, APP, STORE = range(3)
EVENT_TYPES = np.array(
    ["email_delivered", "email_opened", "email_clicked", "web_session", "app_session"]
)
DELIVERED, OPENED, CLICKED, WEB_SESSION, APP_SESSION = range(5)

# Hour-of-day weights (UTC) for online activity, and opening hours for store purchases.
HOUR_WEIGHTS = np.array(
    [0.30, 0.20, 0.15, 0.10, 0.10, 0.15, 0.30, 0.60, 0.80, 1.00, 1.10, 1.20,
     1.30, 1.20, 1.10, 1.10, 1.20, 1.30, 1.50, 1.70, 1.80, 1.60, 1.10, 0.60]
)  # fmt: skip
STORE_OPEN_HOUR, STORE_CLOSE_HOUR = 9, 20

# --------------------------------------------------------------------------------------------
# Persona parameters (rows in persona code order)
# --------------------------------------------------------------------------------------------

# Signup: fraction-of-window range [lo, hi] and Beta(a, b) shape (new_enthusiast is absolute).
SIGNUP_RANGE = np.array(
    [
        [0.00, 0.35, 1.0, 1.4],
        [0.00, 0.60, 1.0, 1.3],
        [0.00, 0.55, 1.0, 1.2],
        [0.00, 1.00, 1.0, 1.0],  # replaced by NEW_TENURE_DAYS
        [0.00, 0.70, 1.1, 1.5],
        [0.00, 0.90, 1.0, 1.15],
    ]
)
NEW_TENURE_DAYS = (122, 183)  # new_enthusiast signs up 4-6 months before the end of the window

ORDERS_MIN = np.array([20, 12, 1, 2, 10, 0])
ORDERS_MAX = np.array([40, 20, 2, 5, 16, 0])
REGULAR_RHYTHM = np.array([True, False, False, False, True, False])  # evenly spread orders
CHURN_SHARE = np.array([0.0, 0.20, 1.0, 0.0, 0.0, 0.0])  # lapsed always stops (after 20-60 days)
STATUS_BY_PERSONA = np.array(
    [
        [0.950, 0.030, 0.020],
        [0.660, 0.040, 0.300],
        [0.945, 0.040, 0.015],
        [0.940, 0.040, 0.020],
        [0.935, 0.035, 0.030],
        [1.000, 0.000, 0.000],
    ]
)
CHANNEL_BY_PERSONA = np.array(
    [
        [0.30, 0.55, 0.15],
        [0.60, 0.30, 0.10],
        [0.80, 0.05, 0.15],
        [0.25, 0.70, 0.05],
        [0.50, 0.05, 0.45],
        [1.00, 0.00, 0.00],
    ]
)
EXTRA_LINES_MEAN = np.array([0.50, 0.30, 0.15, 0.35, 0.30, 0.0])  # lines = 1 + Poisson, max 6
CATEGORY_BY_PERSONA = np.array(
    [
        [0.25, 0.20, 0.15, 0.08, 0.05, 0.12, 0.05, 0.10],
        [0.04, 0.08, 0.38, 0.32, 0.06, 0.05, 0.04, 0.03],
        [0.20, 0.15, 0.15, 0.10, 0.05, 0.15, 0.12, 0.08],
        [0.20, 0.10, 0.20, 0.15, 0.05, 0.15, 0.08, 0.07],
        [0.06, 0.26, 0.08, 0.08, 0.30, 0.08, 0.06, 0.08],
        [0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125],
    ]
)
CATEGORY_CONCENTRATION = 25.0  # Dirichlet concentration of a customer's category mix
PRICE_TIER_BETA = np.array(  # Beta(a, b) of the price quantile chosen within a category
    [[4.0, 1.5], [1.2, 4.0], [2.0, 2.5], [2.5, 2.0], [2.0, 2.0], [2.0, 2.0]]
)
QUANTITY_PROBS = np.array([[0.72, 0.18, 0.07, 0.03], [0.45, 0.30, 0.15, 0.10]])  # other, grocery
DISCOUNT_PROB = np.array([0.05, 0.90, 0.20, 0.20, 0.10, 0.0])
DISCOUNT_RATE = np.array(  # uniform range of discount / gross for a discounted order
    [[0.05, 0.15], [0.28, 0.48], [0.10, 0.20], [0.10, 0.20], [0.05, 0.15], [0.0, 0.0]]
)

# Engagement: email open rate and click-given-open rate (customer-level Beta around the mean),
# browsing sessions per month (web, app), unsubscribe share.
OPEN_RATE = np.array([0.60, 0.40, 0.06, 0.35, 0.22, 0.20])
CLICK_GIVEN_OPEN = np.array([0.45, 0.35, 0.10, 0.30, 0.20, 0.15])
RATE_CONCENTRATION = 30.0
BROWSE_PER_MONTH = np.array(
    [[0.25, 0.80], [0.45, 0.15], [0.08, 0.01], [0.30, 2.50], [0.20, 0.01], [0.45, 0.04]]
)
EMAIL_OPT_IN = np.array([0.95, 0.90, 0.80, 0.90, 0.85, 0.85])  # marketing consent at signup
UNSUBSCRIBE_SHARE = np.array([0.03, 0.08, 0.50, 0.05, 0.06, 0.12])  # later unsubscribes
DELIVERY_RATE = 0.97
WELCOME_EMAIL_DAYS = np.array([0.0, 3.0, 10.0])  # onboarding series after signup (opted in)

TICKET_PER_ORDER = np.array([0.03, 0.20, 0.35])  # by order status
ACCOUNT_TICKETS_MEAN = 0.05
UNRESOLVED_SHARE = 0.05
SATISFACTION_PRESENT = 0.72
SATISFACTION_BY_PERSONA = np.array(
    [
        [0.02, 0.03, 0.10, 0.35, 0.50],
        [0.10, 0.15, 0.25, 0.30, 0.20],
        [0.20, 0.20, 0.25, 0.20, 0.15],
        [0.04, 0.06, 0.15, 0.35, 0.40],
        [0.04, 0.06, 0.20, 0.40, 0.30],
        [0.08, 0.10, 0.30, 0.30, 0.22],
    ]
)
NPS_RESPONSE_SHARE = np.array([0.50, 0.30, 0.15, 0.35, 0.35, 0.15])
NPS_MEAN = np.array([9.0, 6.8, 5.2, 8.3, 7.9, 6.0])

# --------------------------------------------------------------------------------------------
# Output schemas
# --------------------------------------------------------------------------------------------

_TS = pa.timestamp("s")
_MONEY = pa.decimal128(12, 2)
_ARROW_TYPES: dict[str, pa.DataType] = {
    "id": pa.int64(),
    "text": pa.string(),
    "code": pa.string(),
    "number": _MONEY,
    "integer": pa.int32(),
    "timestamp": _TS,
}
SCHEMAS: dict[str, pa.Schema] = {
    source.name: pa.schema([(column.name, _ARROW_TYPES[column.kind]) for column in source.columns])
    for source in load_contract().values()
}
"""Arrow schema of each source, from the contract's columns and kinds (timestamps are stored as
``timestamp[us]`` in Parquet)."""

_TRUTH_SCHEMA = pa.schema([("customer_id", pa.int64()), ("persona", pa.string())])


# --------------------------------------------------------------------------------------------
# Time window
# --------------------------------------------------------------------------------------------


class _Window:
    """The data window and its calendar: seasonal day weights and email campaign times.

    Times are handled as int64 seconds relative to the window start; ``last`` is the last
    second of the window (``end_date`` 23:59:59).
    """

    def __init__(self, months: int, end_date: str) -> None:
        end = dt.date.fromisoformat(end_date)
        month_index = end.year * 12 + (end.month - 1) - (months - 1)
        start = dt.date(month_index // 12, month_index % 12 + 1, 1)
        self.start_epoch = calendar.timegm(start.timetuple())
        self.n_days = (end - start).days + 1
        self.last = self.n_days * DAY - 1

        days = np.datetime64(start.isoformat(), "D") + np.arange(self.n_days)
        month_start = days.astype("datetime64[M]")
        month = month_start.astype(np.int64) % 12 + 1
        day_of_month = (days - month_start.astype("datetime64[D]")).astype(np.int64) + 1
        weekday = (days.astype(np.int64) + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
        fourth_friday = (day_of_month >= 23) & (day_of_month <= 29)
        self.black_friday = (month == 11) & (weekday == 4) & fourth_friday
        weights = np.ones(self.n_days)
        weights[month == 1] = 0.80
        weights[month == 2] = 0.90
        weights[(month == 7) | (month == 8)] = 0.95
        weights[month == 11] = 1.45
        weights[(month == 12) & (day_of_month <= 22)] = 1.80
        weights[weekday >= 5] *= 1.15
        bf_days = np.flatnonzero(self.black_friday)
        for offset in range(4):  # Black Friday to Cyber Monday
            weights[np.minimum(bf_days + offset, self.n_days - 1)] = 3.0
        self.day_weight = weights
        self.cum_weight = np.concatenate([[0.0], np.cumsum(weights)])
        self._month = month
        self._day_of_month = day_of_month

    def campaign_times(self, rng: np.random.Generator) -> np.ndarray:
        """Send times of the email campaigns: one a month, plus one on Black Friday."""
        month_first = np.flatnonzero(self._day_of_month == 1)
        month_len = np.diff(np.append(month_first, self.n_days))
        day = month_first + 1 + (rng.random(month_first.size) * (month_len - 3)).astype(np.int64)
        extra_bf = np.flatnonzero(self.black_friday)
        days = np.concatenate([day, extra_bf])
        times = days * DAY + 9 * HOUR + rng.integers(0, 2 * HOUR, days.size)
        times = np.sort(times)
        return times[times <= self.last - 2 * HOUR]

    def cdf(self, t: np.ndarray) -> np.ndarray:
        """Cumulative seasonal weight at relative second ``t``."""
        day = np.minimum(t // DAY, self.n_days - 1)
        return self.cum_weight[day] + self.day_weight[day] * ((t - day * DAY) / DAY)

    def sample(
        self,
        rng: np.random.Generator,
        lo: np.ndarray,
        hi: np.ndarray,
        store: np.ndarray | None = None,
        stratum: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Seasonal random times in ``[lo, hi]`` (elementwise), at realistic hours of the day.

        The day is drawn proportionally to the seasonal day weights restricted to the interval;
        the time of day follows ``HOUR_WEIGHTS`` (store purchases: opening hours). With
        ``stratum = (index, count)`` the seasonal weight of the interval is cut into ``count``
        equal parts and each time falls in part ``index``: a regular rhythm that still follows
        the season (``count`` 0 means unstratified).
        """
        n = lo.size
        fraction = rng.random(n)
        if stratum is not None:
            index, count = stratum
            fraction = np.where(count > 0, (index + fraction) / np.maximum(count, 1), fraction)
        u = self.cdf(lo) + fraction * (self.cdf(hi) - self.cdf(lo))
        day = np.clip(np.searchsorted(self.cum_weight, u, side="right") - 1, 0, self.n_days - 1)
        t = day * DAY + _time_of_day(rng, n, store)
        span = np.minimum(hi - lo, 6 * HOUR)
        jitter = (rng.random(n) * span).astype(np.int64)
        t = np.where(t < lo, lo + jitter, t)
        t = np.where(t > hi, hi - jitter, t)
        return t


def _time_of_day(rng: np.random.Generator, n: int, store: np.ndarray | None) -> np.ndarray:
    """Seconds after midnight: online by ``HOUR_WEIGHTS``, store visits in opening hours."""
    cum = np.cumsum(HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    hour = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), 23)
    if store is not None:
        store_hour = rng.integers(STORE_OPEN_HOUR, STORE_CLOSE_HOUR, n)
        hour = np.where(store, store_hour, hour)
    return hour * HOUR + rng.integers(0, HOUR, n)


# --------------------------------------------------------------------------------------------
# Vectorised helpers
# --------------------------------------------------------------------------------------------


def _allocate(total: int, shares: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``shares`` (largest remainder)."""
    raw = shares / shares.sum() * total
    counts = np.floor(raw).astype(np.int64)
    remainder = total - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def _pick(
    rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """One categorical draw per row of ``probs`` (or of ``probs[rows]``); returns column indices."""
    cum = np.cumsum(probs, axis=1)
    if rows is not None:
        cum = cum[rows]
    u = rng.random(cum.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of sizes ``counts``: the group of each element and its position in the group."""
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - np.repeat(starts, counts)


def _beta_around(rng: np.random.Generator, mean: np.ndarray, concentration: float) -> np.ndarray:
    """Beta draws with the given means (higher ``concentration``: less spread)."""
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


def _ts(seconds: np.ndarray) -> pa.Array:
    """``timestamp[s]`` array from int64 epoch seconds."""
    return pa.array(seconds.astype("datetime64[s]"))


def _money(cents: np.ndarray) -> pa.Array:
    """Decimal(12, 2) array from int64 cents, built directly from its 128-bit buffer."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    buffer = np.empty((cents.size, 2), dtype=np.int64)
    buffer[:, 0] = cents
    buffer[:, 1] = cents >> 63
    return pa.Array.from_buffers(_MONEY, cents.size, [None, pa.py_buffer(buffer)])


def _labels(values: np.ndarray, codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """String array ``values[codes]``, null where ``null`` is true."""
    return pa.array(values.tolist(), pa.string()).take(pa.array(codes, mask=null))


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


class _Catalogue:
    """The product catalogue and, per category, its products sorted by price."""

    def __init__(self, rng: np.random.Generator) -> None:
        categories, prices, names = [], [], []
        for code, count in enumerate(PRODUCTS_PER_CATEGORY):
            price = PRICE_MEDIAN[code] * np.exp(PRICE_SIGMA[code] * rng.standard_normal(count))
            cents = np.maximum(np.round(price) * 100 - 1, 199).astype(np.int64)
            combos = rng.choice(len(BRANDS) * len(PRODUCT_NOUNS[code]), count, replace=False)
            nouns = PRODUCT_NOUNS[code]
            names += [f"{BRANDS[c // len(nouns)]} {nouns[c % len(nouns)]}" for c in combos]
            categories.append(np.full(count, code))
            prices.append(cents)
        category = np.concatenate(categories)
        cents = np.concatenate(prices)
        order = rng.permutation(category.size)  # product ids do not follow the category
        self.category = category[order]
        self.list_cents = cents[order]
        self.names = np.array(names, dtype=object)[order]
        self.product_id = np.arange(1, category.size + 1, dtype=np.int64)
        by_price = np.lexsort((self.list_cents, self.category))
        self.sorted_index = by_price
        self.cat_count = np.bincount(self.category, minlength=len(CATEGORIES))
        self.cat_offset = np.cumsum(self.cat_count) - self.cat_count

    def table(self) -> pa.Table:
        """The ``products`` source."""
        return pa.Table.from_arrays(
            [
                pa.array(self.product_id),
                pa.array(self.names.tolist(), pa.string()),
                _labels(CATEGORIES, self.category),
                _money(self.list_cents),
            ],
            schema=SCHEMAS["products"],
        )

    def pick(self, category: np.ndarray, quantile: np.ndarray) -> np.ndarray:
        """Index of the product at price ``quantile`` (0..1) within each ``category``."""
        count = self.cat_count[category]
        rank = np.minimum((quantile * count).astype(np.int64), count - 1)
        return self.sorted_index[self.cat_offset[category] + rank]


def _customers_skeleton(
    rng: np.random.Generator, n: int, window: _Window
) -> tuple[np.ndarray, np.ndarray]:
    """Persona and signup second of every customer, ordered by signup (= customer id order)."""
    shares = np.array([PERSONA_SHARES[p] for p in PERSONAS])
    persona = rng.permutation(np.repeat(np.arange(len(PERSONAS)), _allocate(n, shares)))
    lo, hi, a, b = (SIGNUP_RANGE[persona, k] for k in range(4))
    signup = ((lo + (hi - lo) * rng.beta(a, b)) * window.last).astype(np.int64)
    new = persona == NEW
    new_lo = max(window.last - NEW_TENURE_DAYS[1] * DAY, 0)
    new_hi = max(window.last - NEW_TENURE_DAYS[0] * DAY, new_lo)
    signup[new] = new_lo + (rng.random(new.sum()) * (new_hi - new_lo)).astype(np.int64)
    signup = np.clip(signup, 0, window.last)
    order = np.argsort(signup, kind="stable")
    return persona[order], signup[order]


class _Block:
    """Per-customer state of one block of customers, shared by the per-source generators."""

    def __init__(
        self,
        rng: np.random.Generator,
        first_id: int,
        persona: np.ndarray,
        signup: np.ndarray,
        window: _Window,
    ) -> None:
        n = persona.size
        last = window.last
        self.rng = rng
        self.window = window
        self.n = n
        self.persona = persona
        self.signup = signup
        self.customer_id = np.arange(first_id, first_id + n, dtype=np.int64)
        self.span = last - signup
        # when buying stops: churners part-way through their tenure, lapsed 20-60 days in
        self.churned = rng.random(n) < CHURN_SHARE[persona]
        churn_at = signup + (self.span * rng.uniform(0.65, 0.90, n)).astype(np.int64)
        self.lapsed = persona == LAPSED
        lapse_at = np.minimum(signup + rng.integers(20 * DAY, 60 * DAY, n), last)
        active = np.where(self.churned, churn_at, last)
        self.active_until = np.where(self.lapsed, lapse_at, active)
        # browsing and email engagement fade some time after the last purchase
        engaged = np.where(self.churned, np.minimum(self.active_until + 60 * DAY, last), last)
        self.engaged_until = np.where(
            self.lapsed, np.minimum(self.active_until + 90 * DAY, last), engaged
        )


class _Orders:
    """The orders of a block that later sources depend on (indices into the block)."""

    def __init__(
        self, owner: np.ndarray, ordered: np.ndarray, channel: np.ndarray, status: np.ndarray
    ) -> None:
        self.owner = owner
        self.ordered = ordered
        self.channel = channel
        self.status = status


class _Offsets:
    """Running id offsets of the per-block tables."""

    def __init__(self) -> None:
        self.order = 0
        self.event = 0
        self.ticket = 0
        self.response = 0


def _customers_table(block: _Block) -> pa.Table:
    """The ``customers`` rows of a block (demographics loosely follow the persona)."""
    rng, n, persona = block.rng, block.n, block.persona
    country = _pick(rng, COUNTRY_SHARES[None, :], np.zeros(n, dtype=np.int64))
    channel = _pick(rng, ACQUISITION_BY_PERSONA, persona)
    birth_year = np.clip(
        np.round(BIRTH_YEAR_MEAN[persona] + 11.0 * rng.standard_normal(n)), 1940, 2007
    ).astype(np.int32)
    birth_null = rng.random(n) < 0.10
    gender = _pick(rng, GENDER_BY_PERSONA, persona)
    gender_null = rng.random(n) < 0.15
    ids = block.customer_id.astype(str)
    email = pa.array(np.char.add(np.char.add("customer", ids), "@example.com"))
    return pa.Table.from_arrays(
        [
            pa.array(block.customer_id),
            _ts(block.window.start_epoch + block.signup),
            _labels(COUNTRIES, country),
            _labels(REGION_OF_COUNTRY, country),
            _labels(ACQUISITION_CHANNELS, channel),
            pa.array(birth_year, mask=birth_null),
            _labels(GENDERS, gender, gender_null),
            email,
        ],
        schema=SCHEMAS["customers"],
    )


def _orders_tables(
    block: _Block, catalogue: _Catalogue, offsets: _Offsets
) -> tuple[pa.Table, pa.Table, _Orders]:
    """Orders and their lines; ids follow order time within the block."""
    rng, n, persona, signup = block.rng, block.n, block.persona, block.signup
    n_orders = rng.integers(ORDERS_MIN[persona], ORDERS_MAX[persona] + 1)
    # first order soon after signup (a third within the signup session), the rest seasonal
    quick = rng.random(n) < 0.35
    delay = np.where(
        quick, rng.integers(2 * MINUTE, 90 * MINUTE, n), rng.exponential(2.5, n) * DAY
    ).astype(np.int64)
    first_order = signup + np.minimum(delay, (block.active_until - signup) // 2)

    owner, position = _expand(n_orders)
    o_persona = persona[owner]
    n_o = owner.size
    channel = _pick(rng, CHANNEL_BY_PERSONA, o_persona)
    # regular personas spread their later orders evenly (in seasonal time) over their activity
    regular = REGULAR_RHYTHM[o_persona]
    stratum = (np.maximum(position - 1, 0), np.where(regular, n_orders[owner] - 1, 0))
    later = block.window.sample(
        rng, first_order[owner], block.active_until[owner], channel == STORE, stratum
    )
    ordered = np.where(position == 0, first_order[owner], later)
    status = _pick(rng, STATUS_BY_PERSONA, o_persona)

    # lines: category from the customer's own mix, product by the persona's price tier
    n_lines = 1 + np.minimum(rng.poisson(EXTRA_LINES_MEAN[o_persona]), 5)
    line_owner, line_position = _expand(n_lines)
    l_customer = owner[line_owner]
    l_persona = persona[l_customer]
    mix = rng.standard_gamma(CATEGORY_CONCENTRATION * CATEGORY_BY_PERSONA[persona])
    mix /= mix.sum(axis=1, keepdims=True)
    category = _pick(rng, mix, l_customer)
    tier = rng.beta(PRICE_TIER_BETA[l_persona, 0], PRICE_TIER_BETA[l_persona, 1])
    product = catalogue.pick(category, tier)
    quantity = 1 + _pick(rng, QUANTITY_PROBS, (category == GROCERY).astype(np.int64))
    unit = catalogue.list_cents[product]
    varied = rng.random(unit.size) < 0.12
    unit = np.where(varied, np.round(unit * rng.uniform(0.90, 1.05, unit.size)), unit)
    unit = np.maximum(unit, 99).astype(np.int64)
    gross = np.bincount(line_owner, weights=quantity * unit, minlength=n_o).astype(np.int64)
    discounted = rng.random(n_o) < DISCOUNT_PROB[o_persona]
    rate = rng.uniform(DISCOUNT_RATE[o_persona, 0], DISCOUNT_RATE[o_persona, 1])
    discount = np.where(discounted, np.round(gross * rate), 0).astype(np.int64)
    amount = gross - discount

    o_customer_id = block.customer_id[owner]
    rank = np.lexsort((o_customer_id, ordered))
    order_id = np.empty(n_o, dtype=np.int64)
    order_id[rank] = offsets.order + 1 + np.arange(n_o)
    offsets.order += n_o
    orders = pa.Table.from_arrays(
        [
            pa.array(order_id[rank]),
            pa.array(o_customer_id[rank]),
            _ts(block.window.start_epoch + ordered[rank]),
            _labels(ORDER_STATUSES, status[rank]),
            _labels(SALES_CHANNELS, channel[rank]),
            _money(amount[rank]),
            _money(discount[rank]),
        ],
        schema=SCHEMAS["orders"],
    )
    l_order_id = order_id[line_owner]
    line_rank = np.argsort(l_order_id, kind="stable")
    items = pa.Table.from_arrays(
        [
            pa.array(l_order_id[line_rank]),
            pa.array((line_position[line_rank] + 1).astype(np.int32)),
            pa.array(catalogue.product_id[product[line_rank]]),
            pa.array(quantity[line_rank].astype(np.int32)),
            _money(unit[line_rank]),
        ],
        schema=SCHEMAS["order_items"],
    )
    return orders, items, _Orders(owner, ordered, channel, status)


def _email_events(
    block: _Block, campaigns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Welcome series and campaign deliveries after signup (until unsubscribing), opens, clicks."""
    rng, n, persona, signup = block.rng, block.n, block.persona, block.signup
    last = block.window.last
    unsub = rng.random(n) < UNSUBSCRIBE_SHARE[persona]
    unsub_at = np.where(
        block.lapsed,
        signup + (rng.exponential(120.0, n) * DAY).astype(np.int64),
        signup + (rng.random(n) * block.span).astype(np.int64),
    )
    unsubscribe = np.where(unsub, unsub_at, last + 1)
    unsubscribe = np.where(rng.random(n) < EMAIL_OPT_IN[persona], unsubscribe, signup)
    first = np.searchsorted(campaigns, signup, side="right")
    stop = np.searchsorted(campaigns, unsubscribe, side="left")
    owner, position = _expand(np.maximum(stop - first, 0))
    delivered = campaigns[first[owner] + position]
    w_owner = np.repeat(np.arange(n), WELCOME_EMAIL_DAYS.size)
    w_sent = signup[w_owner] + 10 * MINUTE + (np.tile(WELCOME_EMAIL_DAYS, n) * DAY).astype(np.int64)
    w_keep = (w_sent < unsubscribe[w_owner]) & (w_sent <= last - 30 * MINUTE)
    owner = np.concatenate([w_owner[w_keep], owner])
    delivered = np.concatenate([w_sent[w_keep], delivered])
    del position, w_owner, w_sent, w_keep
    keep = rng.random(owner.size) < DELIVERY_RATE
    owner, delivered = owner[keep], delivered[keep]
    delivered += rng.integers(0, 30 * MINUTE, owner.size)

    open_rate = _beta_around(rng, OPEN_RATE[persona], RATE_CONCENTRATION)
    click_rate = _beta_around(rng, CLICK_GIVEN_OPEN[persona], RATE_CONCENTRATION)
    is_open = rng.random(owner.size) < open_rate[owner]
    o_owner = owner[is_open]
    opened = delivered[is_open] + MINUTE
    opened += np.minimum(rng.exponential(6 * HOUR, o_owner.size), 7 * DAY).astype(np.int64)
    in_window = opened <= last
    o_owner, opened = o_owner[in_window], opened[in_window]
    is_click = rng.random(o_owner.size) < click_rate[o_owner]
    c_owner = o_owner[is_click]
    clicked = opened[is_click] + rng.integers(5, 15 * MINUTE, c_owner.size)
    in_window = clicked <= last
    c_owner, clicked = c_owner[in_window], clicked[in_window]
    types = np.repeat(
        np.array([DELIVERED, OPENED, CLICKED], dtype=np.int8),
        [owner.size, o_owner.size, c_owner.size],
    )
    return (
        np.concatenate([owner, o_owner, c_owner]),
        np.concatenate([delivered, opened, clicked]),
        types,
    )


def _session_events(block: _Block, orders: _Orders) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A session just before each online order, plus browsing sessions by persona."""
    rng, persona, signup = block.rng, block.persona, block.signup
    online = orders.channel != STORE
    s_owner = orders.owner[online]
    s_time = orders.ordered[online] - rng.integers(MINUTE, 45 * MINUTE, s_owner.size)
    s_time = np.maximum(s_time, signup[s_owner])
    s_type = np.where(orders.channel[online] == APP, APP_SESSION, WEB_SESSION).astype(np.int8)

    months = (block.engaged_until - signup) / MONTH
    web = rng.poisson(BROWSE_PER_MONTH[persona, 0] * months)
    app = rng.poisson(BROWSE_PER_MONTH[persona, 1] * months)
    b_owner, b_pos = _expand(web + app)
    b_type = np.where(b_pos < web[b_owner], WEB_SESSION, APP_SESSION).astype(np.int8)
    b_time = block.window.sample(rng, signup[b_owner], block.engaged_until[b_owner])
    return (
        np.concatenate([s_owner, b_owner]),
        np.concatenate([s_time, b_time]),
        np.concatenate([s_type, b_type]),
    )


def _events_table(
    block: _Block, orders: _Orders, campaigns: np.ndarray, offsets: _Offsets
) -> pa.Table:
    """Engagement events; ids follow event time within the block."""
    e_owner, e_time, e_type = _email_events(block, campaigns)
    s_owner, s_time, s_type = _session_events(block, orders)
    owner = np.concatenate([e_owner, s_owner])
    del e_owner, s_owner
    occurred = np.concatenate([e_time, s_time])
    del e_time, s_time
    event_type = np.concatenate([e_type, s_type])
    # same order as np.lexsort((event_type, owner, occurred)), faster as one int64 key
    rank = np.argsort((occurred * block.n + owner) * 8 + event_type, kind="stable")
    n_ev = rank.size
    table = pa.Table.from_arrays(
        [
            pa.array(offsets.event + 1 + np.arange(n_ev, dtype=np.int64)),
            pa.array(block.customer_id[owner[rank]]),
            _ts(block.window.start_epoch + occurred[rank]),
            _labels(EVENT_TYPES, event_type[rank]),
        ],
        schema=SCHEMAS["engagement_events"],
    )
    offsets.event += n_ev
    return table


def _tickets_table(block: _Block, orders: _Orders, offsets: _Offsets) -> pa.Table:
    """Support tickets about orders (mostly returns and cancellations) and about accounts."""
    rng, n, signup, last = block.rng, block.n, block.signup, block.window.last
    about_order = rng.random(orders.owner.size) < TICKET_PER_ORDER[orders.status]
    account = rng.poisson(ACCOUNT_TICKETS_MEAN, n)
    a_owner = np.repeat(np.arange(n), account)
    a_time = signup[a_owner] + (rng.random(a_owner.size) * block.span[a_owner]).astype(np.int64)
    owner = np.concatenate([orders.owner[about_order], a_owner])
    opened = np.concatenate([orders.ordered[about_order], a_time]) + HOUR
    opened += (rng.exponential(3.0, owner.size) * DAY).astype(np.int64)
    in_window = opened <= last
    owner, opened = owner[in_window], opened[in_window]
    n_t = owner.size
    resolve_hours = rng.lognormal(np.log(20.0), 1.0, n_t)
    resolved = opened + 10 * MINUTE + (resolve_hours * HOUR).astype(np.int64)
    unresolved = (rng.random(n_t) < UNRESOLVED_SHARE) | (resolved > last)
    satisfaction = 1 + _pick(rng, SATISFACTION_BY_PERSONA, block.persona[owner])
    no_score = unresolved | (rng.random(n_t) >= SATISFACTION_PRESENT)
    rank = np.lexsort((owner, opened))
    start = block.window.start_epoch
    table = pa.Table.from_arrays(
        [
            pa.array(offsets.ticket + 1 + np.arange(n_t, dtype=np.int64)),
            pa.array(block.customer_id[owner[rank]]),
            _ts(start + opened[rank]),
            pa.array((start + resolved[rank]).astype("datetime64[s]"), mask=unresolved[rank]),
            pa.array(satisfaction[rank].astype(np.int32), mask=no_score[rank]),
        ],
        schema=SCHEMAS["support_tickets"],
    )
    offsets.ticket += n_t
    return table


def _nps_table(block: _Block, offsets: _Offsets) -> pa.Table:
    """NPS survey answers: some customers answer once or twice, two weeks after signup or later."""
    rng, n, persona, last = block.rng, block.n, block.persona, block.window.last
    responds = rng.random(n) < NPS_RESPONSE_SHARE[persona]
    count = np.where(responds, 1 + (rng.random(n) < 0.3), 0)
    owner = np.repeat(np.arange(n), count)
    lo = np.minimum(block.signup[owner] + 14 * DAY, last)
    responded = lo + (rng.random(owner.size) * (last - lo)).astype(np.int64)
    score = NPS_MEAN[persona[owner]] + 1.6 * rng.standard_normal(owner.size)
    score = np.clip(np.round(score), 0, 10).astype(np.int32)
    rank = np.lexsort((owner, responded))
    n_r = rank.size
    table = pa.Table.from_arrays(
        [
            pa.array(offsets.response + 1 + np.arange(n_r, dtype=np.int64)),
            pa.array(block.customer_id[owner[rank]]),
            _ts(block.window.start_epoch + responded[rank]),
            pa.array(score[rank]),
        ],
        schema=SCHEMAS["nps_responses"],
    )
    offsets.response += n_r
    return table


def _write_block(
    block: _Block,
    catalogue: _Catalogue,
    campaigns: np.ndarray,
    offsets: _Offsets,
    sinks: dict[str, _Sink],
) -> None:
    """Generate and write every per-customer source of one block (in a fixed draw order)."""
    sinks["customers"].write(_customers_table(block))
    orders_table, items_table, orders = _orders_tables(block, catalogue, offsets)
    sinks["orders"].write(orders_table)
    sinks["order_items"].write(items_table)
    del orders_table, items_table
    sinks["engagement_events"].write(_events_table(block, orders, campaigns, offsets))
    sinks["support_tickets"].write(_tickets_table(block, orders, offsets))
    sinks["nps_responses"].write(_nps_table(block, offsets))


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


class _Sink:
    """Appends tables of one schema to a CSV or Parquet file."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.fmt = fmt
        self.rows = 0
        if fmt == "parquet":
            strings = [field.name for field in schema if pa.types.is_string(field.type)]
            delta = {
                field.name: "DELTA_BINARY_PACKED"
                for field in schema
                if pa.types.is_int64(field.type) or pa.types.is_timestamp(field.type)
            }
            self._writer = pq.ParquetWriter(
                path,
                schema,
                compression="zstd",
                use_dictionary=strings,
                column_encoding=delta,
                coerce_timestamps="us",
            )
        else:
            self._file = pa.OSFile(str(path), "wb")
            self._file.write((",".join(schema.names) + "\n").encode())
            self._options = pa_csv.WriteOptions(include_header=False, quoting_style="none")

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if table.num_rows == 0:
            return
        if self.fmt == "parquet":
            self._writer.write_table(table)
        else:
            pa_csv.write_csv(table, self._file, self._options)

    def close(self) -> None:
        if self.fmt == "parquet":
            self._writer.close()
        else:
            self._file.close()


def generate(
    customers: int,
    out_dir: str | Path,
    fmt: str = "csv",
    seed: int = 42,
    months: int = 36,
    end_date: str = "2026-10-31",
    truth_path: str | Path | None = None,
) -> dict[str, int]:
    """Write the synthetic data set and return the number of rows written per source.

    Args:
        customers: number of customers (ids 1..customers, in signup order).
        out_dir: directory receiving ``<source>.csv`` or ``<source>.parquet`` (created if needed;
            existing files of those names are overwritten).
        fmt: ``"csv"`` or ``"parquet"``.
        seed: seed of the numpy random generator; the output is a pure function of the arguments.
        months: length of the data window in calendar months, ending with the month of
            ``end_date``; all timestamps fall in ``[first day 00:00:00, end_date 23:59:59]``.
        end_date: last day of the data window, ``YYYY-MM-DD``.
        truth_path: if given, CSV file receiving ``customer_id,persona`` (the planted ground
            truth, which is never written to the sources).

    Returns:
        ``{source: row_count}`` for the seven sources, in ``SOURCES`` order.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet' (got {fmt!r})")
    if isinstance(customers, bool) or not isinstance(customers, int) or customers < 0:
        raise ValueError(f"customers must be an int >= 0 (got {customers!r})")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError(f"months must be an int >= 1 (got {months!r})")
    window = _Window(months, end_date)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(seed)
    catalogue = _Catalogue(rng)
    campaigns = window.campaign_times(rng)
    persona, signup = _customers_skeleton(rng, customers, window)

    sinks = {name: _Sink(out / f"{name}.{fmt}", SCHEMAS[name], fmt) for name in SOURCES}
    try:
        sinks["products"].write(catalogue.table())
        offsets = _Offsets()
        for index, begin in enumerate(range(0, customers, CHUNK_CUSTOMERS)):
            end = min(begin + CHUNK_CUSTOMERS, customers)
            block_rng = np.random.default_rng([seed, index + 1])
            block = _Block(block_rng, begin + 1, persona[begin:end], signup[begin:end], window)
            _write_block(block, catalogue, campaigns, offsets, sinks)
    finally:
        for sink in sinks.values():
            sink.close()

    if truth_path is not None:
        truth = Path(truth_path)
        truth.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_arrays(
            [
                pa.array(np.arange(1, customers + 1, dtype=np.int64)),
                _labels(np.array(PERSONAS), persona),
            ],
            schema=_TRUTH_SCHEMA,
        )
        with pa.OSFile(str(truth), "wb") as handle:
            handle.write(b"customer_id,persona\n")
            if customers:
                pa_csv.write_csv(
                    table,
                    handle,
                    pa_csv.WriteOptions(include_header=False, quoting_style="none"),
                )
    return {name: sinks[name].rows for name in SOURCES}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (``python -m segmentation.demo_data``)."""
    parser = argparse.ArgumentParser(
        prog="python -m segmentation.demo_data",
        description="Write the deterministic synthetic retail demo data set.",
    )
    parser.add_argument("--customers", type=int, default=2000, help="number of customers")
    parser.add_argument("--out", default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", dest="fmt")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--months", type=int, default=36, help="calendar months in the window")
    parser.add_argument("--end-date", default="2026-10-31", help="last day of the window")
    parser.add_argument(
        "--truth",
        default=DEFAULT_TRUTH,
        help="CSV receiving customer_id,persona (empty string: do not write it)",
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        counts = generate(
            args.customers,
            args.out,
            fmt=args.fmt,
            seed=args.seed,
            months=args.months,
            end_date=args.end_date,
            truth_path=args.truth or None,
        )
    except ValueError as error:
        parser.error(str(error))
    elapsed = time.perf_counter() - began
    for name, rows in counts.items():
        print(f"{name:<20} {rows:>12,} rows")
    print(f"wrote {args.out} ({args.fmt}) in {elapsed:.1f}s")
    if args.truth:
        print(f"truth: {args.truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
