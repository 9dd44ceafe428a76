"""Tests of the synthetic demo data generator (segmentation.demo_data)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from segmentation import demo_data

N_CUSTOMERS = 600
WINDOW_START = pd.Timestamp("2023-11-01 00:00:00")
WINDOW_END = pd.Timestamp("2026-10-31 23:59:59")

COLUMNS = {
    "customers": [
        "customer_id",
        "signup_at",
        "country",
        "region",
        "acquisition_channel",
        "birth_year",
        "gender",
        "email",
    ],
    "orders": [
        "order_id",
        "customer_id",
        "ordered_at",
        "status",
        "sales_channel",
        "amount",
        "discount_amount",
    ],
    "order_items": ["order_id", "line_number", "product_id", "quantity", "unit_price"],
    "products": ["product_id", "product_name", "category", "list_price"],
    "engagement_events": ["event_id", "customer_id", "occurred_at", "event_type"],
    "support_tickets": ["ticket_id", "customer_id", "opened_at", "resolved_at", "satisfaction"],
    "nps_responses": ["response_id", "customer_id", "responded_at", "score"],
    # what was sent: the demo sends nothing, so the file holds the header only
    "interventions_sent": ["customer_id", "pathway_id", "sent_at", "channel"],
}
TIMESTAMPS = {
    "customers": ["signup_at"],
    "orders": ["ordered_at"],
    "engagement_events": ["occurred_at"],
    "support_tickets": ["opened_at", "resolved_at"],
    "nps_responses": ["responded_at"],
}
IDS = {
    "customers": ["customer_id"],
    "orders": ["order_id"],
    "order_items": ["order_id", "line_number"],
    "products": ["product_id"],
    "engagement_events": ["event_id"],
    "support_tickets": ["ticket_id"],
    "nps_responses": ["response_id"],
}


def plain(values: pd.Series) -> list:
    """Values as Python objects with every kind of missing value as None."""
    return [None if pd.isna(value) else value for value in values.astype(object)]


def read_csv(directory: Path, source: str) -> pd.DataFrame:
    frame = pd.read_csv(directory / f"{source}.csv")
    for column in TIMESTAMPS.get(source, []):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d %H:%M:%S")
    return frame


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One CSV data set of N_CUSTOMERS customers, with its counts, tables and ground truth."""
    out = tmp_path_factory.mktemp("demo_csv")
    truth_path = out / "truth" / "personas.csv"
    counts = demo_data.generate(N_CUSTOMERS, out, fmt="csv", seed=7, truth_path=truth_path)
    tables = {source: read_csv(out, source) for source in demo_data.SOURCES}
    return {"out": out, "counts": counts, "tables": tables, "truth": pd.read_csv(truth_path)}


@pytest.fixture(scope="module")
def features(demo: dict) -> pd.DataFrame:
    """Per-customer order features joined to the planted persona."""
    orders = demo["tables"]["orders"].copy()
    orders["gross"] = orders["amount"] + orders["discount_amount"]
    per_customer = orders.groupby("customer_id").agg(
        frequency=("order_id", "size"),
        gross=("gross", "sum"),
        discount=("discount_amount", "sum"),
        returns=("status", lambda status: (status == "returned").sum()),
        last_order=("ordered_at", "max"),
    )
    frame = demo["truth"].merge(per_customer, on="customer_id", how="left")
    frame["frequency"] = frame["frequency"].fillna(0)
    frame["discount_share"] = frame["discount"] / frame["gross"]
    frame["return_rate"] = frame["returns"] / frame["frequency"]
    return frame


