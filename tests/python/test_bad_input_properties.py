"""Bad input, property-based: hypothesis writes malformed source files (wrong types, nulls,
duplicates, negative and huge amounts, far-past and far-future dates, quotes, quoted newlines,
comment-like lines, non-ASCII text, BOMs, CRLF, missing and extra columns, empty files, a
directory in place of a file, non-UTF-8 bytes, ragged rows). Every case either builds with each
bad row quarantined and counted (rows read = staged + quarantined = rows written) or stops with
a message naming the file and the problem, never a bare traceback.

Only the landing hook, the base and staging models, the two data-quality marts and their tests
are built (`+fct_source_row_counts +fct_quarantined_rows`): a full build per example would be
too slow, and the layers above read only staged rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from warehouse_checks import vars_text

from conftest import WITHOUT_UNIT_TESTS, DbtResult, run_dbt

SELECT = ["--select", "+fct_source_row_counts", "+fct_quarantined_rows"]
ORDER_COLUMNS = [
    "order_id",
    "customer_id",
    "ordered_at",
    "status",
    "sales_channel",
    "amount",
    "discount_amount",
]
CUSTOMER_COLUMNS = [
    "customer_id",
    "signup_at",
    "country",
    "region",
    "acquisition_channel",
    "birth_year",
    "gender",
    "email",
]

# Text that CSV and SQL find awkward: quotes, commas, newlines, comment and escape characters,
# non-ASCII letters and symbols, a NUL byte. (No lone surrogates: they cannot be UTF-8.)
AWKWARD = st.text(
    alphabet=st.sampled_from(list("ab1 ,;\"'\n\r\t#\\/%_-*é漢🙂\x00")), min_size=0, max_size=8
)
GOOD_TIMESTAMPS = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),
    max_value=dt.datetime(2026, 10, 31),
).map(lambda value: value.strftime("%Y-%m-%d %H:%M:%S"))
BAD_TIMESTAMPS = st.sampled_from(
    [
        "",
        "0001-01-01 00:00:00",
        "1899-12-31 23:59:59",
        "9999-12-31 23:59:59",
        "2099-06-01 00:00:00",
        "yesterday",
        "2025-02-30 10:00:00",
        "1e10",
    ]
)
GOOD_AMOUNTS = st.decimals(min_value=0, max_value=100000, places=2).map(str)
BAD_AMOUNTS = st.sampled_from(
    ["", "-0.01", "-5", "ten", "1,5", "NaN", "inf", "-inf", "1e400", "1" + "0" * 40, "1e9"]
)
# large but below the limit of a billion: staged
HUGE_AMOUNTS = st.sampled_from(["999999999.99", "123456789.5"])
GOOD_STATUSES = st.sampled_from(["completed", "cancelled", "returned", "Completed", "RETURNED"])
BAD_STATUSES = st.sampled_from(["lost", "complete d", "compléted", "0"])


@dataclass
class Order:
    values: dict[str, str]
    surely_bad: bool  # a value that must be quarantined whatever else is in the row


@st.composite
def orders(draw: st.DrawFn) -> list[Order]:
    count = draw(st.integers(min_value=1, max_value=25))
    rows = []
    for index in range(count):
        bad_field = draw(
            st.sampled_from([None, None, "order_id", "ordered_at", "amount", "status"])
        )
        order_id = draw(st.sampled_from([str(index + 1), str(index + 1), "1", "#1", "1.0"]))
        values = {
            "order_id": "" if bad_field == "order_id" else order_id,
            "customer_id": draw(st.sampled_from(["c1", "c2", "c3", "\u00e9\u00e9", "c\n4"])),
            "ordered_at": draw(BAD_TIMESTAMPS if bad_field == "ordered_at" else GOOD_TIMESTAMPS),
            "status": draw(BAD_STATUSES if bad_field == "status" else GOOD_STATUSES),
            # the row's tag: base_shop__orders keeps it, so each row can be traced
            "sales_channel": f"row{index}",
            "amount": draw(
                BAD_AMOUNTS
                if bad_field == "amount"
                else st.one_of(GOOD_AMOUNTS, GOOD_AMOUNTS, HUGE_AMOUNTS)
            ),
            "discount_amount": draw(st.sampled_from(["0", "", "1.5"])),
        }
        rows.append(Order(values, surely_bad=bad_field is not None))
    return rows


@st.composite
def customers(draw: st.DrawFn) -> list[dict[str, str]]:
    count = draw(st.integers(min_value=0, max_value=10))
    return [
        {
            "customer_id": draw(st.sampled_from(["c1", "c2", "c1", "", "c 3"])),
            "signup_at": draw(st.one_of(GOOD_TIMESTAMPS, BAD_TIMESTAMPS)),
            "country": draw(AWKWARD),
            "region": draw(AWKWARD),
            "acquisition_channel": draw(AWKWARD),
            "birth_year": draw(st.sampled_from(["1980", "1850", "2200", "19x0", "", "1980.5"])),
            "gender": draw(AWKWARD),
            "email": f"person{index}@example.com",
        }
        for index in range(count)
    ]


def csv_text(columns: list[str], rows: list[dict[str, str]], newline: str = "\n") -> str:
    """RFC 4180 text. A bare carriage return inside a value must be quoted too (Python's csv
    quotes only the characters of its line terminator), or the file is malformed."""
    has_cr = any("\r" in value for row in rows for value in row.values())
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, lineterminator=newline, quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL
    )
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


# File-level variations under which the build must still succeed and count every row.
READABLE_LAYOUTS = ["plain", "bom", "crlf", "extra_column", "no_optional_column"]


@dataclass
class Written:
    directory: Path
    orders: list[Order]
    customers: list[dict[str, str]] = field(default_factory=list)


def write_sources(
    directory: Path, order_rows: list[Order], customer_rows: list[dict[str, str]], layout: str
) -> Written:
    directory.mkdir(parents=True, exist_ok=True)
    order_columns = list(ORDER_COLUMNS)
    customer_columns = list(CUSTOMER_COLUMNS)
    if layout == "extra_column":
        order_columns.append("coupon_code")  # not in the contract: ignored, rows still counted
    if layout == "no_optional_column":
        order_columns.remove("discount_amount")
        customer_columns.remove("region")
    newline = "\r\n" if layout == "crlf" else "\n"
    orders_text = csv_text(order_columns, [order.values for order in order_rows], newline)
    customers_text = csv_text(customer_columns, customer_rows, newline)
    if layout == "bom":
        orders_text = "\ufeff" + orders_text
        customers_text = "\ufeff" + customers_text
    (directory / "orders.csv").write_text(orders_text, encoding="utf-8", newline="")
    (directory / "customers.csv").write_text(customers_text, encoding="utf-8", newline="")
    return Written(directory, order_rows, customer_rows)


def build_staging(workdir: Path, source_dir: Path) -> DbtResult:
    return run_dbt(
        workdir,
        "build",
        *SELECT,
        *WITHOUT_UNIT_TESTS,
        "--vars",
        vars_text({"segmentation__source_dir": str(source_dir)}),
    )


def assert_every_row_staged_or_quarantined(result: DbtResult, written: Written) -> None:
    assert result.returncode == 0, result.output[-5000:]
    counts = {
        source: (read, staged, quarantined)
        for source, read, staged, quarantined in result.query(
            "select source_name, rows_read, rows_staged, rows_quarantined "
            "from main_marts.fct_source_row_counts"
        )
    }
    for source, (read, staged, quarantined) in counts.items():
        assert read == staged + quarantined, source
    assert counts["orders"][0] == len(written.orders), "an order row was not read"
    assert counts["customers"][0] == len(written.customers), "a customer row was not read"
    reasons = dict(
        result.query(
            "select sales_channel, quarantine_reason from main_staging.base_shop__orders "
            "where sales_channel like 'row%'"
        )
    )
    assert len(reasons) == len(written.orders), "a row lost its tag: a value leaked across fields"
    for index, order in enumerate(written.orders):
        if order.surely_bad:
            assert reasons[f"row{index}"] is not None, order.values
    unexplained = result.query(
        "select count(*) from main_marts.fct_quarantined_rows where quarantine_reason is null"
    )
    assert unexplained == [(0,)]


@pytest.mark.slow
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    # no shrinking: each example is a dbt build; the failing example is printed as drawn
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(order_rows=orders(), customer_rows=customers(), layout=st.sampled_from(READABLE_LAYOUTS))
def test_malformed_rows_are_quarantined_and_counted(
    tmp_path_factory: pytest.TempPathFactory,
    order_rows: list[Order],
    customer_rows: list[dict[str, str]],
    layout: str,
) -> None:
    workdir = tmp_path_factory.mktemp("property")
    written = write_sources(workdir / "files", order_rows, customer_rows, layout)
    result = build_staging(workdir, written.directory)
    if result.returncode != 0 and stopped_at_the_source(result, written):
        return
    assert_every_row_staged_or_quarantined(result, written)


def stopped_at_the_source(result: DbtResult, written: Written) -> bool:
    """Drawn orders of which none is valid, or none of the valid ones completed: nothing can be
    segmented, and the build must stop at the source with its counts and the column to look at
    (checked here). False for any other failure."""
    output = result.output
    if "No valid row in the required source orders" in output:
        rows = len(written.orders)
        # every row read is counted as quarantined
        counted = f"Source orders: {rows} of {rows} rows quarantined (0 valid)"
        assert counted in output, output[-3000:]
        assert "Look at: column" in output, output[-3000:]
    elif "No completed order in the source orders" in output:
        assert "Look at: column status of orders" in output, output[-3000:]
    else:
        return False
    assert "Traceback" not in output
    return True


GOOD_ORDER = Order(
    {
        "order_id": "1",
        "customer_id": "c1",
        "ordered_at": "2025-01-05 10:00:00",
        "status": "completed",
        "sales_channel": "row0",
        "amount": "10.00",
        "discount_amount": "0",
    },
    surely_bad=False,
)


def break_file(directory: Path, defect: str) -> tuple[str, list[str]]:
    """Damage a good source directory; returns the file and what the message must say."""
    orders_path = directory / "orders.csv"
    customers_path = directory / "customers.csv"
    if defect == "non_utf8":
        orders_path.write_bytes(orders_path.read_bytes() + b"2,c\xff1,2025-01-05,completed,x,1,0\n")
        return str(orders_path), ["utf-8"]
    if defect == "ragged_row":
        orders_path.write_text(orders_path.read_text() + "2,c1,2025-01-05,completed,x,1,0,extra\n")
        return str(orders_path), []
    if defect == "missing_required_column":
        text = orders_path.read_text().replace("amount,discount_amount", "price,discount_amount")
        orders_path.write_text(text)
        return f"{directory}/orders", ["has no column amount"]
    if defect == "empty_required_file":
        orders_path.write_text("")
        return str(directory), ["orders.csv there (or the file is empty)", "orders is required"]
    if defect == "directory":
        customers_path.unlink()
        customers_path.mkdir()
        (customers_path / "part-0.csv").write_text(csv_text(CUSTOMER_COLUMNS, []))
        return str(customers_path), ["is a directory, not a file"]
    raise ValueError(defect)


@pytest.mark.slow
@pytest.mark.parametrize(
    "defect",
    ["non_utf8", "ragged_row", "missing_required_column", "empty_required_file", "directory"],
)
def test_unreadable_files_stop_naming_the_file_and_the_problem(tmp_path: Path, defect: str) -> None:
    written = write_sources(tmp_path / "files", [GOOD_ORDER], [], "plain")
    path, phrases = break_file(written.directory, defect)
    result = build_staging(tmp_path, written.directory)
    assert result.returncode != 0, f"{defect}: the build did not stop"
    assert path in result.output, result.output[-3000:]
    for phrase in phrases:
        assert phrase.lower() in result.output.lower(), result.output[-3000:]
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_an_empty_optional_file_is_no_rows(tmp_path: Path) -> None:
    written = write_sources(tmp_path / "files", [GOOD_ORDER], [], "plain")
    (written.directory / "customers.csv").write_text("")
    result = build_staging(tmp_path, written.directory)
    assert_every_row_staged_or_quarantined(result, written)
    assert "customers.csv is empty" in result.output
