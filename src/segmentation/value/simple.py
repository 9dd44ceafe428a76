"""The stated simple estimates used when every fitted model is degenerate.

Purchases ("simple"): each customer buys at a rate shrunk toward the population rate, and is
alive until the silence since the last purchase exceeds their usual gap, then with a probability
that decays with every further gap:

    rate_i = (x + 1) / (T + 1 / population_rate)       (one pseudo-purchase at the pooled rate)
    gap_i = (t_x + mean_gap) / (x + 1)                 (own gaps, shrunk with one pooled gap)
    P(alive)_i = exp(-max(0, T - t_x - gap_i) / gap_i)
    E[purchases in t] = P(alive)_i * rate_i * t

Spend ("simple_spend"): the customer's mean value per repeat purchase day shrunk toward the
population mean with the weight of one purchase, (x m + population_mean) / (x + 1).

Both are finite for every customer and need no optimiser; they are reported as "simple" in the
model parameters so that nobody mistakes them for a fitted BTYD model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from segmentation.value.utils import _as_array, _check_bgnbd_data, _dot

SIMPLE_MODEL = "simple"
SIMPLE_PARAMS = ("population_rate", "mean_gap")
SIMPLE_SPEND_MODEL = "simple_spend"
SIMPLE_SPEND_PARAMS = ("population_mean",)


def fit_simple(frequency: Any, recency: Any, T: Any, weights: Any = None) -> dict[str, float]:
    """Return the simple purchase estimate's parameters from the summary (same time unit).

    population_rate = repeat purchases / time observed, over everyone (a floor of one
    purchase per total time when nobody repeated); mean_gap = mean time between repeat
    purchases of the repeat buyers, or the mean age when there are none.
    """
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    x, tx, age = np.atleast_1d(x), np.atleast_1d(tx), np.atleast_1d(age)
    w = np.ones(x.size) if weights is None else np.atleast_1d(_as_array(weights, "weights"))
    total_time = max(_dot(w, age), 1.0)
    rate = max(_dot(w, x), 1.0) / total_time
    repeat = x > 0
    if np.any(repeat & (w > 0)):
        mean_gap = _dot(w[repeat], tx[repeat]) / _dot(w[repeat], x[repeat])
    else:
        mean_gap = total_time / max(w.sum(), 1.0)
    return {"population_rate": float(rate), "mean_gap": float(max(mean_gap, 1.0))}


def simple_probability_alive(
    params: dict[str, float], frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Return exp(-max(0, T - t_x - gap) / gap), gap = (t_x + mean_gap) / (x + 1).

    1 while the silence is within the customer's usual gap, then falling with every further gap.
    """
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    gap = (tx + float(params["mean_gap"])) / (x + 1.0)
    return np.exp(-np.maximum(age - tx - gap, 0.0) / gap)


def simple_expected_purchases(
    params: dict[str, float], t: Any, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Return P(alive) * (x + 1) / (T + 1 / population_rate) * t."""
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    horizon = _as_array(t, "t")
    rate = (x + 1.0) / (age + 1.0 / float(params["population_rate"]))
    return simple_probability_alive(params, x, tx, age) * rate * horizon


def fit_simple_spend(
    frequency: Any, monetary_value: Any, weights: Any = None, purchase_value: Any = None
) -> dict[str, float]:
    """Return population_mean: the customer-weighted mean of the mean spend of repeat buyers.

    With no repeat buyer, the mean of `purchase_value` (each customer's mean value per purchase
    day, first purchase included) stands in, so one-time buyers still get a value.
    """
    x = np.atleast_1d(_as_array(frequency, "frequency"))
    w = np.ones(x.size) if weights is None else np.atleast_1d(_as_array(weights, "weights"))
    for values, rows in ((monetary_value, x > 0), (purchase_value, np.ones(x.size, bool))):
        if values is None:
            continue
        m = np.atleast_1d(np.asarray(values, dtype=float))
        keep = rows & np.isfinite(m) & (m > 0) & (w > 0)
        if keep.any():
            return {"population_mean": float(_dot(w[keep], m[keep]) / w[keep].sum())}
    return {"population_mean": 0.0}
