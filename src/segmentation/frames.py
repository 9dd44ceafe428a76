"""Conversion of engine-side data frames to pandas for the Python models."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

ACCEPTED_FRAME_TYPES = (
    "DuckDB relation",
    "pandas.DataFrame",
    "pyarrow.Table",
    "polars.DataFrame / polars.LazyFrame",
    "Spark DataFrame (toPandas + limit)",
    "Snowpark DataFrame (to_pandas + limit)",
)


def to_pandas(frame: Any, max_rows: int | None = None) -> pd.DataFrame:
    """Return `frame` as a pandas DataFrame with at most `max_rows` rows (all rows if None).

    Engine-side frames (DuckDB, polars lazy, Spark, Snowpark) are limited by the engine before
    any row is pulled; which rows a limit keeps is up to the engine, so callers wanting a
    deterministic subset should order the frame first. A pandas DataFrame is returned as-is
    (not copied) when no limit is given.
    """
    if max_rows is not None and (
        isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 0
    ):
        raise ValueError(f"max_rows must be None or an int >= 0 (got {max_rows!r})")

    def limited(obj: Any, method: str = "limit") -> Any:
        return obj if max_rows is None else getattr(obj, method)(max_rows)

    if isinstance(frame, pd.DataFrame):
        return limited(frame, "head")
    if isinstance(frame, pa.Table):
        return (frame if max_rows is None else frame.slice(0, max_rows)).to_pandas()
    package = type(frame).__module__.split(".")[0]
    if package == "duckdb" and hasattr(frame, "limit"):
        relation = limited(frame)
        if hasattr(relation, "to_arrow_table"):  # DuckDB >= 2.0 (fetch_arrow_table deprecated)
            return relation.to_arrow_table().to_pandas()
        if hasattr(relation, "arrow"):  # older DuckDB: a Table; newer: a RecordBatchReader
            result = relation.arrow()
            return (result.read_all() if hasattr(result, "read_all") else result).to_pandas()
        return relation.df()
    if package == "polars":
        frame = limited(frame)
        return (frame.collect() if hasattr(frame, "collect") else frame).to_pandas()
    if hasattr(frame, "toPandas") and hasattr(frame, "limit"):  # Spark
        return limited(frame).toPandas()
    if hasattr(frame, "to_pandas") and hasattr(frame, "limit"):  # Snowpark
        return limited(frame).to_pandas()
    raise TypeError(
        f"to_pandas() cannot convert {type(frame).__module__}.{type(frame).__qualname__}; "
        f"accepted: {', '.join(ACCEPTED_FRAME_TYPES)}"
    )
