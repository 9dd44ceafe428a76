"""Score the distinct purchase summaries with the fit in force, once each: a cache.

The input (int_value_model_score_inputs) holds every distinct purchase summary of every period.
The table keeps the scores of the value definition in force (value_model_fit) at the current
segmentation__clv_discount_rate, so a normal build scores only the summaries it has not scored
before (a new month adds few: most summaries recur); when the definition or the discount rate
changes, or on --full-refresh, the cache starts again. "holdout" rows (the calibration fit over
this build's holdout days) are always rescored. Inputs and results stream as Arrow record batches,
so no step holds all rows in memory. discounted_expected_orders discounts each month of the
horizon at segmentation__clv_discount_rate (annual).
"""

import pyarrow as pa

from segmentation.clv import score_purchase_summaries
from segmentation.frames import iter_pandas_batches, to_pandas

FIT_FOR_SCORE_SET = {"history": "current", "holdout": "calibration"}
KEY = ["score_set", "frequency", "recency_days", "age_days", "horizon_days"]
SCHEMA = pa.schema(
    [
        ("score_set", pa.string()),
        ("frequency", pa.int64()),
        ("recency_days", pa.int64()),
        ("age_days", pa.int64()),
        ("horizon_days", pa.int64()),
        ("probability_alive", pa.float64()),
        ("expected_orders", pa.float64()),
        ("discounted_expected_orders", pa.float64()),
        ("definition_version", pa.int64()),
        ("discount_rate", pa.float64()),
    ]
)


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="merge",
        unique_key=["score_set", "frequency", "recency_days", "age_days", "horizon_days"],
        on_schema_change="fail",
    )
    params = to_pandas(dbt.ref("value_model_fit"))
    fits = {period: rows for period, rows in params.groupby("fit_period")}
    version = int(params["definition_version"].iloc[0])
    batch_size = int(dbt.config.get("batch_size"))
    discount_rate = float(dbt.config.get("discount_rate"))
    inputs = dbt.ref("int_value_model_score_inputs")
    if dbt.is_incremental:
        # keep only what stays valid, then score only what is not kept
        session.execute(
            f"delete from {dbt.this} where score_set <> 'history' "
            "or definition_version <> ? or discount_rate <> ?",
            [version, discount_rate],
        )
        inputs = inputs.join(session.table(str(dbt.this)), ", ".join(KEY), how="anti")
    inputs = inputs.order(", ".join(KEY))

    def batches():
        for rows in iter_pandas_batches(inputs, batch_size):
            for score_set, group in rows.groupby("score_set", sort=True):
                fit = fits.get(FIT_FOR_SCORE_SET[score_set])
                if fit is None:  # no calibration period in the data: nothing to validate
                    continue
                scored = score_purchase_summaries(group, fit, discount_rate)
                scored["definition_version"] = version
                scored["discount_rate"] = discount_rate
                yield pa.RecordBatch.from_pandas(
                    scored[SCHEMA.names], schema=SCHEMA, preserve_index=False
                )

    # Streams: DuckDB pulls each batch while it writes the table, so peak memory stays at one
    # batch of inputs and scores.
    return pa.RecordBatchReader.from_batches(SCHEMA, batches())
