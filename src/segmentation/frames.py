"""Conversion of engine-side data frames to pandas (whole or in batches) for the Python models."""

from __future__ import annotations

from collections.abc import Iterator
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


def iter_pandas_batches(frame: Any, batch_size: int = 100_000) -> Iterator[pd.DataFrame]:
    """Yield `frame` as pandas DataFrames of at most `batch_size` rows, without pulling it whole.

    For models that must handle every row (scoring) without assuming the rows fit in memory:
    DuckDB relations stream through an Arrow record-batch reader, Arrow tables and pandas frames
    are sliced, polars frames are sliced after converting, Spark frames stream with
    toLocalIterator and Snowpark frames with to_pandas_batches. Batches keep the frame's order.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1 (got {batch_size!r})")
    if isinstance(frame, pd.DataFrame):
        for start in range(0, len(frame), batch_size):
            yield frame.iloc[start : start + batch_size]
        return
    if isinstance(frame, pa.Table):
        for batch in frame.to_batches(max_chunksize=batch_size):
            yield batch.to_pandas()
        return
    package = type(frame).__module__.split(".")[0]
    if package == "duckdb" and hasattr(frame, "limit"):
        reader = (
            frame.to_arrow_reader(batch_size)
            if hasattr(frame, "to_arrow_reader")
            else frame.fetch_arrow_reader(batch_size)
        )
        for batch in reader:
            yield batch.to_pandas()
        return
    if package == "polars":  # polars frames live in this process's memory already
        yield from iter_pandas_batches(to_pandas(frame), batch_size)
        return
    if hasattr(frame, "toLocalIterator") and hasattr(frame, "columns"):  # Spark
        rows: list[Any] = []
        for row in frame.toLocalIterator():
            rows.append(tuple(row))
            if len(rows) == batch_size:
                yield pd.DataFrame(rows, columns=frame.columns)
                rows = []
        if rows:
            yield pd.DataFrame(rows, columns=frame.columns)
        return
    if hasattr(frame, "to_pandas_batches"):  # Snowpark
        for chunk in frame.to_pandas_batches():
            yield from iter_pandas_batches(chunk, batch_size)
        return
    raise TypeError(
        f"iter_pandas_batches() cannot read {type(frame).__module__}.{type(frame).__qualname__}; "
        f"accepted: {', '.join(ACCEPTED_FRAME_TYPES)}"
    )
