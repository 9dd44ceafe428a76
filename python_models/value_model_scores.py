"""Score every distinct purchase summary with the chosen purchase model, batch by batch.

The input (int_value_model_score_inputs) is read as a stream of Arrow record batches and the
result is returned as a record-batch reader, so no step holds all rows in memory. "history"
rows are scored with the "current" fit over segmentation__clv_horizon_days; "holdout" rows with
the "calibration" fit over the holdout days. discounted_expected_orders discounts each month of
the horizon at segmentation__clv_discount_rate (annual).
"""

import pyarrow as pa

from segmentation.clv import score_purchase_summaries
from segmentation.frames import iter_pandas_batches, to_pandas

FIT_FOR_SCORE_SET = {"history": "current", "holdout": "calibration"}
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
    ]
)


def model(dbt, session):
    dbt.config(materialized="table")
    params = to_pandas(dbt.ref("value_model_fit"))
    fits = {period: rows for period, rows in params.groupby("fit_period")}
    batch_size = int(dbt.config.get("batch_size"))
    discount_rate = float(dbt.config.get("discount_rate"))

    def batches():
        for inputs in iter_pandas_batches(dbt.ref("int_value_model_score_inputs"), batch_size):
            for score_set, rows in inputs.groupby("score_set", sort=True):
                fit = fits.get(FIT_FOR_SCORE_SET[score_set])
                if fit is None:  # no calibration period in the data: nothing to validate
                    continue
                scored = score_purchase_summaries(rows, fit, discount_rate)
                yield pa.RecordBatch.from_pandas(
                    scored[SCHEMA.names], schema=SCHEMA, preserve_index=False
                )

    # Streams: DuckDB pulls each batch while it writes the table, so peak memory stays at one
    # batch of inputs and scores.
    return pa.RecordBatchReader.from_batches(SCHEMA, batches())
