"""Customer value: BG/NBD repeat purchases and Gamma-Gamma spend ("buy till you die" models).

Both models are fitted by maximum likelihood on the per-customer summary only (the warehouse
computes it in SQL; raw transactions never reach Python):

- ``frequency`` x: number of repeat purchases (completed orders - 1);
- ``recency`` t_x: time from the first to the last purchase (0 when x = 0). This is NOT the
  RFM "days since the last order": passing that by mistake is caught for one-time buyers;
- ``T``: time from the first purchase to the end of the observation period;
- ``monetary_value``: mean spend of the repeat purchases (Gamma-Gamma uses x > 0 only).

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while active, a
customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha) (rate parametrisation) and
after each repeat purchase drops out with probability p ~ Beta(a, b). Gamma-Gamma (Fader,
Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999): each transaction value is
Gamma(p, nu) with nu ~ Gamma(q, v) across customers, independent of the purchase process.

The pure maths works in one time unit (whatever ``recency``, ``T`` and ``t`` are given in; alpha
is in that unit). The table-level functions (`fit_value_models`, `score_customers`) take a
summary in days and fit in ``config['time_unit']`` ('day' or 'week'), recorded in the table.

Identical summaries can be collapsed into one row with a count (`collapse_summary`); every fit
accepts such counts as ``weights``, so its cost grows with the number of distinct rows, not
customers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1
from threadpoolctl import threadpool_limits

ID_COLUMN = "customer_id"
WEIGHT_COLUMN = "customers"
SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")
BGNBD_COLUMNS = ("frequency", "recency", "T")
GAMMA_GAMMA_COLUMNS = ("frequency", "monetary_value")
BGNBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "v")
BGNBD_MODEL = "bg_nbd"
GAMMA_GAMMA_MODEL = "gamma_gamma"
DIAGNOSTICS = ("log_likelihood", "converged")
CORRELATION_DIAGNOSTIC = "frequency_monetary_correlation"
PARAMS_TABLE_COLUMNS = (
    "model",
    "parameter_name",
    "parameter_value",
    "time_unit",
    "customers_used",
)
SCORE_COLUMNS = ("probability_alive", "expected_orders", "expected_order_value", "predicted_value")
CONFIG_KEYS = ("time_unit", "penalizer")
DAYS_PER_UNIT = {"day": 1.0, "week": 7.0}
DAYS_PER_MONTH = 365.25 / 12
# Parameters are optimised as logs within these bounds (1e-8 .. 1e8); a fit that ends on a bound
# is reported as not converged.
LOG_PARAM_BOUND = math.log(1e8)
# Within this distance of its removable singularities (a = 1; a + b = 1 for x = 0), the BG/NBD
# expectation is interpolated between points twice this far either side (_expected_given_alive).
NEAR_SINGULAR = 1e-4
SERIES_MAX_TERMS = 1_000_000
MAX_ITERATIONS = 2000


# --------------------------------------------------------------------------- input checks


def _as_array(values: Any, name: str) -> np.ndarray:
    """Return `values` as a finite float64 array, or raise ValueError naming `name`."""
    if isinstance(values, pd.Series | pd.Index):
        array = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            array = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} must be numeric ({error})") from None
    if array.ndim > 1:
        raise ValueError(f"{name} must be a scalar or 1-D (got shape {array.shape})")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values (no NaN, null or inf)")
    return array


def _check_bgnbd_data(
    frequency: Any, recency: Any, T: Any, *, strict_recency: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return x, t_x, T as broadcast float arrays after checking the BG/NBD summary rules."""
    x, tx, age = (
        _as_array(v, n) for v, n in ((frequency, "frequency"), (recency, "recency"), (T, "T"))
    )
    try:
        x, tx, age = np.broadcast_arrays(x, tx, age)
    except ValueError:
        raise ValueError("frequency, recency and T must have the same length") from None
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must hold whole numbers >= 0 (repeat purchases)")
    if np.any(tx < 0):
        raise ValueError("recency must be >= 0")
    if np.any(tx > age):
        raise ValueError("recency must be <= T (time from first to last purchase <= age)")
    if strict_recency and np.any((x == 0) & (tx != 0)):
        raise ValueError(
            "recency must be 0 where frequency is 0: recency is the time from the first to the "
            "last purchase, not the time since the last purchase"
        )
    return x.astype(float), tx.astype(float), age.astype(float)


