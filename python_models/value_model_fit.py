"""Fit the customer-value models (BG/NBD and Gamma-Gamma) by maximum likelihood.

Thin on purpose: the maths lives in segmentation.clv (unit-tested, including recovery of known
parameters). The input is int_value_model_training_summary: per-customer summaries (never raw
transactions), sampled to at most segmentation__max_training_rows customers and collapsed to
distinct rows with a customer count, so memory is bounded whatever the customer base. Two fits:
"calibration" (history up to the holdout start, validated in fct_value_model_holdout) and
"current" (history up to the as-of date, used to score customers).
"""

import pandas as pd

from segmentation.clv import fit_value_models
from segmentation.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    summary = to_pandas(dbt.ref("int_value_model_training_summary"))
    summary = summary.rename(
        columns={"recency_days": "recency", "age_days": "T", "mean_order_value": "monetary_value"}
    )
    config = {"time_unit": "day", "penalizer": float(dbt.config.get("penalizer"))}
    fits = []
    for fit_period, rows in summary.groupby("fit_period", sort=True):
        fit = fit_value_models(rows, config)  # collapses and sorts the rows itself
        fit.insert(0, "fit_period", fit_period)
        fit["fit_end_date"] = pd.Timestamp(rows["fit_end_date"].iloc[0]).date()
        fits.append(fit)
    return pd.concat(fits, ignore_index=True)
