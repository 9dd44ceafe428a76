"""A source that loses its rows to quarantine says so: all orders quarantined stops the build with
one message (counts per reason, an example row, the var to look at); a source losing more than
half of its rows warns with the same detail (the bad-input build of test_bad_input checks that)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import WITHOUT_UNIT_TESTS, DbtResult, run_dbt

PLACEHOLDER_ORDERS = [
    "order_id,customer_id,ordered_at,amount",
    "1,c1,1900-01-01 00:00:00,10.00",
    "2,c2,1900-01-01 00:00:00,12.00",
    "3,c2,0001-01-01 00:00:00,5.00",
    "4,c3,1899-12-30 00:00:00,7.00",
    "5,c3,not a date,7.00",
]
# three of four customer rows quarantined (two duplicates, one missing id): over half, a warning
CUSTOMERS = [
    "customer_id,signup_at,email",
    "c1,2024-01-01 00:00:00,someone@example.com",
    "c1,2024-01-02 00:00:00,someone.else@example.com",
    "c1,2024-01-03 00:00:00,third@example.com",
    ",2024-01-03 00:00:00,nobody@example.com",
]


@pytest.fixture(scope="module")
def all_quarantined(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    workdir = tmp_path_factory.mktemp("all_quarantined")
    sources = workdir / "sources"
    sources.mkdir()
    (sources / "orders.csv").write_text("\n".join(PLACEHOLDER_ORDERS) + "\n")
    (sources / "customers.csv").write_text("\n".join(CUSTOMERS) + "\n")
    return run_dbt(
        workdir,
        "build",
        *WITHOUT_UNIT_TESTS,
        "--vars",
        f"{{segmentation__source_dir: '{sources}'}}",
    )


def test_no_valid_order_stops_the_build_with_one_message(all_quarantined: DbtResult) -> None:
    output = all_quarantined.output
    assert all_quarantined.returncode != 0
    # one error, at the source: nothing downstream runs (and fails) on an empty window
    assert "ERROR=1 " in output, output[-3000:]
    assert "ERROR creating sql table model main_staging.base_shop__orders" in output
    message = output[output.index("No valid row in the required source orders") :]
    assert "5 of 5 rows quarantined (0 valid)" in message
    assert "Reasons: ordered_at_before_data_window 4, unparseable_ordered_at 1." in message
    assert (
        "Example (ordered_at_before_data_window): order_id=1; customer_id=c1; "
        "ordered_at=1900-01-01 00:00:00" in message
    )
    assert "var segmentation__min_valid_date (now 1901-01-01)" in message
    assert "column ordered_at of orders: values that do not parse as timestamps" in message


def test_over_half_quarantined_warns_with_detail_and_masks_pii(all_quarantined: DbtResult) -> None:
    output = all_quarantined.output
    warning = output[output.index("More than half of the source customers was quarantined") :]
    assert "3 of 4 rows quarantined (1 valid)" in warning
    assert "Reasons: duplicate_customer_id 2, missing_customer_id 1." in warning
    assert "Example (duplicate_customer_id): customer_id=c1; " in warning
    assert "the key customer_id of customers" in warning
    assert "email=<pii>" in warning.split("\n")[0]
    assert "@example.com" not in output


def test_plausible_old_dates_are_not_quarantined_by_default(tmp_path: Path) -> None:
    """The default lower bound catches placeholder dates only: 1901 and the 1990s are kept."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "orders.csv").write_text(
        "order_id,customer_id,ordered_at,amount\n"
        "1,c1,1901-01-01 00:00:00,10.00\n"
        "2,c1,1997-03-02 10:00:00,12.00\n"
        "3,c2,1900-12-31 23:59:59,5.00\n"
    )
    result = run_dbt(
        tmp_path,
        "run",
        "--select",
        "base_shop__orders",
        "--vars",
        f"{{segmentation__source_dir: '{sources}'}}",
    )
    assert result.returncode == 0, result.output[-3000:]
    reasons = dict(
        result.query(
            "select order_id, coalesce(quarantine_reason, 'valid') "
            "from main_staging.base_shop__orders"
        )
    )
    assert reasons == {"1": "valid", "2": "valid", "3": "ordered_at_before_data_window"}


def test_no_completed_order_stops_the_build_with_the_status_counts(tmp_path: Path) -> None:
    """Valid orders that are all cancelled or returned leave nothing to segment: one message at the
    source with the count per status and the column to look at, not a failed model fit later."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "orders.csv").write_text(
        "order_id,customer_id,ordered_at,amount,status\n"
        "1,c1,2024-01-05 10:00:00,10.00,cancelled\n"
        "2,c1,2024-02-05 10:00:00,12.00,returned\n"
        "3,c2,2024-03-05 10:00:00,5.00,cancelled\n"
    )
    result = run_dbt(
        tmp_path,
        "build",
        *WITHOUT_UNIT_TESTS,
        "--vars",
        f"{{segmentation__source_dir: '{sources}'}}",
    )
    assert result.returncode != 0
    assert "ERROR=1 " in result.output, result.output[-3000:]
    assert "ERROR creating sql table model main_staging.base_shop__orders" in result.output
    assert (
        "No completed order in the source orders: its 3 valid rows are cancelled 2, returned 1"
        in result.output
    )
    assert "Look at: column status of orders" in result.output
