"""MBG/NBD (Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison of models
for customer base analysis"; also Hoppe & Wagner 2007).

The BG/NBD with one change: a customer may also drop out right after the first purchase, so
dropout is possible at every purchase, not only after repeat purchases. The one-time buyer who
has been silent for a long time is then correctly given a falling probability of being alive
(BG/NBD gives every one-time buyer P(alive) = 1). Same parameters as BG/NBD: purchase rate
lambda ~ Gamma(r, alpha), dropout probability p ~ Beta(a, b).

The conditional expectation is the BG/NBD one with b replaced by b + 1, so it reuses the stable
evaluation in `beta_geo._expected_given_alive`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln

from segmentation.value.beta_geo import _bgnbd_start, _expected_given_alive
from segmentation.value.utils import (
    BGNBD_PARAMS,
    ID_COLUMN,
    MBGNBD_MODEL,
    _as_array,
    _by_distinct,
    _check_bgnbd_data,
    _check_penalizer,
    _check_weights,
    _dot,
    _minimise,
    _params,
)

MBGNBD_PARAMS = BGNBD_PARAMS


def _mbgnbd_loglik(
    log_params: np.ndarray,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    w: np.ndarray,
    distinct: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row MBG/NBD log-likelihood and the gradient of its `w`-weighted sum (log-params).

    L = Gamma(r+x) alpha^r / Gamma(r) * [B(a, b+x+1) / B(a, b) (alpha+T)^-(r+x)
        + B(a+1, b+x) / B(a, b) (alpha+t_x)^-(r+x)]                (Batislam et al. 2007)
    written as lnG(r+x) - lnG(r) + r ln(alpha) + lnG(a+b) - lnG(b) + lnG(b+x) - lnG(a+b+x+1)
    + log(exp(ln(b+x) - (r+x) ln(alpha+T)) + exp(ln(a) - (r+x) ln(alpha+t_x))).
    """
    r, alpha, a, b = np.exp(log_params)
    ux, inverse, w_by_x = distinct or _by_distinct(x, w)
    by_x = (
        gammaln(r + ux)
        - gammaln(r)
        + gammaln(a + b)
        - gammaln(b)
        + gammaln(b + ux)
        - gammaln(a + b + ux + 1.0)
    )
    log_alpha_T = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + tx)
    r_x = r + x
    alive_term = np.log(b + ux)[inverse] - r_x * log_alpha_T
    dropped_term = math.log(a) - r_x * log_alpha_tx
    loglik = by_x[inverse] + r * math.log(alpha) + np.logaddexp(alive_term, dropped_term)
    # weight of "dropped out after the last purchase" in each row's likelihood (1 - P(alive))
    w_dropped = w * expit(dropped_term - alive_term)
    w_alive = w - w_dropped
    total_w = w_by_x.sum()
    psi_ab, psi_abx1 = digamma(a + b), digamma(a + b + ux + 1.0)
    d_r = (
        _dot(w_by_x, digamma(r + ux) - digamma(r))
        + total_w * math.log(alpha)
        - _dot(w_alive, log_alpha_T)
        - _dot(w_dropped, log_alpha_tx)
    )
    d_alpha = (
        total_w * r / alpha - _dot(w_alive, r_x / (alpha + T)) - _dot(w_dropped, r_x / (alpha + tx))
    )
    w_alive_by_x = np.bincount(inverse, weights=w_alive, minlength=ux.size)
    d_a = _dot(w_by_x, psi_ab - psi_abx1) + w_dropped.sum() / a
    d_b = _dot(w_by_x, psi_ab - digamma(b) + digamma(b + ux) - psi_abx1) + _dot(
        w_alive_by_x, 1.0 / (b + ux)
    )
    return loglik, np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])


