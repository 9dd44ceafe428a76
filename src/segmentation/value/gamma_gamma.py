"""Gamma-Gamma model of spend per transaction (Fader & Hardie 2013; Colombo & Jiang 1999).

Each transaction value is Gamma(p, nu) with nu ~ Gamma(q, v) across customers, independent of
the purchase process. Fitted on customers with at least one repeat purchase day, on the mean
value of their repeat purchase days (the first purchase is excluded, as in the papers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from segmentation.value.utils import (
    GAMMA_GAMMA_MODEL,
    GAMMA_GAMMA_PARAMS,
    _as_array,
    _by_distinct,
    _check_penalizer,
    _check_weights,
    _dot,
    _minimise,
    _params,
)


def _check_gamma_gamma_data(frequency: Any, monetary_value: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return x and mean spend as broadcast float arrays; spend is set to 0 where x = 0.

    Where frequency is 0 the mean repeat spend is undefined (NULL in SQL): any value, NaN
    included, is accepted there and ignored.
    """
    x = _as_array(frequency, "frequency")
    if isinstance(monetary_value, pd.Series | pd.Index):
        m = monetary_value.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            m = np.asarray(
                [np.nan if v is None else v for v in monetary_value]
                if isinstance(monetary_value, list)
                else monetary_value,
                dtype=float,
            )
        except (TypeError, ValueError) as error:
            raise ValueError(f"monetary_value must be numeric ({error})") from None
    try:
        x, m = np.broadcast_arrays(x, m)
    except ValueError:
        raise ValueError("frequency and monetary_value must have the same length") from None
    if m.ndim > 1:
        raise ValueError(f"monetary_value must be a scalar or 1-D (got shape {m.shape})")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must hold whole numbers >= 0 (repeat purchases)")
    positive = x > 0
    if not np.all(np.isfinite(m[positive])):
        raise ValueError("monetary_value must be finite where frequency > 0")
    if np.any(m[positive] <= 0):
        raise ValueError("monetary_value must be > 0 where frequency > 0")
    return x.astype(float), np.where(positive, m, 0.0)


def _gamma_gamma_loglik(
    log_params: np.ndarray,
    x: np.ndarray,
    m: np.ndarray,
    w: np.ndarray,
    distinct: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row Gamma-Gamma log-likelihood of the mean spend m of x > 0 orders, and the gradient
    of its `w`-weighted sum with respect to the log-parameters.

    log f = lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(v + x m)
    The gamma and digamma terms depend on x only and are evaluated once per distinct x
    (`distinct`: `_by_distinct(x, w)`, computed here if not given).
    """
    p, q, v = np.exp(log_params)
    ux, inverse, w_by_x = distinct or _by_distinct(x, w)
    pu = p * ux
    log_ux = np.log(ux)
    log_m = np.log(m)
    xm = x * m
    log_v_xm = np.log(v + xm)
    px = p * x
    loglik = (
        (gammaln(pu + q) - gammaln(pu) - gammaln(q) + pu * log_ux)[inverse]
        + q * math.log(v)
        + (px - 1.0) * log_m
        - (px + q) * log_v_xm
    )
    total_w = w_by_x.sum()
    psi_pq = digamma(pu + q)
    wx = w * x
    d_p = _dot(w_by_x * ux, psi_pq - digamma(pu) + log_ux) + _dot(wx, log_m - log_v_xm)
    d_q = _dot(w_by_x, psi_pq - digamma(q)) + total_w * math.log(v) - _dot(w, log_v_xm)
    d_v = total_w * q / v - _dot(w, (px + q) / (v + xm))
    return loglik, np.array([d_p * p, d_q * q, d_v * v])


def gamma_gamma_log_likelihood(
    params: Mapping[str, float], frequency: Any, monetary_value: Any
) -> np.ndarray:
    """Return each customer's Gamma-Gamma log-likelihood (rows with frequency > 0 only)."""
    values = _params(params, GAMMA_GAMMA_PARAMS, GAMMA_GAMMA_MODEL)
    x, m = _check_gamma_gamma_data(frequency, monetary_value)
    x, m = np.atleast_1d(x), np.atleast_1d(m)
    positive = x > 0
    loglik, _ = _gamma_gamma_loglik(
        np.log(values), x[positive], m[positive], np.ones(positive.sum())
    )
    return loglik


def fit_gamma_gamma(
    frequency: Any,
    monetary_value: Any,
    weights: Any = None,
    penalizer: float = 0.0,
) -> dict[str, Any]:
    """Fit the Gamma-Gamma spend model by maximum likelihood on customers with frequency > 0.

    Rows with frequency 0 are ignored (their monetary_value is not used). Returns a dict with
    p, q, v (v in currency units), log_likelihood (weighted total, without the penalty),
    n_customers (customers with frequency > 0, by weight) and converged. Deterministic.
    """
    x, m = _check_gamma_gamma_data(frequency, monetary_value)
    x, m = np.atleast_1d(x), np.atleast_1d(m)
    w = _check_weights(weights, x.size)
    keep = (x > 0) & (w > 0)
    x, m, w = x[keep], m[keep], w[keep]
    if x.size == 0 or w.sum() <= 0:
        raise ValueError("fit_gamma_gamma needs at least one customer with frequency > 0")
    penalizer = _check_penalizer(penalizer)
    # Start at p = 1, q = 3 and v matching the mean spend p v / (q - 1).
    mean_spend = _dot(w, m) / w.sum()
    distinct = _by_distinct(x, w)
    start = np.log([1.0, 3.0, 2.0 * mean_spend])
    theta, loglik, reason = _minimise(
        lambda t: _gamma_gamma_loglik(t, x, m, w, distinct), start, w, penalizer, GAMMA_GAMMA_PARAMS
    )
    params = dict(zip(GAMMA_GAMMA_PARAMS, (float(v) for v in np.exp(theta)), strict=True))
    return {
        **params,
        "log_likelihood": loglik,
        "n_customers": int(round(float(w.sum()))),
        "converged": reason is None,
        "degenerate_reason": reason,
    }


def gamma_gamma_expected_value(
    params: Mapping[str, float], frequency: Any, monetary_value: Any
) -> np.ndarray:
    """Return E[spend per order | x, mean spend] under Gamma-Gamma params (keys p, q, v).

    (q - 1) / (p x + q - 1) * p v / (q - 1) + p x / (p x + q - 1) * m: a weighted mean of the
    population mean p v / (q - 1) and the customer's own mean m. Customers with frequency 0 get
    the population mean. Raises ValueError if q <= 1 (the population mean is then infinite).
    """
    p, q, v = _params(params, GAMMA_GAMMA_PARAMS, GAMMA_GAMMA_MODEL)
    if q <= 1:
        raise ValueError(f"gamma_gamma parameter q must be > 1 for a finite mean spend (got {q})")
    x, m = _check_gamma_gamma_data(frequency, monetary_value)
    return p * (v + x * m) / (p * x + q - 1.0)


def simulate_gamma_gamma(frequency: Any, p: float, q: float, v: float, seed: int) -> np.ndarray:
    """Draw each customer's mean spend over `frequency` orders from the Gamma-Gamma model.

    nu ~ Gamma(q, rate v) per customer; the sum of x order values given nu is Gamma(p x, rate
    nu), so the mean is that divided by x. Customers with frequency 0 get 0.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / v, size=x.shape)
    total = rng.gamma(np.where(x > 0, p * x, 1.0), 1.0 / nu)
    return np.where(x > 0, total / np.maximum(x, 1.0), 0.0)