def _check_weights(weights: Any, n: int) -> np.ndarray:
    """Return the row counts as a float array (ones when None), checked against `n` rows."""
    if weights is None:
        return np.ones(n)
    w = _as_array(weights, "weights")
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per row ({n}; got shape {w.shape})")
    if np.any(w < 0):
        raise ValueError("weights must be >= 0 (customer counts)")
    return w


def _check_penalizer(penalizer: Any, name: str = "penalizer") -> float:
    if (
        isinstance(penalizer, bool)
        or not isinstance(penalizer, numbers.Real)
        or not math.isfinite(penalizer)
        or penalizer < 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0 (got {penalizer!r})")
    return float(penalizer)


def _params(params: Mapping[str, Any], names: Sequence[str], model: str) -> list[float]:
    """Return the named positive parameters from a fitted-params mapping."""
    if not isinstance(params, Mapping):
        raise ValueError(f"{model} params must be a mapping with keys {list(names)}")
    values = []
    for name in names:
        if name not in params:
            raise ValueError(f"{model} params are missing {name!r}; required: {list(names)}")
        value = float(params[name])
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{model} parameter {name!r} must be finite and > 0 (got {value!r})")
        values.append(value)
    return values


# --------------------------------------------------------------------------- BG/NBD


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Return sum(u * v) without BLAS (single-threaded, so the same on every machine)."""
    return float(np.einsum("i,i->", u, v))


def _by_distinct(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct values of x, each row's index into them and the weight of each."""
    distinct, inverse = np.unique(x, return_inverse=True)
    return distinct, inverse, np.bincount(inverse, weights=w, minlength=distinct.size)


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


def _minimise(
    loglik_and_grad: Any,
    start: np.ndarray,
    weights: np.ndarray,
    penalizer: float,
) -> tuple[np.ndarray, float, bool]:
    """Maximise the weighted mean log-likelihood over log-parameters with L-BFGS-B.

    `loglik_and_grad(theta)` returns the per-row log-likelihood and the gradient of its
    `weights`-weighted sum. The objective is -sum(w * loglik) / sum(w) + penalizer *
    sum(params**2) (the `lifetimes` convention: an L2 penalty on the parameters in their
    natural scale). Returns the log-params, the weighted total log-likelihood (without the
    penalty) and whether the optimiser converged with no parameter on a bound.
    """
    total = weights.sum()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        loglik, gradient = loglik_and_grad(theta)
        params = np.exp(theta)
        value = -_dot(weights, loglik) / total + penalizer * float(np.sum(params * params))
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            return math.inf, np.zeros_like(theta)
        return value, -gradient / total + 2.0 * penalizer * params * params

    bounds = [(-LOG_PARAM_BOUND, LOG_PARAM_BOUND)] * len(start)
    # One BLAS thread: scipy >= 1.15's L-BFGS-B is several times slower with OpenBLAS threads
    # (scipy issues 22438, 23191), worst on a busy two-core machine.
    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(
            objective,
            np.clip(start, -LOG_PARAM_BOUND + 1, LOG_PARAM_BOUND - 1),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": MAX_ITERATIONS, "ftol": 1e-14, "gtol": 1e-9, "maxcor": 20},
        )
    theta = result.x
    loglik, _ = loglik_and_grad(theta)
    on_bound = bool(np.any(np.abs(theta) >= LOG_PARAM_BOUND - 1e-6))
    return theta, _dot(weights, loglik), bool(result.success) and not on_bound


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
    theta, loglik, converged = _minimise(
        lambda t: _bgnbd_loglik(t, x, tx, age, w, distinct), _bgnbd_start(x, age, w), w, penalizer
    )
    params = dict(zip(BGNBD_PARAMS, (float(v) for v in np.exp(theta)), strict=True))
    return {
        **params,
        "log_likelihood": loglik,
        "n_customers": int(round(float(w.sum()))),
        "converged": converged,
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


def _hyp2f1_series(A: float, B: float, C: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return 2F1(A, B; C; z) for 0 <= z < 1 by summing the Gauss series term by term.

    The fallback where scipy's hyp2f1 is not finite (it returns NaN for z > 0.9 with C >~ 100).
    Each element stops once its terms are decreasing and below 1e-17 of its sum; with A and B
    fixed and C > 0 that takes about C + 40 / -log10(z) terms.
    """
    C, z = np.broadcast_arrays(np.asarray(C, dtype=float), np.asarray(z, dtype=float))
    result = np.full(C.shape, np.nan)
    index = np.arange(C.size)
    C, z = C.ravel(), z.ravel()
    term, total = np.ones(C.size), np.ones(C.size)
    for k in range(SERIES_MAX_TERMS):
        term = term * ((A + k) * (B + k) / ((C + k) * (k + 1.0)) * z)
        total = total + term
        next_ratio = np.abs((A + k + 1.0) * (B + k + 1.0) * z) / np.abs((C + k + 1.0) * (k + 2.0))
        done = (np.abs(term) <= 1e-17 * np.abs(total)) & (next_ratio < 1.0)
        if done.any():
            result.flat[index[done]] = total[done]
            keep = ~done
            if not keep.any():
                break
            index, C, z, term, total = index[keep], C[keep], z[keep], term[keep], total[keep]
    return result


def _hyp2f1(A: float, B: float, C: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return 2F1(A, B; C; z) for 0 <= z < 1: scipy's hyp2f1, or the series where it fails."""
    with np.errstate(all="ignore"):
        value = np.asarray(hyp2f1(A, B, C, z), dtype=float)
    failed = ~np.isfinite(value)
    if failed.any():
        C, z = np.broadcast_arrays(C, z)
        value = value.copy()
        value[failed] = _hyp2f1_series(A, B, C[failed], z[failed])
    return value


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
    c = a + b + x - 1.0
    log_1_minus_z = -np.log1p(t / (alpha + T))
    z = -np.expm1(log_1_minus_z)
    hyper = _hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    bracket = 1.0 - np.exp((a - 1.0) * log_1_minus_z) * hyper
    return c / (a - 1.0) * bracket


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


# --------------------------------------------------------------------------- Gamma-Gamma


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
    theta, loglik, converged = _minimise(
        lambda t: _gamma_gamma_loglik(t, x, m, w, distinct), start, w, penalizer
    )
    params = dict(zip(GAMMA_GAMMA_PARAMS, (float(v) for v in np.exp(theta)), strict=True))
    return {
        **params,
        "log_likelihood": loglik,
        "n_customers": int(round(float(w.sum()))),
        "converged": converged,
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


def predicted_value(
    bgnbd_params: Mapping[str, float],
    gamma_gamma_params: Mapping[str, float],
    horizon: float,
    frequency: Any,
    recency: Any,
    T: Any,
    monetary_value: Any,
    *,
    discount_rate: float = 0.0,
    time_unit: str = "day",
) -> np.ndarray:
    """Return each customer's predicted value over the next `horizon` time units.

    Expected purchases (BG/NBD) times expected order value (Gamma-Gamma). With a monthly
    `discount_rate` d > 0 the horizon is cut into months (365.25/12 days; the last one may be
    partial) and the purchases expected in each are discounted by (1 + d)^-(months elapsed at
    its end), as `lifetimes` does; d = 0 (default) gives the undiscounted product. `time_unit`
    ('day' or 'week') is the unit of `horizon`, `recency`, `T` and of the params' alpha.
    """
    if time_unit not in DAYS_PER_UNIT:
        raise ValueError(f"time_unit must be one of {list(DAYS_PER_UNIT)} (got {time_unit!r})")
    if isinstance(horizon, bool) or not isinstance(horizon, numbers.Real) or not horizon >= 0:
        raise ValueError(f"horizon must be a number >= 0 (got {horizon!r})")
    if (
        isinstance(discount_rate, bool)
        or not isinstance(discount_rate, numbers.Real)
        or not (math.isfinite(discount_rate) and discount_rate >= 0)
    ):
        raise ValueError(f"discount_rate must be a finite number >= 0 (got {discount_rate!r})")
    order_value = gamma_gamma_expected_value(gamma_gamma_params, frequency, monetary_value)
    if discount_rate == 0:
        orders = bgnbd_expected_purchases(bgnbd_params, float(horizon), frequency, recency, T)
        return orders * order_value
    month = DAYS_PER_MONTH / DAYS_PER_UNIT[time_unit]
    ends = np.arange(1, math.floor(horizon / month) + 1) * month
    if len(ends) == 0 or ends[-1] < horizon:
        ends = np.append(ends, float(horizon))
    value = np.zeros(np.broadcast(order_value, np.asarray(T, dtype=float)).shape)
    previous = 0.0
    for end in ends:
        cumulative = bgnbd_expected_purchases(bgnbd_params, end, frequency, recency, T)
        value = value + (cumulative - previous) / (1.0 + discount_rate) ** (end / month)
        previous = cumulative
    return value * order_value


# --------------------------------------------------------------------------- simulation


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


# --------------------------------------------------------------------------- tables


def collapse_summary(
    summary: pd.DataFrame,
    columns: Sequence[str] = BGNBD_COLUMNS,
    weight_column: str = WEIGHT_COLUMN,
) -> pd.DataFrame:
    """Collapse identical rows of `columns` into one row with a count in `weight_column`.

    If `summary` already has `weight_column`, the counts are summed. The result is sorted by
    `columns` (deterministic) and can be passed to the fits as `weights`.
    """
    if not isinstance(summary, pd.DataFrame):
        raise ValueError(f"summary must be a pandas DataFrame (got {type(summary).__name__})")
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise ValueError(f"summary is missing column(s) {missing}")
    if weight_column in columns:
        raise ValueError(f"weight_column {weight_column!r} must not be one of columns")
    counts = (
        summary[weight_column]
        if weight_column in summary.columns
        else pd.Series(1, index=summary.index, dtype=np.int64)
    )
    frame = summary[list(columns)].assign(**{weight_column: counts})
    return frame.groupby(list(columns), sort=True, as_index=False, dropna=False)[
        weight_column
    ].sum()


def validate_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Return a normalised copy of the value-model config, or raise ValueError naming the key.

    Keys (all required, no others): time_unit ('day' or 'week'), penalizer (number >= 0).
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a mapping with keys {list(CONFIG_KEYS)}")
    missing = [key for key in CONFIG_KEYS if key not in config]
    if missing:
        raise ValueError(f"config is missing key(s) {missing}; required: {list(CONFIG_KEYS)}")
    unknown = sorted(str(key) for key in config if key not in CONFIG_KEYS)
    if unknown:
        raise ValueError(f"config has unknown key(s) {unknown}; allowed: {list(CONFIG_KEYS)}")
    if config["time_unit"] not in DAYS_PER_UNIT:
        raise ValueError(
            f"config['time_unit'] must be one of {list(DAYS_PER_UNIT)} "
            f"(got {config['time_unit']!r})"
        )
    return {
        "time_unit": config["time_unit"],
        "penalizer": _check_penalizer(config["penalizer"], "config['penalizer']"),
    }


def _summary_frame(summary: Any, required: Sequence[str]) -> pd.DataFrame:
    if not isinstance(summary, pd.DataFrame):
        raise ValueError(f"summary must be a pandas DataFrame (got {type(summary).__name__})")
    missing = [c for c in required if c not in summary.columns]
    if missing:
        raise ValueError(f"summary is missing column(s) {missing}; required: {list(required)}")
    return summary


def _weighted_correlation(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    if x.size < 2:
        return math.nan
    dx = x - np.average(x, weights=w)
    dy = y - np.average(y, weights=w)
    denominator = math.sqrt(_dot(w, dx * dx) * _dot(w, dy * dy))
    return _dot(w, dx * dy) / denominator if denominator > 0 else math.nan


def fit_value_models(summary: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Fit BG/NBD and Gamma-Gamma on a customer summary; return one long parameter table.

    `summary` has frequency, recency, T (recency and T in days), monetary_value and optionally
    `customers` (rows standing for several identical customers); customer_id is not needed.
    Rows are collapsed before fitting (BG/NBD on frequency, recency, T; Gamma-Gamma on
    frequency, monetary_value for frequency > 0), so the cost grows with distinct rows.

    Columns: model ('bg_nbd' | 'gamma_gamma'), parameter_name, parameter_value (float),
    time_unit (the unit alpha is in), customers_used (int). Rows: the parameters (r, alpha, a,
    b; p, q, v) then diagnostics: log_likelihood, converged (1.0 or 0.0) and, for gamma_gamma,
    frequency_monetary_correlation (the model assumes spend independent of frequency; a value
    far from 0 is a warning sign).
    """
    checked = validate_config(config)
    frame = _summary_frame(summary, SUMMARY_COLUMNS)
    if len(frame) == 0:
        raise ValueError("summary has no rows")
    unit_days = DAYS_PER_UNIT[checked["time_unit"]]
    weights = (
        _check_weights(frame[WEIGHT_COLUMN], len(frame))
        if WEIGHT_COLUMN in frame.columns
        else np.ones(len(frame))
    )
    x, tx, age = _check_bgnbd_data(
        frame["frequency"], frame["recency"], frame["T"], strict_recency=True
    )
    _, m = _check_gamma_gamma_data(x, frame["monetary_value"])
    data = pd.DataFrame(
        {
            "frequency": x,
            "recency": tx / unit_days,
            "T": age / unit_days,
            "monetary_value": m,
            WEIGHT_COLUMN: weights,
        }
    )
    purchases = collapse_summary(data, BGNBD_COLUMNS)
    bgnbd = fit_bgnbd(
        purchases["frequency"],
        purchases["recency"],
        purchases["T"],
        weights=purchases[WEIGHT_COLUMN],
        penalizer=checked["penalizer"],
    )
    spend = collapse_summary(data[data["frequency"] > 0], GAMMA_GAMMA_COLUMNS)
    gamma_gamma = fit_gamma_gamma(
        spend["frequency"],
        spend["monetary_value"],
        weights=spend[WEIGHT_COLUMN],
        penalizer=checked["penalizer"],
    )
    correlation = _weighted_correlation(
        spend["frequency"].to_numpy(float),
        spend["monetary_value"].to_numpy(float),
        spend[WEIGHT_COLUMN].to_numpy(float),
    )
    rows = []
    for model, fit, names, extra in (
        (BGNBD_MODEL, bgnbd, BGNBD_PARAMS, {}),
        (GAMMA_GAMMA_MODEL, gamma_gamma, GAMMA_GAMMA_PARAMS, {CORRELATION_DIAGNOSTIC: correlation}),
    ):
        values = {name: fit[name] for name in (*names, *DIAGNOSTICS)} | extra
        for name, value in values.items():
            rows.append((model, name, float(value), checked["time_unit"], fit["n_customers"]))
    table = pd.DataFrame(rows, columns=list(PARAMS_TABLE_COLUMNS))
    return table.astype({"parameter_value": "float64", "customers_used": "int64", "time_unit": str})


def params_from_table(params_table: pd.DataFrame) -> tuple[dict[str, float], dict[str, float], str]:
    """Return (BG/NBD params, Gamma-Gamma params, time_unit) from a `fit_value_models` table."""
    table = _summary_frame(params_table, PARAMS_TABLE_COLUMNS)
    units = set(table["time_unit"].astype(str))
    if len(units) != 1 or not units <= set(DAYS_PER_UNIT):
        raise ValueError(f"params_table must have one time_unit of {list(DAYS_PER_UNIT)} ({units})")
    result = []
    for model, names in ((BGNBD_MODEL, BGNBD_PARAMS), (GAMMA_GAMMA_MODEL, GAMMA_GAMMA_PARAMS)):
        rows = table[(table["model"] == model) & table["parameter_name"].isin(names)]
        if rows["parameter_name"].duplicated().any():
            raise ValueError(f"params_table has duplicated {model} parameters")
        values = dict(
            zip(rows["parameter_name"], rows["parameter_value"].astype(float), strict=True)
        )
        _params(values, names, model)
        result.append({name: values[name] for name in names})
    return result[0], result[1], units.pop()


def score_customers(
    summary: pd.DataFrame,
    params_table: pd.DataFrame,
    horizon: float,
    *,
    discount_rate: float = 0.0,
) -> pd.DataFrame:
    """Score each customer of `summary` with the fitted value models (reference for SQL scoring).

    `summary` has customer_id, frequency, recency, T (days) and monetary_value; `horizon` is in
    days, like recency and T, and is converted to the params' time_unit. Returns customer_id,
    probability_alive, expected_orders (over the horizon), expected_order_value and
    predicted_value (optionally discounted monthly, see `predicted_value`), in summary order.
    """
    frame = _summary_frame(summary, (ID_COLUMN, *SUMMARY_COLUMNS))
    bgnbd, gamma_gamma, time_unit = params_from_table(params_table)
    if isinstance(horizon, bool) or not isinstance(horizon, numbers.Real) or not horizon >= 0:
        raise ValueError(f"horizon must be a number of days >= 0 (got {horizon!r})")
    unit_days = DAYS_PER_UNIT[time_unit]
    x, tx, age = _check_bgnbd_data(
        frame["frequency"], frame["recency"], frame["T"], strict_recency=False
    )
    tx, age, t = tx / unit_days, age / unit_days, float(horizon) / unit_days
    _, m = _check_gamma_gamma_data(x, frame["monetary_value"])
    orders = bgnbd_expected_purchases(bgnbd, t, x, tx, age)
    order_value = gamma_gamma_expected_value(gamma_gamma, x, m)
    value = predicted_value(
        bgnbd, gamma_gamma, t, x, tx, age, m, discount_rate=discount_rate, time_unit=time_unit
    )
    return pd.DataFrame(
        {
            ID_COLUMN: frame[ID_COLUMN].to_numpy(),
            "probability_alive": _probability_alive(
                bgnbd["r"], bgnbd["alpha"], bgnbd["a"], bgnbd["b"], x, tx, age
            ),
            "expected_orders": orders,
            "expected_order_value": order_value,
            "predicted_value": value,
        },
        index=frame.index,
    )


def score_purchase_summaries(inputs: pd.DataFrame, params_table: pd.DataFrame) -> pd.DataFrame:
    """Score distinct purchase summaries with a fitted BG/NBD model (the warehouse's scoring step).

    `inputs` has frequency (repeat orders), recency_days, age_days and horizon_days (one horizon
    per row, in days); `params_table` is one fit of `fit_value_models`. Returns `inputs` with
    probability_alive and expected_orders (over each row's horizon) added. The Gamma-Gamma part
    is a closed form the warehouse computes in SQL.
    """
    frame = _summary_frame(inputs, ("frequency", "recency_days", "age_days", "horizon_days"))
    bgnbd, _, time_unit = params_from_table(params_table)
    unit_days = DAYS_PER_UNIT[time_unit]
    x, tx, age = _check_bgnbd_data(
        frame["frequency"], frame["recency_days"], frame["age_days"], strict_recency=False
    )
    horizon = _as_array(frame["horizon_days"], "horizon_days") / unit_days
    scored = frame.copy()
    scored["probability_alive"] = bgnbd_probability_alive(bgnbd, x, tx / unit_days, age / unit_days)
    scored["expected_orders"] = bgnbd_expected_purchases(
        bgnbd, horizon, x, tx / unit_days, age / unit_days
    )
    return scored