def mbgnbd_log_likelihood(
    params: Mapping[str, float], frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Return each customer's MBG/NBD log-likelihood under `params` (keys r, alpha, a, b)."""
    values = _params(params, MBGNBD_PARAMS, MBGNBD_MODEL)
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    x, tx, age = np.atleast_1d(x), np.atleast_1d(tx), np.atleast_1d(age)
    loglik, _ = _mbgnbd_loglik(np.log(values), x, tx, age, np.ones(x.size))
    return loglik


def fit_mbgnbd(
    frequency: Any,
    recency: Any,
    T: Any,
    weights: Any = None,
    penalizer: float = 0.0,
) -> dict[str, Any]:
    """Fit the MBG/NBD model by maximum likelihood; return its parameters and fit diagnostics.

    Same inputs and result keys as `beta_geo.fit_bgnbd` (r, alpha, a, b, log_likelihood,
    n_customers, converged, degenerate_reason). Unlike BG/NBD it can be fitted when nobody has
    a repeat purchase (one-time buyers only), though the estimate is then usually degenerate.
    """
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=True)
    if x.ndim == 0 or x.size == 0:
        raise ValueError("fit_mbgnbd needs at least one row")
    w = _check_weights(weights, x.size)
    keep = w > 0
    x, tx, age, w = x[keep], tx[keep], age[keep], w[keep]
    if w.sum() <= 0:
        raise ValueError("fit_mbgnbd needs weights with a positive sum")
    penalizer = _check_penalizer(penalizer)
    distinct = _by_distinct(x, w)
    theta, loglik, reason = _minimise(
        lambda t: _mbgnbd_loglik(t, x, tx, age, w, distinct),
        _bgnbd_start(x, age, w),
        w,
        penalizer,
        MBGNBD_PARAMS,
    )
    params = dict(zip(MBGNBD_PARAMS, (float(v) for v in np.exp(theta)), strict=True))
    return {
        **params,
        "log_likelihood": loglik,
        "n_customers": int(round(float(w.sum()))),
        "converged": reason is None,
        "degenerate_reason": reason,
    }


def _mbgnbd_probability_alive(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    log_odds_dead = math.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return expit(-log_odds_dead)


def mbgnbd_probability_alive(
    params: Mapping[str, float], frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Return P(still active at T | x, t_x, T) under MBG/NBD params (keys r, alpha, a, b).

    P = 1 / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x))^(r + x)), for every x including
    x = 0 (a one-time buyer's probability falls with the time since the first purchase).
    Evaluated as a logistic of the log-odds, so it does not overflow.
    """
    r, alpha, a, b = _params(params, MBGNBD_PARAMS, MBGNBD_MODEL)
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    return _mbgnbd_probability_alive(r, alpha, a, b, x, tx, age)


def mbgnbd_expected_purchases(
    params: Mapping[str, float], t: Any, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Return E[number of purchases in the next `t` time units | x, t_x, T] under MBG/NBD.

    P(alive) * (a+b+x)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x;
    t/(alpha+T+t))]: the BG/NBD expression with b + 1 for b (finite for any x and T, and at
    the removable singularity a = 1; see `beta_geo._expected_given_alive`).
    """
    r, alpha, a, b = _params(params, MBGNBD_PARAMS, MBGNBD_MODEL)
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    horizon = _as_array(t, "t")
    if np.any(horizon < 0):
        raise ValueError("t must be >= 0")
    horizon, x, tx, age = np.broadcast_arrays(horizon, x, tx, age)
    given_alive = _expected_given_alive(r, alpha, a, b + 1.0, horizon, x, age)
    return _mbgnbd_probability_alive(r, alpha, a, b, x, tx, age) * given_alive


def simulate_mbgnbd(
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: Any,
    seed: int,
    horizon: float | None = None,
) -> pd.DataFrame:
    """Draw `n` customer summaries from the MBG/NBD model with known parameters.

    As `beta_geo.simulate_bgnbd`, except that the customer may drop out right after the first
    purchase: the number of repeat purchases before dropout is K ~ Geometric(p) - 1 on 0, 1, ...
    Returns customer_id, frequency, recency, T, alive and, if `horizon` is given,
    future_purchases in (T, T + horizon].
    """
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    p = rng.beta(a, b, size=n)
    repeats_before_dropout = rng.geometric(p) - 1
    would_buy = rng.poisson(lam * age)
    x = np.minimum(would_buy, repeats_before_dropout)
    positive = x > 0
    order_stat = rng.beta(np.maximum(x, 1), np.maximum(would_buy - x + 1, 1))
    recency = np.where(positive, age * order_stat, 0.0)
    alive = would_buy < repeats_before_dropout
    frame = pd.DataFrame(
        {
            ID_COLUMN: np.arange(1, n + 1),
            "frequency": x.astype(np.int64),
            "recency": recency,
            "T": age,
            "alive": alive,
        }
    )
    if horizon is not None:
        future = np.minimum(rng.poisson(lam * horizon), repeats_before_dropout - x)
        frame["future_purchases"] = np.where(alive, future, 0).astype(np.int64)
    return frame