# ---- determinism --------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_csv_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    demo_data.generate(300, first, seed=3, truth_path=first / "truth.csv")
    demo_data.generate(300, second, seed=3, truth_path=second / "truth.csv")
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted([f"{s}.csv" for s in demo_data.SOURCES] + ["truth.csv"])
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_same_seed_gives_byte_identical_parquet_files(tmp_path: Path) -> None:
    demo_data.generate(300, tmp_path / "a", fmt="parquet", seed=3)
    demo_data.generate(300, tmp_path / "b", fmt="parquet", seed=3)
    for source in demo_data.SOURCES:
        name = f"{source}.parquet"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    demo_data.generate(300, tmp_path / "a", seed=3, truth_path=tmp_path / "a.csv")
    demo_data.generate(300, tmp_path / "b", seed=4, truth_path=tmp_path / "b.csv")
    for name in ("customers.csv", "orders.csv", "engagement_events.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "b.csv").read_bytes()


# ---- file format ----------------------------------------------------------------------------


def test_files_columns_and_counts(demo: dict) -> None:
    assert list(demo["counts"]) == list(demo_data.SOURCES)
    for source, columns in COLUMNS.items():
        frame = demo["tables"][source]
        assert list(frame.columns) == columns, source
        assert len(frame) == demo["counts"][source], source
        assert (len(frame) == 0) == (source == "interventions_sent"), source
    assert demo["counts"]["customers"] == N_CUSTOMERS
    assert list(demo["truth"].columns) == ["customer_id", "persona"]


def test_rows_sorted_by_unique_dense_ids(demo: dict) -> None:
    for source, keys in IDS.items():
        frame = demo["tables"][source]
        assert not frame.duplicated(keys).any(), source
        assert frame.equals(frame.sort_values(keys, ignore_index=True)), source
        if len(keys) == 1:
            assert frame[keys[0]].tolist() == list(range(1, len(frame) + 1)), source


def test_csv_text_format(demo: dict) -> None:
    out = demo["out"]
    orders = (out / "orders.csv").read_text().splitlines()
    assert orders[0] == ",".join(COLUMNS["orders"])
    row = re.compile(
        r"^\d+,\d+,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,(completed|cancelled|returned),"
        r"(web|app|store),\d+\.\d\d,\d+\.\d\d$"
    )
    assert all(row.match(line) for line in orders[1:])
    items = (out / "order_items.csv").read_text().splitlines()[1:]
    assert all(re.match(r"^\d+,\d+,\d+,[1-4],\d+\.\d\d$", line) for line in items)
    tickets = (out / "support_tickets.csv").read_text().splitlines()[1:]
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    ticket_row = rf"^\d+,\d+,{stamp},({stamp})?,[1-5]?$"
    assert all(re.match(ticket_row, line) for line in tickets)
    for path in out.glob("*.csv"):
        assert '"' not in path.read_text(), path.name


def test_persona_is_only_in_the_truth_file(demo: dict) -> None:
    for source in demo_data.SOURCES:
        text = (demo["out"] / f"{source}.csv").read_text()
        assert "persona" not in text
        assert not any(persona in text for persona in demo_data.PERSONAS), source


# ---- referential integrity and consistency --------------------------------------------------


def test_referential_integrity(demo: dict) -> None:
    t = demo["tables"]
    customers = set(t["customers"]["customer_id"])
    assert set(t["orders"]["customer_id"]) <= customers
    assert set(t["engagement_events"]["customer_id"]) <= customers
    assert set(t["support_tickets"]["customer_id"]) <= customers
    assert set(t["nps_responses"]["customer_id"]) <= customers
    assert set(t["order_items"]["order_id"]) == set(t["orders"]["order_id"])  # no empty order
    assert set(t["order_items"]["product_id"]) <= set(t["products"]["product_id"])
    assert set(demo["truth"]["customer_id"]) == customers


def test_order_amounts_match_lines_minus_discount(demo: dict) -> None:
    t = demo["tables"]
    items = t["order_items"]
    lines = (items["quantity"] * items["unit_price"]).groupby(items["order_id"]).sum()
    orders = t["orders"].set_index("order_id")
    expected = lines.reindex(orders.index) - orders["discount_amount"]
    assert np.allclose(orders["amount"], expected, atol=0.01)
    assert (orders["amount"] > 0).all()
    assert (orders["discount_amount"] >= 0).all()
    numbering = items.groupby("order_id")["line_number"].agg(["min", "max", "size"])
    assert (numbering["min"] == 1).all() and (numbering["max"] == numbering["size"]).all()
    assert items["quantity"].between(1, 4).all()


def test_products_catalogue(demo: dict) -> None:
    products = demo["tables"]["products"]
    assert 250 <= len(products) <= 350
    assert products["category"].nunique() == 8
    assert products["product_name"].is_unique
    assert (products["list_price"] > 0).all()
    items = demo["tables"]["order_items"].merge(products, on="product_id")
    ratio = items["unit_price"] / items["list_price"]
    assert ratio.between(0.85, 1.10).all()
    assert (ratio == 1).mean() > 0.8


def test_timestamps_inside_window_and_after_signup(demo: dict) -> None:
    t = demo["tables"]
    signup = t["customers"].set_index("customer_id")["signup_at"]
    for source, columns in TIMESTAMPS.items():
        frame = t[source]
        for column in columns:
            values = frame[column].dropna()
            assert values.between(WINDOW_START, WINDOW_END).all(), (source, column)
            if source != "customers":
                owner_signup = frame.loc[values.index, "customer_id"].map(signup)
                assert (values >= owner_signup).all(), (source, column)
    tickets = t["support_tickets"].dropna(subset=["resolved_at"])
    assert (tickets["resolved_at"] > tickets["opened_at"]).all()


def test_custom_window(tmp_path: Path) -> None:
    counts = demo_data.generate(200, tmp_path, months=12, end_date="2025-06-30")
    assert counts["orders"] > 0
    for source, columns in TIMESTAMPS.items():
        frame = read_csv(tmp_path, source)
        for column in columns:
            values = frame[column].dropna()
            assert values.min() >= pd.Timestamp("2024-07-01 00:00:00"), (source, column)
            assert values.max() <= pd.Timestamp("2025-06-30 23:59:59"), (source, column)


# ---- realism and planted personas -----------------------------------------------------------


def test_persona_shares(demo: dict) -> None:
    shares = demo["truth"]["persona"].value_counts(normalize=True)
    assert set(shares.index) == set(demo_data.PERSONAS)
    for persona, target in demo_data.PERSONA_SHARES.items():
        assert abs(shares[persona] - target) < 0.03, persona
        assert shares[persona] >= 0.08


def test_prospects_never_order(features: pd.DataFrame) -> None:
    prospects = features[features["persona"] == "prospect"]
    assert (prospects["frequency"] == 0).all()
    buyers = features[features["persona"] != "prospect"]
    assert (buyers["frequency"] >= 1).all()
    never = (features["frequency"] == 0).mean()
    assert 0.06 <= never <= 0.15


def test_order_frequency_by_persona(features: pd.DataFrame) -> None:
    median = features.groupby("persona")["frequency"].median()
    assert median["vip_loyalist"] > median["steady_regular"] > median["lapsed_one_timer"]
    assert median["bargain_hunter"] > median["new_enthusiast"] > median["prospect"]


def test_bargain_hunters_get_the_discounts(features: pd.DataFrame) -> None:
    share = features.groupby("persona")["discount_share"].median().drop("prospect")
    assert 0.25 <= share["bargain_hunter"] <= 0.45
    assert share["bargain_hunter"] > 2 * share.drop("bargain_hunter").max()
    returns = features.groupby("persona")["return_rate"].mean().drop("prospect")
    assert returns.idxmax() == "bargain_hunter"


def test_recency_and_tenure_by_persona(demo: dict, features: pd.DataFrame) -> None:
    recency = (WINDOW_END - features["last_order"]).dt.days.groupby(features["persona"]).median()
    assert recency["lapsed_one_timer"] > 365
    assert recency[["vip_loyalist", "new_enthusiast"]].max() < 90
    signup = demo["tables"]["customers"].set_index("customer_id")["signup_at"]
    tenure = (WINDOW_END - features["customer_id"].map(signup)).dt.days
    new = tenure[features["persona"] == "new_enthusiast"]
    assert new.between(110, 190).all()


def test_status_mix_and_seasonality(demo: dict) -> None:
    orders = demo["tables"]["orders"]
    mix = orders["status"].value_counts(normalize=True)
    assert 0.85 <= mix["completed"] <= 0.94
    assert 0.02 <= mix["cancelled"] <= 0.07
    assert 0.03 <= mix["returned"] <= 0.12
    month = orders["ordered_at"].dt.to_period("M")
    per_day = month.value_counts() / month.value_counts().index.days_in_month
    for year in (2024, 2025):  # holiday season against the two months before it
        holidays = per_day[[pd.Period(f"{year}-11", "M"), pd.Period(f"{year}-12", "M")]].mean()
        autumn = per_day[[pd.Period(f"{year}-09", "M"), pd.Period(f"{year}-10", "M")]].mean()
        assert holidays > 1.2 * autumn, year


def test_engagement_follows_behaviour(demo: dict) -> None:
    events = demo["tables"]["engagement_events"].merge(demo["truth"], on="customer_id")
    counts = events.pivot_table(
        index="persona", columns="event_type", values="event_id", aggfunc="size", fill_value=0
    )
    open_rate = counts["email_opened"] / counts["email_delivered"]
    assert open_rate["vip_loyalist"] > open_rate["steady_regular"] > open_rate["lapsed_one_timer"]
    app_share = counts["app_session"] / (counts["app_session"] + counts["web_session"])
    assert app_share.idxmax() == "new_enthusiast"
    per_customer = len(demo["tables"]["engagement_events"]) / N_CUSTOMERS
    assert 25 <= per_customer <= 55


def test_missing_values_and_side_sources(demo: dict) -> None:
    t = demo["tables"]
    customers = t["customers"]
    assert 0.05 <= customers["birth_year"].isna().mean() <= 0.15
    assert 0.10 <= customers["gender"].isna().mean() <= 0.20
    assert set(customers["gender"].dropna()) <= {"female", "male", "other"}
    assert set(customers["region"]) <= {
        "North America",
        "UK & Ireland",
        "DACH",
        "Western Europe",
        "Southern Europe",
    }
    assert customers["email"].str.fullmatch(r"customer\d+@example\.com").all()
    tickets = t["support_tickets"]
    assert 0.01 <= tickets["resolved_at"].isna().mean() <= 0.12
    assert 0.2 <= tickets["satisfaction"].isna().mean() <= 0.4
    nps = t["nps_responses"]
    assert nps["score"].between(0, 10).all()
    assert 0.2 <= nps["customer_id"].nunique() / N_CUSTOMERS <= 0.4
    assert nps.groupby("customer_id").size().max() <= 2


# ---- formats and command line ---------------------------------------------------------------


def test_parquet_holds_the_same_data_as_csv(tmp_path: Path) -> None:
    csv_counts = demo_data.generate(300, tmp_path / "csv", fmt="csv", seed=11)
    pq_counts = demo_data.generate(300, tmp_path / "pq", fmt="parquet", seed=11)
    assert csv_counts == pq_counts
    for source in demo_data.SOURCES:
        from_csv = read_csv(tmp_path / "csv", source)
        from_parquet = pq.read_table(tmp_path / "pq" / f"{source}.parquet").to_pandas()
        assert list(from_parquet.columns) == COLUMNS[source]
        for column in from_parquet.columns:
            left, right = from_csv[column], from_parquet[column]
            if column in TIMESTAMPS.get(source, []):
                left, right = left.astype("datetime64[s]"), right.astype("datetime64[s]")
                pd.testing.assert_series_equal(left, right, obj=f"{source}.{column}")
            elif pd.api.types.is_numeric_dtype(left):
                left, right = left.to_numpy(float), right.astype("float64").to_numpy()
                assert np.array_equal(left, right, equal_nan=True), (source, column)
            else:
                assert plain(left) == plain(right), (source, column)


def test_cli_writes_files_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, truth = tmp_path / "demo", tmp_path / "fixtures" / "personas.csv"
    argv = ["--customers", "150", "--out", str(out), "--format", "parquet", "--seed", "5"]
    assert demo_data.main([*argv, "--months", "24", "--truth", str(truth)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}.parquet" for s in COLUMNS)
    assert len(pd.read_csv(truth)) == 150
    assert "orders" in capsys.readouterr().out


def test_invalid_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        demo_data.generate(10, tmp_path, fmt="json")
    with pytest.raises(ValueError, match="customers"):
        demo_data.generate(-1, tmp_path)
    with pytest.raises(ValueError, match="months"):
        demo_data.generate(10, tmp_path, months=0)
