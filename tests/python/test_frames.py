"""Tests for segmentation.frames: to_pandas and iter_pandas_batches."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from segmentation.frames import iter_pandas_batches, to_pandas


class FakeEngineFrame:
    """Stands in for an engine frame: records limit() calls and converts lazily."""

    def __init__(self, data: pd.DataFrame, calls: list[str]) -> None:
        self._data = data
        self.calls = calls

    def limit(self, n: int) -> FakeEngineFrame:
        self.calls.append(f"limit({n})")
        return type(self)(self._data.head(n), self.calls)

    def _pull(self) -> pd.DataFrame:
        self.calls.append("pull")
        return self._data.copy()


class FakeSparkFrame(FakeEngineFrame):
    def toPandas(self) -> pd.DataFrame:  # noqa: N802 - Spark's spelling
        return self._pull()


class FakeSnowparkFrame(FakeEngineFrame):
    def to_pandas(self) -> pd.DataFrame:
        return self._pull()


class FakePolarsLazyFrame(FakeEngineFrame):
    def collect(self) -> FakePolarsFrame:
        self.calls.append("collect")
        return FakePolarsFrame(self._data, self.calls)


class FakePolarsFrame(FakeEngineFrame):
    def to_pandas(self) -> pd.DataFrame:
        return self._pull()


for _fake in (FakePolarsLazyFrame, FakePolarsFrame):
    _fake.__module__ = "polars.fake"


class FakeOldDuckDBRelation:
    """A relation from a DuckDB release whose arrow() returns `result`."""

    __module__ = "duckdb.fake"

    def __init__(self, result: object) -> None:
        self.result = result
        self.limited_to: int | None = None

    def limit(self, n: int) -> FakeOldDuckDBRelation:
        self.limited_to = n
        return self

    def arrow(self) -> object:
        return self.result


DATA = pd.DataFrame({"customer_id": [1, 2, 3, 4], "monetary": [10.0, None, 30.0, 40.0]})


@pytest.fixture()
def relation() -> Iterator[duckdb.DuckDBPyRelation]:
    con = duckdb.connect()
    yield con.sql(
        "select range as customer_id, case when range = 1 then null else range * 1.5 end "
        "as monetary, 'c' || range::varchar as label from range(10) order by range"
    )
    con.close()


def test_duckdb_relation_converts_all_rows(relation: duckdb.DuckDBPyRelation) -> None:
    out = to_pandas(relation)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["customer_id", "monetary", "label"]
    assert len(out) == 10
    assert pd.isna(out.loc[1, "monetary"])
    assert out.loc[2, "monetary"] == 3.0
    assert out.loc[3, "label"] == "c3"


def test_duckdb_relation_limit_and_connection_stays_usable(
    relation: duckdb.DuckDBPyRelation,
) -> None:
    out = to_pandas(relation, max_rows=3)
    assert out["customer_id"].tolist() == [0, 1, 2]
    # No Arrow reader is left open on the connection: a new query still runs.
    assert relation.count("*").fetchall() == [(10,)]


def test_old_duckdb_arrow_returning_table_or_reader() -> None:
    table = pa.Table.from_pandas(DATA, preserve_index=False)
    old = FakeOldDuckDBRelation(table)
    assert to_pandas(old, max_rows=2).equals(DATA)
    assert old.limited_to == 2
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    assert to_pandas(FakeOldDuckDBRelation(reader)).equals(DATA)


def test_pandas_is_returned_as_is_or_limited() -> None:
    assert to_pandas(DATA) is DATA
    limited = to_pandas(DATA, max_rows=2)
    assert limited["customer_id"].tolist() == [1, 2]
    assert len(to_pandas(DATA, max_rows=0)) == 0


def test_arrow_table() -> None:
    table = pa.table({"customer_id": [1, 2, 3], "monetary": [1.0, None, 3.0]})
    out = to_pandas(table)
    assert out["customer_id"].tolist() == [1, 2, 3]
    assert pd.isna(out.loc[1, "monetary"])
    assert to_pandas(table, max_rows=1)["customer_id"].tolist() == [1]


@pytest.mark.parametrize("fake_type", [FakeSparkFrame, FakeSnowparkFrame, FakePolarsFrame])
def test_engine_frames_are_limited_before_pulling(fake_type: type[FakeEngineFrame]) -> None:
    calls: list[str] = []
    out = to_pandas(fake_type(DATA, calls), max_rows=2)
    assert calls == ["limit(2)", "pull"]
    assert out["customer_id"].tolist() == [1, 2]
    calls.clear()
    assert len(to_pandas(fake_type(DATA, calls))) == 4
    assert calls == ["pull"]


def test_polars_lazy_frame_is_limited_then_collected() -> None:
    calls: list[str] = []
    out = to_pandas(FakePolarsLazyFrame(DATA, calls), max_rows=3)
    assert calls == ["limit(3)", "collect", "pull"]
    assert len(out) == 3


def test_unknown_type_raises_type_error_naming_type_and_accepted() -> None:
    with pytest.raises(TypeError, match=r"builtins\.list.*accepted:.*pyarrow\.Table"):
        to_pandas([1, 2, 3])

    class NoLimit:
        def toPandas(self) -> pd.DataFrame:  # noqa: N802
            return DATA

    with pytest.raises(TypeError, match="NoLimit"):
        to_pandas(NoLimit())


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10"])
def test_bad_max_rows(bad: object) -> None:
    with pytest.raises(ValueError, match="max_rows"):
        to_pandas(DATA, max_rows=bad)  # type: ignore[arg-type]


def test_duckdb_relation_streams_in_batches(relation: duckdb.DuckDBPyRelation) -> None:
    batches = list(iter_pandas_batches(relation, batch_size=4))
    assert [len(batch) for batch in batches] == [4, 4, 2]
    whole = pd.concat(batches, ignore_index=True)
    pd.testing.assert_frame_equal(whole, to_pandas(relation))


def test_pandas_and_arrow_are_sliced_in_order() -> None:
    assert [b["customer_id"].tolist() for b in iter_pandas_batches(DATA, 3)] == [[1, 2, 3], [4]]
    table = pa.Table.from_pandas(DATA, preserve_index=False)
    assert [len(b) for b in iter_pandas_batches(table, 2)] == [2, 2]
    assert list(iter_pandas_batches(DATA.head(0), 2)) == []


def test_spark_and_snowpark_frames_stream() -> None:
    class Row(tuple):
        pass

    class Spark:
        columns = ["customer_id", "monetary"]

        def toLocalIterator(self) -> Iterator[Row]:  # noqa: N802 - Spark's spelling
            for values in DATA.itertuples(index=False):
                yield Row(values)

    class Snowpark:
        def to_pandas_batches(self) -> Iterator[pd.DataFrame]:
            yield DATA.head(3)
            yield DATA.tail(1)

    spark = list(iter_pandas_batches(Spark(), batch_size=3))
    assert [len(b) for b in spark] == [3, 1]
    assert pd.concat(spark, ignore_index=True)["customer_id"].tolist() == [1, 2, 3, 4]
    snowpark = list(iter_pandas_batches(Snowpark(), batch_size=2))
    assert [len(b) for b in snowpark] == [2, 1, 1]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_batch_size(bad: object) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        list(iter_pandas_batches(DATA, batch_size=bad))  # type: ignore[arg-type]


def test_unknown_type_cannot_be_batched() -> None:
    with pytest.raises(TypeError, match=r"builtins\.list.*accepted"):
        list(iter_pandas_batches([1, 2, 3]))
