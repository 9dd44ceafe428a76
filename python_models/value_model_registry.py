"""The customer-value fits, versioned: one row set per build's check month with the fit in force
after the check (segmentation.definitions.version_value_fit; the maths is segmentation.value).

Incremental and never dropped by --full-refresh (full_refresh=False): each build replaces the
rows of its own check month (the as-of month end, delete+insert), reads the fit of the latest
other check month, and either keeps it (written again with this check month) or refits under the
refit policy shared with the clustering (segmentation__refit, segmentation__refit_interval_months)
and, under auto, when the stored calibration fit's holdout error exceeds
segmentation__drift_value_holdout_error. A rerun in the same month therefore writes the same rows.

The input is int_value_model_training_summary: per-customer BTYD summaries (never raw
transactions), sampled to at most segmentation__max_training_rows customers and collapsed to
distinct rows with a customer count, so memory is bounded whatever the customer base. Two fits:
"calibration" (history up to the holdout start; BG/NBD and MBG/NBD are compared on the holdout)
and "current" (history up to the as-of date, used to score customers). A fit that cannot be made
(degenerate, or no data) is reported in its rows, never raised. value_model_fit is the fit in force.
"""

from segmentation.definitions import registry_inputs, version_value_fit
from segmentation.frames import to_pandas


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="check_month_end",
        full_refresh=False,
        on_schema_change="fail",
    )
    summary = to_pandas(dbt.ref("int_value_model_training_summary"))
    fit_config = {"time_unit": "day", "penalizer": float(dbt.config.get("penalizer"))}
    fingerprint_settings = {
        **fit_config,
        "holdout_months": int(dbt.config.get("holdout_months")),
        "max_training_rows": int(dbt.config.get("max_training_rows")),
        "seed": int(dbt.config.get("seed")),
    }
    stored, replaced, request = registry_inputs(
        dbt,
        session,
        to_pandas(dbt.ref("int_cluster_refit_request")),
        dbt.config.get("refit"),
        dbt.config.get("refit_interval_months"),
    )
    request.update(
        {
            "holdout_error_threshold": float(dbt.config.get("drift_value_holdout_error")),
        }
    )
    return version_value_fit(summary, fit_config, fingerprint_settings, stored, request, replaced)
