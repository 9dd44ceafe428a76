"""The generated data shapes have the shape they claim, and are deterministic."""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest

from segmentation.shapes import SHAPES, write_shape


def read_orders(directory: Path) -> pd.DataFrame:
    if (directory / "orders.parquet").exists():
        orders = pd.read_parquet(directory / "orders.parquet")
    else:
        orders = pd.read_csv(directory / "orders.csv", dtype={"order_id": str, "customer_id": str})
    orders["ordered_at"] = pd.to_datetime(orders["ordered_at"])
    return orders


@pytest.fixture(scope="module")
def shapes_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shapes")
    for name in SHAPES:
        write_shape(name, root / name)
    return root


@pytest.mark.parametrize("name", list(SHAPES))
def test_same_seed_same_bytes(name: str, shapes_dir: Path, tmp_path: Path) -> None:
    write_shape(name, tmp_path)
    first = {path.name: path.read_bytes() for path in sorted((shapes_dir / name).iterdir())}
    second = {path.name: path.read_bytes() for path in sorted(tmp_path.iterdir())}
    assert first == second


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_shape_has_a_valid_order_with_unique_ids(name: str, shapes_dir: Path) -> None:
    orders = read_orders(shapes_dir / name)
    assert len(orders) >= 1
    assert orders["order_id"].is_unique
    assert (orders["amount"] > 0).all()


def test_customer_counts(shapes_dir: Path) -> None:
    counts = {name: read_orders(shapes_dir / name)["customer_id"].nunique() for name in SHAPES}
    assert counts["one_customer"] == 1
    assert counts["five_customers"] == 5
    assert counts["thirty_customers"] == 30


def test_orders_only_writes_only_orders(shapes_dir: Path) -> None:
    assert sorted(path.name for path in (shapes_dir / "orders_only").iterdir()) == ["orders.csv"]
    assert list(read_orders(shapes_dir / "orders_only").columns) == [
        "order_id",
        "customer_id",
        "ordered_at",
        "amount",
    ]


def test_one_time_buyers_buy_once(shapes_dir: Path) -> None:
    orders = read_orders(shapes_dir / "one_time_buyers")
    assert orders.groupby("customer_id").size().max() == 1


def test_one_big_customer_has_ten_thousand_orders(shapes_dir: Path) -> None:
    sizes = read_orders(shapes_dir / "one_big_customer").groupby("customer_id").size()
    assert sizes.max() == 10_000
    assert (sizes < 100).sum() == len(sizes) - 1


def test_one_day_is_one_day(shapes_dir: Path) -> None:
    orders = read_orders(shapes_dir / "one_day")
    assert orders["ordered_at"].dt.date.nunique() == 1


def test_weekly_b2b_orders_every_seven_days(shapes_dir: Path) -> None:
    orders = read_orders(shapes_dir / "weekly_b2b").sort_values(["customer_id", "ordered_at"])
    gaps = orders.groupby("customer_id")["ordered_at"].diff().dropna()
    assert (gaps == pd.Timedelta(days=7)).all()


def test_long_history_spans_25_years_from_the_1990s(shapes_dir: Path) -> None:
    orders = read_orders(shapes_dir / "long_history_1990s")
    first, last = orders["ordered_at"].min(), orders["ordered_at"].max()
    assert 1990 <= first.year < 2000
    assert (last - first).days > 24 * 365


def test_weekly_b2b_has_uuid_ids_and_csv_only(shapes_dir: Path) -> None:
    directory = shapes_dir / "weekly_b2b"
    assert {path.suffix for path in directory.iterdir()} == {".csv"}
    orders = read_orders(directory)
    for column in ("order_id", "customer_id"):
        assert all(uuid.UUID(value).version == 4 for value in orders[column])


def test_cdnow_like_has_the_cdnow_window_and_a_q1_1997_cohort(shapes_dir: Path) -> None:
    orders = read_orders(shapes_dir / "cdnow_like")
    first_orders = orders.groupby("customer_id")["ordered_at"].min()
    assert first_orders.min() >= pd.Timestamp("1997-01-01")
    assert first_orders.max() < pd.Timestamp("1997-04-01")
    assert orders["ordered_at"].max() < pd.Timestamp("1998-07-01")
    # CDNOW: most of the cohort never buys again; about 3 orders per customer on average
    one_timers = (orders.groupby("customer_id").size() == 1).mean()
    assert 0.4 < one_timers < 0.8
    assert 2.0 < len(orders) / orders["customer_id"].nunique() < 4.0
