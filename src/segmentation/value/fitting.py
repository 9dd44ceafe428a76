"""Fit every candidate value model on a summary, detect degenerate estimates, choose one.

The warehouse passes two summaries (`fit_period`): "calibration" ends a holdout before the as-of
date and carries what each customer did in the holdout; "current" ends on the as-of date and
scores customers. For the purchase process BG/NBD and MBG/NBD are fitted on each; the model is
chosen on the calibration summary by measured holdout error (bucket by bucket, see
`holdout_error`), ties and missing holdouts by log-likelihood (both have four parameters, so
this is the AIC order), and the current fit uses the same model unless its own estimate is
degenerate. A fit at the no-dropout limit (below) is chosen only when the other model is
degenerate or at the limit too. When most customers have no repeat purchase, MBG/NBD is
preferred while its AIC is within 2 of BG/NBD's and the holdout cannot tell them apart: BG/NBD
gives every customer without a repeat purchase a probability alive of 1 by construction (Fader,
Hardie & Lee 2005), which MBG/NBD (Batislam, Denizel & Filiztekin 2007) was made to avoid. A
degenerate estimate (optimiser failure, non-finite likelihood or gradient, a parameter at its
bound) is never used, except the no-dropout limit: a -> 0 (or b -> infinity) is where the
dropout probability vanishes and the model reduces to the NBD, a valid estimate whose
probability alive is ~1 for everyone; it is used and said so in the reason, not thrown away at
an arbitrary cut (a = 9.5e-7 degenerate and 1.27e-6 not made the calibration and current fits
choose different models). Otherwise the other model takes over, and when both are degenerate the
stated simple estimate of `simple` does. Spend is Gamma-Gamma, or the simple spend estimate when
Gamma-Gamma is degenerate, cannot be fitted or has q <= 1. Every choice is written with its
reason into the parameter table.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from segmentation.value.beta_geo import bgnbd_expected_purchases, fit_bgnbd
from segmentation.value.gamma_gamma import _check_gamma_gamma_data, fit_gamma_gamma
from segmentation.value.modified_beta_geo import fit_mbgnbd, mbgnbd_expected_purchases
from segmentation.value.simple import (
    SIMPLE_MODEL,
    SIMPLE_PARAMS,
    SIMPLE_SPEND_MODEL,
    SIMPLE_SPEND_PARAMS,
    fit_simple,
    fit_simple_spend,
    simple_expected_purchases,
)
from segmentation.value.utils import (
    BGNBD_COLUMNS,
    BGNBD_MODEL,
    BGNBD_PARAMS,
    CONFIG_KEYS,
    CORRELATION_DIAGNOSTIC,
    DAYS_PER_UNIT,
    GAMMA_GAMMA_COLUMNS,
    GAMMA_GAMMA_MODEL,
    GAMMA_GAMMA_PARAMS,
    MBGNBD_MODEL,
    SUMMARY_COLUMNS,
    WEIGHT_COLUMN,
    _check_bgnbd_data,
    _check_penalizer,
    _check_weights,
    _summary_frame,
    _weighted_correlation,
    collapse_summary,
)

PURCHASE_MODELS = (BGNBD_MODEL, MBGNBD_MODEL)
PARAMS_BY_MODEL = {
    BGNBD_MODEL: BGNBD_PARAMS,
    MBGNBD_MODEL: BGNBD_PARAMS,
    SIMPLE_MODEL: SIMPLE_PARAMS,
    GAMMA_GAMMA_MODEL: GAMMA_GAMMA_PARAMS,
    SIMPLE_SPEND_MODEL: SIMPLE_SPEND_PARAMS,
}
SPEND_MODELS = (GAMMA_GAMMA_MODEL, SIMPLE_SPEND_MODEL)
EXPECTED_PURCHASES = {
    BGNBD_MODEL: bgnbd_expected_purchases,
    MBGNBD_MODEL: mbgnbd_expected_purchases,
    SIMPLE_MODEL: simple_expected_purchases,
}
HOLDOUT_COLUMNS = ("holdout_purchases", "holdout_days")
PURCHASE_VALUE_COLUMN = "purchase_value"
FIT_TABLE_COLUMNS = (
    "model",
    "parameter_name",
    "parameter_value",
    "time_unit",
    "customers_used",
    "is_chosen",
    "fit_status",
    "choice_reason",
)
# Repeat-purchase buckets of the holdout check: 0, 1, ..., 6 and 7+.
TOP_BUCKET = 7
# Holdout errors closer than this (share of actual purchases) are a tie: likelihood decides.
HOLDOUT_TIE = 0.01
# |frequency-spend correlation| above which the Gamma-Gamma independence assumption is doubtful.
CORRELATION_WARNING = 0.3
# The share of customers without a repeat purchase from which BG/NBD's probability alive of 1 for
# them (by construction) would hold for most of the base: MBG/NBD is then preferred.
NON_REPEATER_SHARE = 0.5
# Where a parameter of a BG/NBD-family fit is "at its bound" (utils.DEGENERATE_LOG_BOUND).
PARAMETER_RANGE = (1e-6, 1e6)
# A mean dropout probability a / (a + b) under this is the no-dropout (NBD) limit: probability
# alive is then within about 0.001 of 1 for everyone, and the reason says so.
NO_DROPOUT = 1e-4
# MBG/NBD is preferred for mostly one-time buyers while its AIC is within 2 of BG/NBD's (both have
# four parameters: log-likelihoods within 1), "substantial support" in Burnham & Anderson's terms.
AIC_SUPPORT = 2.0


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


def holdout_error(
    frequency: np.ndarray, predicted: np.ndarray, actual: np.ndarray, weights: np.ndarray
) -> float:
    """Return the sum over repeat-purchase buckets of |predicted - actual| / total actual.

    Buckets are 0, 1, ..., 6 and 7+ repeat purchases at calibration (the rows of the holdout
    mart), so a model cannot hide a large error in one bucket behind the total.
    """
    bucket = np.minimum(frequency, TOP_BUCKET).astype(int)
    gaps = np.bincount(bucket, weights=weights * (predicted - actual), minlength=TOP_BUCKET + 1)
    total = max(float(np.sum(weights * actual)), 1.0)
    return float(np.sum(np.abs(gaps)) / total)


def _fit_purchase_model(model: str, x, tx, age, w, penalizer: float) -> dict[str, Any]:
    """Fit one purchase model; a fit that cannot run is reported as degenerate, not raised."""
    if model == SIMPLE_MODEL:
        params = fit_simple(x, tx, age, w)
        return {**params, "converged": True, "degenerate_reason": None, "log_likelihood": math.nan}
    if not np.any((x > 0) & (w > 0)):
        # without one repeat purchase day the purchase rate and the dropout cannot be told apart:
        # MBG/NBD's optimum then kills every customer at their first purchase (probability alive
        # 0 two weeks after buying); the stated simple estimate takes over
        label = "BG/NBD" if model == BGNBD_MODEL else "MBG/NBD"
        reason = f"no customer with a repeat purchase day ({label} needs one)"
        return {"converged": False, "degenerate_reason": reason, "log_likelihood": math.nan}
    fit = (fit_bgnbd if model == BGNBD_MODEL else fit_mbgnbd)(x, tx, age, w, penalizer)
    return fit


def _no_dropout_limit(fit: dict[str, Any]) -> bool:
    """Whether a BG/NBD-family fit flagged "at its bound" is the no-dropout limit: the only
    parameters out of range are a below it and/or b above it (r and alpha in range), so the mean
    dropout probability a / (a + b) has gone to 0 and the model is the NBD. Such a fit is made
    usable (its degenerate reason cleared)."""
    reason = fit.get("degenerate_reason") or ""
    if not reason.startswith("parameter at its bound") or not all(
        isinstance(fit.get(name), numbers.Real) and math.isfinite(fit[name])
        for name in ("r", "alpha", "a", "b")
    ):
        return False
    low, high = PARAMETER_RANGE
    others_in_range = all(low <= fit[name] <= high for name in ("r", "alpha"))
    vanishing = fit["a"] < low or fit["b"] > high
    if not (others_in_range and vanishing and fit["a"] <= high and fit["b"] >= low):
        return False
    fit["degenerate_reason"] = None
    fit["converged"] = True
    return True


def _finds_no_dropout(fit: Mapping[str, Any]) -> bool:
    """Whether a usable BG/NBD-family fit is at (or next to) the no-dropout limit."""
    if fit.get("degenerate_reason") is not None or not all(
        isinstance(fit.get(name), numbers.Real) for name in ("a", "b")
    ):
        return False
    return fit["a"] / (fit["a"] + fit["b"]) < NO_DROPOUT


def _no_dropout_note(model: str, fit: Mapping[str, Any]) -> str:
    dropout = fit["a"] / (fit["a"] + fit["b"])
    return (
        f"{model} finds no dropout (a = {fit['a']:.3g}, b = {fit['b']:.3g}: mean dropout "
        f"probability {dropout:.2g} per purchase, the NBD limit): probability alive is about 1 "
        "for every customer by construction and does not rank customers; expected orders do"
    )


def _expected(model: str, fit: Mapping[str, Any], t, x, tx, age) -> np.ndarray:
    params = {name: fit[name] for name in PARAMS_BY_MODEL[model]}
    with np.errstate(all="ignore"):
        return EXPECTED_PURCHASES[model](params, t, x, tx, age)


def _purchase_fits(
    purchases: pd.DataFrame, penalizer: float, chosen_before: str | None
) -> tuple[dict[str, dict[str, Any]], str, str]:
    """Fit the purchase models on one collapsed summary and choose one (see module doc)."""
    x = purchases["frequency"].to_numpy(float)
    tx = purchases["recency"].to_numpy(float)
    age = purchases["T"].to_numpy(float)
    w = purchases[WEIGHT_COLUMN].to_numpy(float)
    fits = {
        model: _fit_purchase_model(model, x, tx, age, w, penalizer)
        for model in (*PURCHASE_MODELS, SIMPLE_MODEL)
    }
    for model in PURCHASE_MODELS:
        _no_dropout_limit(fits[model])
        fits[model]["no_dropout"] = _finds_no_dropout(fits[model])
    non_repeaters = float(np.sum(w * (x == 0)) / max(float(np.sum(w)), 1e-300))
    has_holdout = all(c in purchases.columns for c in HOLDOUT_COLUMNS) and bool(
        purchases["holdout_days"].max() > 0
    )
    for model, fit in fits.items():
        if fit["degenerate_reason"] is not None:
            continue
        if has_holdout:
            predicted = _expected(model, fit, purchases["holdout_days"].to_numpy(float), x, tx, age)
            if not np.all(np.isfinite(predicted)):
                fit["degenerate_reason"] = "holdout predictions are not finite"
                fit["converged"] = False
                continue
            actual = purchases["holdout_purchases"].to_numpy(float)
            fit["holdout_error"] = holdout_error(x, predicted, actual, w)
    model, reason = _choose(fits, has_holdout, chosen_before, non_repeaters)
    notes = []
    if model in PURCHASE_MODELS and fits[model].get("no_dropout"):
        notes.append(_no_dropout_note(model, fits[model]))
    elif model == BGNBD_MODEL and non_repeaters > 0:
        notes.append(
            f"warning: bg_nbd gives the {non_repeaters:.0%} of customers without a repeat "
            "purchase a probability alive of 1 by construction"
        )
    return fits, model, "; ".join([reason, *notes])


def _choose(
    fits: Mapping[str, dict[str, Any]],
    has_holdout: bool,
    chosen_before: str | None,
    non_repeaters: float,
) -> tuple[str, str]:
    """The purchase model and why (see module doc)."""
    usable = [m for m in PURCHASE_MODELS if fits[m]["degenerate_reason"] is None]
    notes = [
        f"{m} degenerate: {fits[m]['degenerate_reason']}"
        for m in PURCHASE_MODELS
        if m not in usable
    ]
    if chosen_before is not None:
        if chosen_before in usable:
            return (
                chosen_before,
                "; ".join([f"{chosen_before}: chosen on the calibration fit", *notes]),
            )
        if chosen_before != SIMPLE_MODEL:
            notes.insert(0, f"{chosen_before} (chosen on the calibration fit) is degenerate here")
    if not usable:
        return SIMPLE_MODEL, "; ".join([*notes, "simple estimate used (see README)"])
    # a fit at the no-dropout limit cannot say who is alive: the other model goes first
    candidates = [m for m in usable if not fits[m]["no_dropout"]] or usable
    if len(candidates) == 1:
        only = candidates[0]
        others = [m for m in usable if m != only]
        text = (
            f"{only}: {others[0]} finds no dropout (its probability alive would be about 1 for "
            "every customer)"
            if others
            else f"{only}: the only non-degenerate model"
        )
        return only, "; ".join([text, *notes])
    first, second = candidates
    if has_holdout:
        e1, e2 = fits[first]["holdout_error"], fits[second]["holdout_error"]
        if abs(e1 - e2) > HOLDOUT_TIE:
            best, other = (first, second) if e1 < e2 else (second, first)
            return (
                best,
                f"{best}: lower holdout error by repeat-purchase bucket "
                f"({fits[best]['holdout_error']:.1%} vs "
                f"{fits[other]['holdout_error']:.1%} for {other}: the buckets' absolute "
                "errors in purchase days summed, over all actual purchase days; not the net "
                "total of validation_summary)",
            )
    why = "holdout errors within 1 point" if has_holdout else "no holdout to compare"
    l1, l2 = fits[first]["log_likelihood"], fits[second]["log_likelihood"]
    best, other = (first, second) if l1 >= l2 else (second, first)
    figures = (
        f"{fits[best]['log_likelihood']:.1f} vs {fits[other]['log_likelihood']:.1f} for {other}; "
        f"{why}"
    )
    mbg, bg = fits[MBGNBD_MODEL], fits[BGNBD_MODEL]
    supported = 2.0 * (bg["log_likelihood"] - mbg["log_likelihood"]) <= AIC_SUPPORT
    if (
        best == BGNBD_MODEL
        and non_repeaters >= NON_REPEATER_SHARE
        and supported
        and not mbg["no_dropout"]
    ):
        return (
            MBGNBD_MODEL,
            f"{MBGNBD_MODEL}: preferred, {non_repeaters:.0%} of customers have no repeat "
            f"purchase and {BGNBD_MODEL} gives them a probability alive of 1 by construction "
            f"(AIC within {AIC_SUPPORT:g}; log-likelihood {figures})",
        )
    return best, f"{best}: higher log-likelihood ({figures})"


def _spend_fits(spend: pd.DataFrame, data: pd.DataFrame, penalizer: float):
    """Fit Gamma-Gamma and the simple spend estimate; choose Gamma-Gamma unless degenerate."""
    simple = fit_simple_spend(
        spend["frequency"],
        spend["monetary_value"],
        spend[WEIGHT_COLUMN],
        None,
    )
    if simple["population_mean"] <= 0 and PURCHASE_VALUE_COLUMN in data.columns:
        simple = fit_simple_spend(
            data["frequency"] * 0,
            data["monetary_value"],
            data[WEIGHT_COLUMN],
            data[PURCHASE_VALUE_COLUMN],
        )
    simple = {**simple, "converged": True, "degenerate_reason": None, "log_likelihood": math.nan}
    correlation = math.nan
    if len(spend) == 0:
        gamma_gamma = {"converged": False, "log_likelihood": math.nan}
        gamma_gamma["degenerate_reason"] = (
            "no customer with a repeat purchase day and positive spend"
        )
    else:
        gamma_gamma = fit_gamma_gamma(
            spend["frequency"],
            spend["monetary_value"],
            weights=spend[WEIGHT_COLUMN],
            penalizer=penalizer,
        )
        if gamma_gamma["degenerate_reason"] is None and gamma_gamma["q"] <= 1:
            gamma_gamma["degenerate_reason"] = (
                f"q = {gamma_gamma['q']:.3g} <= 1 (infinite mean spend)"
            )
            gamma_gamma["converged"] = False
        correlation = _weighted_correlation(
            spend["frequency"].to_numpy(float),
            spend["monetary_value"].to_numpy(float),
            spend[WEIGHT_COLUMN].to_numpy(float),
        )
    gamma_gamma[CORRELATION_DIAGNOSTIC] = correlation
    fits = {GAMMA_GAMMA_MODEL: gamma_gamma, SIMPLE_SPEND_MODEL: simple}
    if gamma_gamma["degenerate_reason"] is None:
        reason = "gamma_gamma: fitted"
        if math.isfinite(correlation) and abs(correlation) > CORRELATION_WARNING:
            reason += (
                f"; warning: frequency-spend correlation {correlation:.2f} (above "
                f"{CORRELATION_WARNING}): Gamma-Gamma assumes spend independent of frequency"
            )
        return fits, GAMMA_GAMMA_MODEL, reason
    return (
        fits,
        SIMPLE_SPEND_MODEL,
        (f"gamma_gamma degenerate: {gamma_gamma['degenerate_reason']}; simple spend estimate used"),
    )


def _prepare(summary: pd.DataFrame, unit_days: float) -> pd.DataFrame:
    frame = _summary_frame(summary, SUMMARY_COLUMNS)
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
    if all(c in frame.columns for c in HOLDOUT_COLUMNS):
        data["holdout_purchases"] = frame["holdout_purchases"].fillna(0).to_numpy(float)
        data["holdout_days"] = frame["holdout_days"].fillna(0).to_numpy(float) / unit_days
    if PURCHASE_VALUE_COLUMN in frame.columns:
        data[PURCHASE_VALUE_COLUMN] = frame[PURCHASE_VALUE_COLUMN].to_numpy(float)
    return data


def fit_value_models(
    summary: pd.DataFrame, config: Mapping[str, Any], chosen_before: str | None = None
) -> pd.DataFrame:
    """Fit the value models on one customer summary; return one long parameter table.

    `summary` has frequency (repeat purchase days), recency (first to last purchase day), T
    (first purchase to period end), both in days, monetary_value (mean value per repeat
    purchase day, any value where frequency is 0) and optionally `customers` (row counts),
    holdout_purchases and holdout_days (what happened after the period end: the purchase
    model is then chosen by holdout error) and purchase_value (mean value per purchase day,
    first included: the simple spend estimate's fallback). `chosen_before` is the purchase
    model chosen on the calibration fit (kept unless degenerate here).

    Columns: model, parameter_name, parameter_value, time_unit, customers_used, is_chosen
    (the model used for scoring), fit_status ('ok' or 'degenerate: <reason>'), choice_reason
    (why this purchase and spend model, the same on every row). Rows: each model's parameters,
    then log_likelihood, converged (1.0/0.0), holdout_error for the purchase models when a
    holdout was given, and frequency_monetary_correlation for gamma_gamma. Never raises on
    data that merely cannot be fitted; raises ValueError on malformed input.
    """
    checked = validate_config(config)
    if len(_summary_frame(summary, SUMMARY_COLUMNS)) == 0:
        raise ValueError("summary has no rows")
    unit_days = DAYS_PER_UNIT[checked["time_unit"]]
    data = _prepare(summary, unit_days)
    columns = [c for c in (*BGNBD_COLUMNS, *HOLDOUT_COLUMNS) if c in data.columns]
    purchases = collapse_summary(data, columns)
    purchase_fits, purchase_model, purchase_reason = _purchase_fits(
        purchases, checked["penalizer"], chosen_before
    )
    spend = collapse_summary(data[data["frequency"] > 0], GAMMA_GAMMA_COLUMNS)
    spend = spend[spend["monetary_value"] > 0]
    spend_fits, spend_model, spend_reason = _spend_fits(spend, data, checked["penalizer"])
    reason = f"{purchase_reason}. {spend_reason}"
    customers = int(round(float(data[WEIGHT_COLUMN].sum())))
    spend_customers = int(round(float(spend[WEIGHT_COLUMN].sum())))
    rows = []
    for model, fit in (*purchase_fits.items(), *spend_fits.items()):
        status = (
            "ok" if fit["degenerate_reason"] is None else f"degenerate: {fit['degenerate_reason']}"
        )
        chosen = model in (purchase_model, spend_model)
        used = spend_customers if model == GAMMA_GAMMA_MODEL else customers
        names = [*PARAMS_BY_MODEL[model], "log_likelihood", "converged"]
        values = {name: fit.get(name, math.nan) for name in names}
        values["converged"] = 1.0 if fit["converged"] else 0.0
        if "holdout_error" in fit:
            values["holdout_error"] = fit["holdout_error"]
        if CORRELATION_DIAGNOSTIC in fit:
            values[CORRELATION_DIAGNOSTIC] = fit[CORRELATION_DIAGNOSTIC]
        for name, value in values.items():
            value = float(value) if isinstance(value, numbers.Real) else math.nan
            if not math.isfinite(value):
                continue  # a parameter the fit did not reach is absent, never NaN
            rows.append((model, name, value, checked["time_unit"], used, chosen, status, reason))
    table = pd.DataFrame(rows, columns=list(FIT_TABLE_COLUMNS))
    return table.astype(
        {
            "parameter_value": "float64",
            "customers_used": "int64",
            "time_unit": str,
            "is_chosen": bool,
        }
    )


def fit_value_model_periods(summary: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """Fit the "calibration" period first, then "current" with the calibration's choice.

    `summary` has a fit_period column ('calibration' and/or 'current') and the columns of
    `fit_value_models`. Returns the concatenated tables with fit_period first.
    """
    frame = _summary_frame(summary, ("fit_period", *SUMMARY_COLUMNS))
    tables = []
    chosen = None
    for period in ("calibration", "current"):
        rows = frame[frame["fit_period"] == period]
        if len(rows) == 0:
            continue
        table = fit_value_models(rows, config, chosen_before=chosen)
        if period == "calibration":
            picked = table[
                table["is_chosen"] & table["model"].isin([*PURCHASE_MODELS, SIMPLE_MODEL])
            ]
            chosen = str(picked["model"].iloc[0])
        table.insert(0, "fit_period", period)
        tables.append(table)
    if not tables:
        raise ValueError("summary has no 'calibration' or 'current' rows")
    return pd.concat(tables, ignore_index=True)


def chosen_params(
    params_table: pd.DataFrame,
) -> tuple[str, dict[str, float], str, dict[str, float], str]:
    """Return (purchase model, its params, spend model, its params, time_unit) of one fit."""
    table = _summary_frame(params_table, FIT_TABLE_COLUMNS[:5])
    units = set(table["time_unit"].astype(str))
    if len(units) != 1 or not units <= set(DAYS_PER_UNIT):
        raise ValueError(f"params_table must have one time_unit of {list(DAYS_PER_UNIT)} ({units})")
    if "is_chosen" in table.columns:
        chosen = table[table["is_chosen"].astype(bool)]
    else:  # an older table with one purchase and one spend model
        chosen = table
    result = []
    for candidates in ((*PURCHASE_MODELS, SIMPLE_MODEL), SPEND_MODELS):
        models = sorted(set(chosen["model"]) & set(candidates))
        if len(models) != 1:
            raise ValueError(
                f"params_table must have exactly one chosen model of {list(candidates)}"
            )
        model = models[0]
        rows = chosen[
            (chosen["model"] == model) & chosen["parameter_name"].isin(PARAMS_BY_MODEL[model])
        ]
        if rows["parameter_name"].duplicated().any():
            raise ValueError(f"params_table has duplicated {model} parameters")
        values = dict(
            zip(rows["parameter_name"], rows["parameter_value"].astype(float), strict=True)
        )
        missing = [n for n in PARAMS_BY_MODEL[model] if n not in values]
        if missing:
            raise ValueError(f"params_table is missing {model} parameter(s) {missing}")
        result += [model, {n: values[n] for n in PARAMS_BY_MODEL[model]}]
    return result[0], result[1], result[2], result[3], units.pop()
