"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While active, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha) (rate
parametrisation) and after each repeat purchase drops out with probability p ~ Beta(a, b). A
customer can only drop out right after a repeat purchase, so a one-time buyer is "alive" with
probability 1 however long ago they bought (the known artefact `modified_beta_geo` removes).
The maths works in one time unit (alpha is in that unit).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaincinv, digamma, expit, gammaln

from segmentation.value.utils import (
    BGNBD_MODEL,
    BGNBD_PARAMS,
    ID_COLUMN,
    NEAR_SINGULAR,
    _as_array,
    _by_distinct,
    _check_bgnbd_data,
    _check_penalizer,
    _check_weights,
    _dot,
    _hyp2f1,
    _minimise,
    _params,
)


def _bgnbd_loglik(
    log_params: np.ndarray,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    w: np.ndarray,
    distinct: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row BG/NBD log-likelihood and the gradient of its `w`-weighted sum (log-params).

    log L = A1 + A2 + log(exp(A3) + [x > 0] exp(A4)) with (FHL 2005, eq. 6)
      A1 = lnG(r + x) - lnG(r) + r ln(alpha)
      A2 = lnG(a + b) + lnG(b + x) - lnG(b) - lnG(a + b + x)
      A3 = -(r + x) ln(alpha + T)
      A4 = ln(a) - ln(b + x - 1) - (r + x) ln(alpha + t_x)
    The gamma and digamma terms depend on x only and are evaluated once per distinct x
    (`distinct`: `_by_distinct(x, w)`, computed here if not given).
    """
    r, alpha, a, b = np.exp(log_params)
    ux, inverse, w_by_x = distinct or _by_distinct(x, w)
    b_x_1 = np.where(ux > 0, b + ux - 1.0, 1.0)
    a12 = (
        gammaln(r + ux)
        - gammaln(r)
        + gammaln(a + b)
        + gammaln(b + ux)
        - gammaln(b)
        - gammaln(a + b + ux)
    )
    log_alpha_T = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + tx)
    r_x = r + x
    a3 = -r_x * log_alpha_T
    a4 = np.where(x > 0, (math.log(a) - np.log(b_x_1))[inverse] - r_x * log_alpha_tx, -np.inf)
    loglik = a12[inverse] + r * math.log(alpha) + np.logaddexp(a3, a4)
    # Weight of "dropped out after the last purchase" in each row's likelihood (1 - P(alive)).
    w4 = w * expit(a4 - a3)
    w3 = w - w4
    total_w = w_by_x.sum()
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
    d_r = (
        _dot(w_by_x, digamma(r + ux) - digamma(r))
        + total_w * math.log(alpha)
        - _dot(w3, log_alpha_T)
        - _dot(w4, log_alpha_tx)
    )
    d_alpha = total_w * r / alpha - _dot(w3, r_x / (alpha + T)) - _dot(w4, r_x / (alpha + tx))
    w4_by_x = np.bincount(inverse, weights=w4, minlength=ux.size)
    d_a = _dot(w_by_x, psi_ab - psi_abx) + w4.sum() / a
    d_b = _dot(w_by_x, psi_ab + digamma(b + ux) - digamma(b) - psi_abx) - _dot(w4_by_x, 1.0 / b_x_1)
    return loglik, np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])


def bgnbd_log_likelihood(
    params: Mapping[str, float], frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Return each customer's BG/NBD log-likelihood under `params` (keys r, alpha, a, b)."""
    values = _params(params, BGNBD_PARAMS, BGNBD_MODEL)
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    x, tx, age = np.atleast_1d(x), np.atleast_1d(tx), np.atleast_1d(age)
    loglik, _ = _bgnbd_loglik(np.log(values), x, tx, age, np.ones(x.size))
    return loglik


def _bgnbd_start(x: np.ndarray, T: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Starting log-parameters: r = 1, alpha matching the mean purchase rate, a = 1, b = 2."""
    mean_x = _dot(w, x) / w.sum()
    mean_T = _dot(w, T) / w.sum()
    rate = max(mean_x, 1e-3) / max(mean_T, 1e-3)
    return np.log([1.0, 1.0 / rate, 1.0, 2.0])


def fit_bgnbd(
    frequency: Any,
    recency: Any,
    T: Any,
    weights: Any = None,
    penalizer: float = 0.0,
) -> dict[str, Any]:
    """Fit the BG/NBD model by maximum likelihood; return its parameters and fit diagnostics.

    `frequency`, `recency` and `T` are per-row summaries (see the module docstring) in one time
    unit; `weights` optionally gives the number of customers each row stands for. Returns a dict
    with r, alpha, a, b (alpha in the input time unit), log_likelihood (weighted total, without
    the penalty), n_customers (sum of weights) and converged. Deterministic.
    """
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=True)
    if x.ndim == 0 or x.size == 0:
        raise ValueError("fit_bgnbd needs at least one row")
    w = _check_weights(weights, x.size)
    keep = w > 0
    x, tx, age, w = x[keep], tx[keep], age[keep], w[keep]
    if w.sum() <= 0:
        raise ValueError("fit_bgnbd needs weights with a positive sum")
    if not np.any(x > 0):
        raise ValueError("fit_bgnbd needs at least one customer with a repeat purchase")
    penalizer = _check_penalizer(penalizer)
    distinct = _by_distinct(x, w)
    theta, loglik, reason = _minimise(
        lambda t: _bgnbd_loglik(t, x, tx, age, w, distinct),
        _bgnbd_start(x, age, w),
        w,
        penalizer,
        BGNBD_PARAMS,
    )
    params = dict(zip(BGNBD_PARAMS, (float(v) for v in np.exp(theta)), strict=True))
    return {
        **params,
        "log_likelihood": loglik,
        "n_customers": int(round(float(w.sum()))),
        "converged": reason is None,
        "degenerate_reason": reason,
    }


def bgnbd_probability_alive(
    params: Mapping[str, float], frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Return P(still active at T | x, t_x, T) under BG/NBD params (keys r, alpha, a, b).

    P = 1 / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)); it is 1 for
    x = 0 by construction (in BG/NBD a customer can only drop out right after a repeat purchase).
    Evaluated as a logistic of the log-odds, so it does not overflow for large x or T.
    """
    r, alpha, a, b = _params(params, BGNBD_PARAMS, BGNBD_MODEL)
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    return _probability_alive(r, alpha, a, b, x, tx, age)


def _probability_alive(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    positive = x > 0
    b_x_1 = np.where(positive, b + x - 1.0, 1.0)
    log_odds_dead = math.log(a) - np.log(b_x_1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(positive, expit(-log_odds_dead), 1.0)


def _expected_given_alive(
    r: float, alpha: float, a: float, b: float, t: np.ndarray, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[purchases in (T, T + t] | alive at T, x, T] (FHL 2005, eq. 10 without P(alive)).

    The paper's (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)],
    z = t/(alpha+T+t), is evaluated after Euler's transformation 2F1(A, B; C; z) =
    (1-z)^(C-A-B) 2F1(C-A, C-B; C; z), as c/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z)]
    with c = a+b+x-1. The untransformed 2F1 has numerator parameters growing with x and
    diverges like (1-z)^-(r+x) (scipy returns inf/NaN for large x and T, and the product is
    inf * 0); the transformed one has fixed numerator parameters and a bounded value, and is
    summed directly where scipy fails (`_hyp2f1`). `lifetimes`/`btyd` use the same identity,
    but only as a fallback when the direct form overflows.

    The formula is 0/0 at a = 1, and c/(a-1) * 2F1 is 0 * inf at c = 0 (x = 0, a + b = 1); both
    are removable. Within 1e-4 of either, the value is interpolated linearly between a (or b)
    2e-4 either side of the singular point (the function is analytic there; error ~ 1e-8).
    """
    if abs(a - 1.0) < NEAR_SINGULAR:
        low, high = 1.0 - 2 * NEAR_SINGULAR, 1.0 + 2 * NEAR_SINGULAR
        at_low = _expected_given_alive(r, alpha, low, b, t, x, T)
        at_high = _expected_given_alive(r, alpha, high, b, t, x, T)
        return at_low + (a - low) / (high - low) * (at_high - at_low)
    zero_c = x == 0
    if abs(a + b - 1.0) < NEAR_SINGULAR and zero_c.any():
        low, high = 1.0 - a - 2 * NEAR_SINGULAR, 1.0 - a + 2 * NEAR_SINGULAR
        if low <= 0:  # b itself is tiny: extrapolate from two points above the singularity
            low, high = high, high + 2 * NEAR_SINGULAR
        at_low = _expected_given_alive(r, alpha, a, low, t, x, T)
        at_high = _expected_given_alive(r, alpha, a, high, t, x, T)
        result = _expected_given_alive(r, alpha, a, b, t, np.where(zero_c, 1.0, x), T)
        interpolated = at_low + (b - low) / (high - low) * (at_high - at_low)
        return np.where(zero_c, interpolated, result)
    if a > QUADRATURE_ABOVE_A:
        return _expected_given_alive_by_quadrature(r, alpha, a, b, t, x, T)
    c = a + b + x - 1.0
    log_1_minus_z = -np.log1p(t / (alpha + T))
    z = -np.expm1(log_1_minus_z)
    hyper = _hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    bracket = 1.0 - np.exp((a - 1.0) * log_1_minus_z) * hyper
    result = np.asarray(c / (a - 1.0) * bracket, dtype=float)
    # 0 <= E <= E[lambda | x, T] t = (r + x) t / (alpha + T): outside it (or not finite) the
    # closed form has lost its digits, and the posterior mean over p is taken instead
    t, x, T, result = np.broadcast_arrays(t, x, T, result)
    bound = (r + x) * t / (alpha + T)
    lost = ~(np.isfinite(result) & (result >= -1e-12 * bound) & (result <= bound * (1 + 1e-9)))
    if lost.any():
        result = result.copy()
        result[lost] = _expected_given_alive_by_quadrature(
            r, alpha, a, b, t[lost], x[lost], T[lost]
        )
    return result


# Above this a, E[purchases | alive] is the posterior mean over p (below): the closed form's
# hypergeometric term has parameter a - 1 and its series needs ~a terms, each near overflow.
QUADRATURE_ABOVE_A = 500.0
QUADRATURE_NODES = 128


def _expected_given_alive_by_quadrature(
    r: float, alpha: float, a: float, b: float, t: np.ndarray, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[purchases in (T, T + t] | alive at T, x, T] as a posterior mean over the dropout p.

    Alive at T after x repeat purchases, lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x)
    independently (the likelihood factorises). Given both, dropout comes at rate p lambda, so
    the expected purchases are (1 - exp(-p lambda t)) / p; over lambda,
    g(p) = (1 - (1 + p t / (alpha + T))^-(r + x)) / p, which is bounded by (r + x) t / (alpha + T).
    Its mean over Beta(a, b + x) is the same quantity as FHL 2005 eq. 10 (E[1 / p] is the
    (a+b+x-1)/(a-1) in front), computed by Gauss-Legendre quadrature on the quantile scale,
    p = I^-1(u; a, b + x): finite for any a and b, where the closed form overflows (large a, as
    when a fit finds nearly the same dropout probability for every customer).
    """
    t, x, T = np.broadcast_arrays(
        np.asarray(t, dtype=float), np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    )
    nodes, weights = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    u, w = (nodes + 1.0) / 2.0, weights / 2.0
    distinct_x, inverse = np.unique(x, return_inverse=True)
    quantiles = betaincinv(a, b + distinct_x[:, None], u[None, :])  # per distinct x, per node
    p = quantiles[inverse.ravel()]
    scale = (t / (alpha + T)).ravel()[:, None]
    shape = (r + x).ravel()[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(p > 0, -np.expm1(-shape * np.log1p(p * scale)) / p, shape * scale)
    # a row by row sum, not g @ w: BLAS sums a row in an order that depends on how many rows
    # there are, so a summary scored alone and in a batch differed in the last bit
    return (g * w).sum(axis=1).reshape(x.shape)


def bgnbd_expected_purchases(
    params: Mapping[str, float], t: Any, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Return E[number of purchases in the next `t` time units | x, t_x, T] under BG/NBD.

    FHL 2005 eq. 10: P(alive) * (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
    2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))], computed through a stable transformation of the
    hypergeometric term (see `_expected_given_alive`); finite for large x and T, and also
    near the formula's removable singularity at a = 1.
    """
    r, alpha, a, b = _params(params, BGNBD_PARAMS, BGNBD_MODEL)
    x, tx, age = _check_bgnbd_data(frequency, recency, T, strict_recency=False)
    horizon = _as_array(t, "t")
    if np.any(horizon < 0):
        raise ValueError("t must be >= 0")
    horizon, x, tx, age = np.broadcast_arrays(horizon, x, tx, age)
    given_alive = _expected_given_alive(r, alpha, a, b, horizon, x, age)
    return _probability_alive(r, alpha, a, b, x, tx, age) * given_alive


def simulate_bgnbd(
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: Any,
    seed: int,
    horizon: float | None = None,
) -> pd.DataFrame:
    """Draw `n` customer summaries from the BG/NBD model with known parameters.

    `T` is a scalar or one age per customer (time units of alpha). Exact and vectorised:
    lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); the repeat purchase after which the customer
    drops out is K ~ Geometric(p) on 1, 2, ...; N ~ Poisson(lambda T) purchases would happen in
    (0, T] if the customer never dropped out, so x = min(N, K), and t_x is the x-th order
    statistic of N uniforms on (0, T], i.e. T * Beta(x, N - x + 1). Returns customer_id,
    frequency, recency, T, alive (still active at T) and, if `horizon` is given,
    future_purchases in (T, T + horizon] (min(Poisson(lambda horizon), K - x) if alive).
    """
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    p = rng.beta(a, b, size=n)
    dropout_after = rng.geometric(p)
    would_buy = rng.poisson(lam * age)
    x = np.minimum(would_buy, dropout_after)
    positive = x > 0
    order_stat = rng.beta(np.maximum(x, 1), np.maximum(would_buy - x + 1, 1))
    recency = np.where(positive, age * order_stat, 0.0)
    alive = would_buy < dropout_after
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
        future = np.minimum(rng.poisson(lam * horizon), dropout_after - x)
        frame["future_purchases"] = np.where(alive, future, 0).astype(np.int64)
    return frame
