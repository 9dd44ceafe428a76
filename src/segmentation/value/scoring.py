"""Score customers with a chosen fit: probability alive, expected purchases, value in money.

`score_purchase_summaries` is the warehouse's scoring step (distinct summaries, the purchase
model); `score_customers` is the full reference the SQL is tested against (purchases, spend,
revenue and discounted margin).

Money terms: predicted_revenue = expected purchase days over the horizon x expected value per
purchase day (undiscounted); predicted_value = margin x the same revenue discounted at an annual
rate: the horizon is cut into months (365.25 / 12 days, the last may be partial) and what is
expected in month k is discounted by (1 + annual rate)^-(k / 12), k counted at the month's end.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from segmentation.value.beta_geo import _probability_alive
from segmentation.value.fitting import EXPECTED_PURCHASES, chosen_params
from segmentation.value.modified_beta_geo import _mbgnbd_probability_alive
from segmentation.value.simple import SIMPLE_MODEL, SIMPLE_PARAMS, simple_probability_alive
from segmentation.value.utils import (
    BGNBD_MODEL,
    DAYS_PER_MONTH,
    DAYS_PER_UNIT,
    GAMMA_GAMMA_MODEL,
    ID_COLUMN,
    MBGNBD_MODEL,
    SUMMARY_COLUMNS,
    _as_array,
    _check_bgnbd_data,
    _summary_frame,
)

SCORE_COLUMNS = (
    "probability_alive",
    "expected_orders",
    "expected_order_value",
    "predicted_revenue",
    "predicted_value",
)


def _check_rate(value: Any, name: str, upper: float | None = None) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not (math.isfinite(value) and value >= 0 and (upper is None or value <= upper))
    ):
        bound = f" and <= {upper}" if upper is not None else ""
        raise ValueError(f"{name} must be a finite number >= 0{bound} (got {value!r})")
    return float(value)


def probability_alive(model: str, params: dict[str, float], x, tx, age) -> np.ndarray:
    """Return P(alive at T) under the named purchase model (bg_nbd, mbg_nbd or simple)."""
    if model == BGNBD_MODEL:
        return _probability_alive(
            params["r"], params["alpha"], params["a"], params["b"], x, tx, age
        )
    if model == MBGNBD_MODEL:
        return _mbgnbd_probability_alive(
            params["r"], params["alpha"], params["a"], params["b"], x, tx, age
        )
    if model == SIMPLE_MODEL:
        return simple_probability_alive(params, x, tx, age)
    raise ValueError(f"unknown purchase model {model!r}")


def expected_purchases(model: str, params: dict[str, float], t, x, tx, age) -> np.ndarray:
    """Return expected purchases in the next `t` time units under the named purchase model."""
    if model not in EXPECTED_PURCHASES:
        raise ValueError(f"unknown purchase model {model!r}")
    with np.errstate(all="ignore"):
        return EXPECTED_PURCHASES[model](params, t, x, tx, age)


def discounted_purchases(
    model: str,
    params: dict[str, float],
    horizon: np.ndarray,
    x,
    tx,
    age,
    annual_discount_rate: float,
    unit_days: float,
) -> np.ndarray:
    """Return the purchases expected within `horizon`, month by month, discounted (see module)."""
    horizon = np.asarray(horizon, dtype=float)
    month = DAYS_PER_MONTH / unit_days
    total = np.zeros(np.broadcast(horizon, x).shape)
    previous = np.zeros_like(total)
    k = 1
    while True:
        end = np.minimum(k * month, horizon)
        cumulative = expected_purchases(model, params, end, x, tx, age)
        months = np.minimum(k, horizon / month)
        total = total + (cumulative - previous) * (1.0 + annual_discount_rate) ** (-months / 12.0)
        previous = cumulative
        if np.all(k * month >= horizon):
            return total
        k += 1


def expected_order_value(spend_model: str, params: dict[str, float], x, m) -> np.ndarray:
    """Return the expected value of a future purchase day under the chosen spend model."""
    if spend_model == GAMMA_GAMMA_MODEL:
        p, q, v = params["p"], params["q"], params["v"]
        return p * (v + x * m) / (p * x + q - 1.0)
    return (x * m + params["population_mean"]) / (x + 1.0)


def score_purchase_summaries(
    inputs: pd.DataFrame, params_table: pd.DataFrame, annual_discount_rate: float = 0.0
) -> pd.DataFrame:
    """Score distinct purchase summaries with a fit's chosen purchase model.

    `inputs` has frequency (repeat purchase days), recency_days (first to last purchase day),
    age_days (first purchase to period end) and horizon_days (per row); `params_table` is one
    fit of `fitting.fit_value_models`. Returns `inputs` with probability_alive,
    expected_orders (purchase days over the horizon) and discounted_expected_orders added,
    all finite. The spend part is a closed form the warehouse computes in SQL.
    """
    frame = _summary_frame(inputs, ("frequency", "recency_days", "age_days", "horizon_days"))
    rate = _check_rate(annual_discount_rate, "annual_discount_rate", 10.0)
    model, params, _, _, time_unit = chosen_params(params_table)
    unit_days = DAYS_PER_UNIT[time_unit]
    x, tx, age = _check_bgnbd_data(
        frame["frequency"], frame["recency_days"], frame["age_days"], strict_recency=False
    )
    tx, age = tx / unit_days, age / unit_days
    horizon = _as_array(frame["horizon_days"], "horizon_days") / unit_days
    scored = frame.copy()
    scored["probability_alive"] = probability_alive(model, params, x, tx, age)
    scored["expected_orders"] = expected_purchases(model, params, horizon, x, tx, age)
    scored["discounted_expected_orders"] = discounted_purchases(
        model, params, horizon, x, tx, age, rate, unit_days
    )
    columns = ["probability_alive", "expected_orders", "discounted_expected_orders"]
    broken = ~np.isfinite(scored[columns].to_numpy(float)).all(axis=1)
    if broken.any():
        # never NaN: rows the chosen model cannot evaluate get the fit's simple estimate
        simple = _simple_params(params_table)
        x, tx, age, t = x[broken], tx[broken], age[broken], horizon[broken]
        scored.loc[broken, columns[0]] = probability_alive(SIMPLE_MODEL, simple, x, tx, age)
        scored.loc[broken, columns[1]] = expected_purchases(SIMPLE_MODEL, simple, t, x, tx, age)
        scored.loc[broken, columns[2]] = discounted_purchases(
            SIMPLE_MODEL, simple, t, x, tx, age, rate, unit_days
        )
    return scored


def _simple_params(params_table: pd.DataFrame) -> dict[str, float]:
    rows = params_table[params_table["model"] == SIMPLE_MODEL]
    values = dict(zip(rows["parameter_name"], rows["parameter_value"].astype(float), strict=True))
    return {name: values[name] for name in SIMPLE_PARAMS}


def score_customers(
    summary: pd.DataFrame,
    params_table: pd.DataFrame,
    horizon: float,
    *,
    annual_discount_rate: float = 0.0,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Score each customer of `summary` with a fit (the reference for the warehouse's scoring).

    `summary` has customer_id, frequency, recency, T (days) and monetary_value (mean value per
    repeat purchase day); `horizon` is in days. Returns customer_id, probability_alive,
    expected_orders, expected_order_value, predicted_revenue (undiscounted) and
    predicted_value (margin x discounted revenue), in summary order.
    """
    frame = _summary_frame(summary, (ID_COLUMN, *SUMMARY_COLUMNS))
    model, params, spend_model, spend_params, time_unit = chosen_params(params_table)
    horizon = _check_rate(horizon, "horizon")
    rate = _check_rate(annual_discount_rate, "annual_discount_rate", 10.0)
    margin = _check_rate(margin, "margin")
    unit_days = DAYS_PER_UNIT[time_unit]
    x, tx, age = _check_bgnbd_data(
        frame["frequency"], frame["recency"], frame["T"], strict_recency=False
    )
    tx, age, t = tx / unit_days, age / unit_days, horizon / unit_days
    spend = pd.to_numeric(frame["monetary_value"], errors="coerce").to_numpy(float)
    m = np.where((x > 0) & np.isfinite(spend), np.maximum(spend, 0.0), 0.0)
    orders = expected_purchases(model, params, t, x, tx, age)
    discounted = discounted_purchases(
        model, params, np.full(x.shape, t), x, tx, age, rate, unit_days
    )
    order_value = expected_order_value(spend_model, spend_params, x, m)
    return pd.DataFrame(
        {
            ID_COLUMN: frame[ID_COLUMN].to_numpy(),
            "probability_alive": probability_alive(model, params, x, tx, age),
            "expected_orders": orders,
            "expected_order_value": order_value,
            "predicted_revenue": orders * order_value,
            "predicted_value": margin * discounted * order_value,
        },
        index=frame.index,
    )
