"""Fit the customer-value models and choose one per fit (segmentation.value.fitting).

Thin on purpose: the maths lives in segmentation.value (unit-tested, including the published
CDNOW estimates). The input is int_value_model_training_summary: per-customer BTYD summaries
(never raw transactions), sampled to at most segmentation__max_training_rows customers and
collapsed to distinct rows with a customer count, so memory is bounded whatever the customer
base. Two fits: "calibration" (history up to the holdout start; BG/NBD and MBG/NBD are compared
on the holdout) and "current" (history up to the as-of date, used to score customers). A fit
that cannot be made (degenerate, or no data) is reported in its rows, never raised.
"""

import pandas as pd

from segmentation.clv import fit_value_model_periods
from segmentation.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    summary = to_pandas(dbt.ref("int_value_model_training_summary"))
    summary = summary.rename(
        columns={
            "recency_days": "recency",
            "age_days": "T",
            "repeat_purchase_day_value": "monetary_value",
            "purchase_day_value": "purchase_value",
        }
    )
    config = {"time_unit": "day", "penalizer": float(dbt.config.get("penalizer"))}
    fits = fit_value_model_periods(summary, config)
    end_dates = summary.groupby("fit_period")["fit_end_date"].first()
    fits["fit_end_date"] = [pd.Timestamp(end_dates[p]).date() for p in fits["fit_period"]]
    return fits
