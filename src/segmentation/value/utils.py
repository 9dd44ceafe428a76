"""Shared pieces of the customer-value models: input checks, the optimiser, special functions.

Every model module (`beta_geo`, `modified_beta_geo`, `gamma_gamma`) works on the standard BTYD
summary (Fader, Hardie & Lee 2005): ``frequency`` x = repeat purchase days (distinct purchase
days after the first), ``recency`` t_x = time from the first to the last purchase day (0 when
x = 0), ``T`` = time from the first purchase to the end of the period, and for Gamma-Gamma
``monetary_value`` = mean value per repeat purchase day (first purchase excluded).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import hyp2f1
from threadpoolctl import threadpool_limits

ID_COLUMN = "customer_id"
WEIGHT_COLUMN = "customers"
SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")
BGNBD_COLUMNS = ("frequency", "recency", "T")
GAMMA_GAMMA_COLUMNS = ("frequency", "monetary_value")
BGNBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "v")
BGNBD_MODEL = "bg_nbd"
MBGNBD_MODEL = "mbg_nbd"
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
# An estimate outside [1e-6, 1e6] is degenerate (the model has collapsed into a limiting case).
DEGENERATE_LOG_BOUND = math.log(1e6)
STATIONARY_GRADIENT = 1e-4
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


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Return sum(u * v) without BLAS (single-threaded, so the same on every machine)."""
    return float(np.einsum("i,i->", u, v))


def _by_distinct(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct values of x, each row's index into them and the weight of each."""
    distinct, inverse = np.unique(x, return_inverse=True)
    return distinct, inverse, np.bincount(inverse, weights=w, minlength=distinct.size)


def _minimise(
    loglik_and_grad: Any,
    start: np.ndarray,
    weights: np.ndarray,
    penalizer: float,
    names: Sequence[str],
) -> tuple[np.ndarray, float, str | None]:
    """Maximise the weighted mean log-likelihood over log-parameters with L-BFGS-B.

    `loglik_and_grad(theta)` returns the per-row log-likelihood and the gradient of its
    `weights`-weighted sum. The objective is -sum(w * loglik) / sum(w) + penalizer *
    sum(params**2) (the `lifetimes` convention: an L2 penalty on the parameters in their
    natural scale). Returns the log-params, the weighted total log-likelihood (without the
    penalty) and why the estimate is degenerate (None when it is not): the optimiser failed,
    the log-likelihood or its gradient is not finite at the optimum, or a parameter (`names`,
    in order) ended outside [1e-6, 1e6], i.e. on or near the optimiser's bound, where the
    likelihood is flat and the model has collapsed into a limiting case.
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
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        result = minimize(
            objective,
            np.clip(start, -LOG_PARAM_BOUND + 1, LOG_PARAM_BOUND - 1),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": MAX_ITERATIONS, "ftol": 1e-14, "gtol": 1e-9, "maxcor": 20},
        )
        theta = result.x
        loglik, gradient = loglik_and_grad(theta)
    total_loglik = _dot(weights, loglik)
    reason = None
    if not math.isfinite(total_loglik):
        reason = "log-likelihood is not finite at the estimate"
    elif not np.all(np.isfinite(gradient)):
        reason = "gradient is not finite at the estimate"
    else:
        extreme = [
            f"{name} = {math.exp(value):.3g}"
            for name, value in zip(names, theta, strict=True)
            if abs(value) > DEGENERATE_LOG_BOUND
        ]
        # L-BFGS-B stops "abnormally" when a line search cannot improve in floating point; at a
        # stationary point (mean-log-likelihood gradient under 1e-4 per log-parameter) that is
        # the optimum, not a failure
        stationary = float(np.max(np.abs(gradient))) / total < STATIONARY_GRADIENT
        if extreme:
            reason = "parameter at its bound: " + ", ".join(extreme)
        elif not (result.success or stationary):
            reason = f"optimiser failed ({str(result.message).strip()})"
    return theta, total_loglik, reason


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
