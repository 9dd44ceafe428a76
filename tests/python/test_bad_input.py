"""Bad input gets a clear answer and loses nothing: quarantine counts, missing sources, bad vars."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from conftest import WITHOUT_UNIT_TESTS, DbtResult, run_dbt

ORDERS_HEADER = "order_id,customer_id,ordered_at,status,sales_channel,amount,discount_amount"
GOOD_ORDERS = [
    "1,c1,2025-01-05 10:00:00,completed,web,100.00,0",
    "2,c1,2025-02-10 10:00:00,completed,web,50.00,5",
    "3,c2,2025-01-20 12:00:00,completed,app,80.00,0",
    "4,c2,2025-03-01 09:00:00,returned,app,40.00,0",
    "5,c3,2025-03-15 23:30:00,cancelled,store,30.00,0",
    "6,c3,2025-03-31 23:59:59,completed,store,20.00,0",
    # a duplicate of a valid order: the first valid copy is kept, the second quarantined
    "7,c4,2025-02-01 08:00:00,completed,web,60.00,0",
    "7,c4,2025-02-01 08:00:00,completed,web,60.00,0",
]
BAD_ORDERS = {
    ",c1,2025-01-07 10:00:00,completed,web,10.00,0": "missing_order_id",
    "21,,2025-01-07 10:00:00,completed,web,10.00,0": "missing_customer_id",
    "22,c1,2025-01-07 10:00:00,completed,web,-10.00,0": "negative_amount",
    "23,c1,2025-01-07 10:00:00,completed,web,ten,0": "unparseable_amount",
    "24,c1,2099-01-07 10:00:00,completed,web,10.00,0": "ordered_at_after_data_window",
    "25,c1,not a date,completed,web,10.00,0": "unparseable_ordered_at",
    "26,c1,2025-01-07 10:00:00,lost_in_post,web,10.00,0": "unknown_status",
    "27,c1,2025-01-07 10:00:00,completed,web,,0": "missing_amount",
    "7,c4,2025-02-02 08:00:00,completed,web,61.00,0": "duplicate_order_id",
}

GOOD_SEND = "c1,rfm_new_second_order,2025-02-03 09:00:00,email"
BAD_SENDS = {
    "c1,no_such_pathway,2025-02-03 09:00:00,email": "unknown_pathway_id",
    ",rfm_new_second_order,2025-02-03 09:00:00,email": "missing_customer_id",
    "c2,rfm_new_second_order,yesterday,email": "unparseable_sent_at",
    "c1,rfm_new_second_order,2025-02-03 09:00:00,sms": "duplicate_customer_id_pathway_id_sent_at",
}


def write_source_dir(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    rows = [ORDERS_HEADER, *GOOD_ORDERS, *BAD_ORDERS]
    (directory / "orders.csv").write_text("\n".join(rows) + "\n")
    (directory / "customers.csv").write_text(
        "customer_id,signup_at,country\n"
        "c1,2024-12-01 00:00:00,GB\n"
        "c2,2024-12-15 00:00:00,DE\n"
        "c2,2024-12-16 00:00:00,DE\n"  # duplicate customer id
        "c5,2025-02-01 00:00:00,FR\n"  # a prospect: no orders
    )
    (directory / "interventions_sent.csv").write_text(
        "customer_id,pathway_id,sent_at,channel\n" + "\n".join([GOOD_SEND, *BAD_SENDS]) + "\n"
    )
    return directory


@pytest.fixture(scope="module")
def bad_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    workdir = tmp_path_factory.mktemp("bad")
    source_dir = write_source_dir(workdir / "sources")
    result = run_dbt(
        workdir,
        "build",
        *WITHOUT_UNIT_TESTS,
        "--vars",
        f"{{segmentation__source_dir: '{source_dir}', segmentation__k_min: 2, "
        "segmentation__k_max: 2, segmentation__min_segment_share: 0.1}",
    )
    assert result.returncode == 0, result.output[-5000:]
    return result


def test_quarantine_counts_match_the_planted_bad_rows(bad_warehouse: DbtResult) -> None:
    quarantined = Counter(
        dict(
            bad_warehouse.query(
                "select quarantine_reason, count(*) from main_marts.fct_quarantined_rows "
                "where source_name = 'orders' group by 1"
            )
        )
    )
    expected = Counter(BAD_ORDERS.values())
    expected["duplicate_order_id"] += 1  # the exact copy of order 7
    assert quarantined == expected


def test_every_input_row_is_staged_or_quarantined(bad_warehouse: DbtResult) -> None:
    counts = {
        row[0]: row[1:]
        for row in bad_warehouse.query("select * from main_marts.fct_source_row_counts")
    }
    total_orders = len(GOOD_ORDERS) + len(BAD_ORDERS)
    assert counts["orders"] == (total_orders, len(GOOD_ORDERS) - 1, len(BAD_ORDERS) + 1)
    assert counts["customers"] == (4, 3, 1)
    # missing optional sources land as empty views, not errors
    assert counts["engagement_events"] == (0, 0, 0)
    assert counts["nps_responses"] == (0, 0, 0)


def test_bad_interventions_sent_rows_are_quarantined_with_their_reason(
    bad_warehouse: DbtResult,
) -> None:
    quarantined = dict(
        bad_warehouse.query(
            "select quarantine_reason, count(*) from main_marts.fct_quarantined_rows "
            "where source_name = 'interventions_sent' group by 1"
        )
    )
    assert quarantined == dict(Counter(BAD_SENDS.values()))
    counts = bad_warehouse.query(
        "select * from main_marts.fct_source_row_counts where source_name = 'interventions_sent'"
    )[0][1:]
    assert counts == (1 + len(BAD_SENDS), 1, len(BAD_SENDS))


def test_missing_sources_give_null_features(bad_warehouse: DbtResult) -> None:
    rows = bad_warehouse.query(
        "select customer_id, frequency, email_open_rate, latest_nps_score, rfm_segment "
        "from main_marts.dim_customers order by customer_id"
    )
    assert [row[0] for row in rows] == ["c1", "c2", "c3", "c4", "c5"]
    assert all(row[2] is None and row[3] is None for row in rows)
    frequency = {row[0]: row[1] for row in rows}
    assert frequency == {"c1": 2, "c2": 1, "c3": 1, "c4": 1, "c5": 0}
    assert rows[-1][4] == "Prospects"


def test_net_revenue_excludes_cancelled_and_returned(bad_warehouse: DbtResult) -> None:
    monetary = dict(
        bad_warehouse.query("select customer_id, monetary from main_marts.dim_customers")
    )
    assert monetary == {"c1": 150.0, "c2": 80.0, "c3": 20.0, "c4": 60.0, "c5": 0.0}


@pytest.mark.parametrize(
    ("vars_text", "expected"),
    [
        (
            "{segmentation__k_min: 1}",
            'segmentation__k_min="1": expected a whole number from 2 to 15',
        ),
        ("{segmentation__k_min: 9, segmentation__k_max: 4}", "must be <= segmentation__k_max"),
        ("{segmentation__as_of_date: '2026-02-30'}", "2026-02-30 is not a calendar date"),
        ("{segmentation__as_of_date: 'yesterday'}", 'segmentation__as_of_date="yesterday"'),
        ("{segmentation__min_segment_share: 0.7}", "strictly between 0.0 and 0.5"),
        ("{segmentation__lookback_days: 0}", "from 1 to 36500, or null"),
        ('{segmentation__source_dir: "x\'; drop table y; --"}', "Quotes and other special"),
        ("{segmentation__cluster_features: [frequency, favourite_colour]}", "favourite_colour"),
        ("{segmentation__k_mni: 3}", "Unknown var segmentation__k_mni"),
    ],
)
def test_bad_settings_fail_early_naming_the_var(
    tmp_path: Path, vars_text: str, expected: str
) -> None:
    result = run_dbt(tmp_path, "run", "--select", "int_analysis_window", "--vars", vars_text)
    assert result.returncode != 0
    assert expected in result.output, result.output[-3000:]
    assert not (tmp_path / "target" / "run").exists(), (
        "a model ran before the settings were checked"
    )


def test_an_as_of_date_before_the_first_order_names_the_var_and_the_first_month(
    tmp_path: Path,
) -> None:
    # it failed in a test named expression_is_true_int_analysis_window_first_month_end_as_of_...
    result = run_dbt(
        tmp_path,
        "run",
        "--select",
        "+int_analysis_window",
        "--vars",
        "{segmentation__as_of_date: '1990-01-15'}",
    )
    assert result.returncode != 0
    first_month = re.search(r"the first valid order \((\d{4}-\d{2})\)", result.output)
    assert first_month, result.output[-3000:]
    assert 'segmentation__as_of_date (now "1990-01-15") is before the month' in result.output
    assert f"Set it to a date in {first_month.group(1)} or later" in result.output


def test_missing_orders_file_is_a_clear_error(tmp_path: Path) -> None:
    source_dir = tmp_path / "empty"
    source_dir.mkdir()
    result = run_dbt(
        tmp_path,
        "run",
        "--select",
        "int_analysis_window",
        "--vars",
        f"{{segmentation__source_dir: '{source_dir}'}}",
    )
    assert result.returncode != 0
    assert (
        "no orders.parquet or orders.csv there (or the file is empty), and orders is required"
        in result.output
    )


@pytest.mark.slow
def test_own_typed_parquet_files_build_with_every_test(tmp_path: Path) -> None:
    """Bring-your-own data as typed Parquet (integer ids, real timestamps): the documented
    `dbt build --vars '{segmentation__source_dir: DIR}'` runs every model and data test, and
    reads every row. (The unit tests take their input from YAML, not from these files: they run
    in the demo build.)"""
    data = tmp_path / "data"
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation.demo_data",
            "--customers",
            "300",
            "--format",
            "parquet",
            "--out",
            str(data),
            "--truth",
            "",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    orders = duckdb.sql(f"select * from read_parquet('{data / 'orders.parquet'}')")
    types = dict(zip(orders.columns, (str(t) for t in orders.types), strict=True))
    assert types["ordered_at"].startswith("TIMESTAMP")
    result = run_dbt(
        tmp_path, "build", *WITHOUT_UNIT_TESTS, "--vars", f"{{segmentation__source_dir: '{data}'}}"
    )
    assert result.returncode == 0, result.output[-5000:]
    assert "ERROR=0" in result.output
    read = result.query("select sum(rows_read) from main_marts.fct_source_row_counts")[0][0]
    staged = result.query(
        "select sum(rows_staged) + sum(rows_quarantined) from main_marts.fct_source_row_counts"
    )[0][0]
    assert read == staged > 0


def test_over_half_of_orders_quarantined_warns_with_counts_example_and_hint(
    bad_warehouse: DbtResult,
) -> None:
    output = bad_warehouse.output
    assert "More than half of the source orders was quarantined" in output
    warning = output[output.index("More than half of the source orders was quarantined") :]
    first_line = warning.split("\n")[0]
    assert f"{len(BAD_ORDERS) + 1} of {len(GOOD_ORDERS) + len(BAD_ORDERS)} rows quarantined" in (
        first_line
    )
    assert "duplicate_order_id 2" in first_line
    assert "Example (duplicate_order_id): order_id=7;" in first_line
    assert "var segmentation__max_valid_date" in first_line
    # customers lose one row of four: no warning, but the build says what it left out
    assert "More than half of the source customers" not in output
    assert "Source customers: 1 of 4 rows quarantined (" in output
