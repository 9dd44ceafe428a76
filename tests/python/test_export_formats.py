"""Real exports in their own formats: US or compact dates (segmentation__timestamp_formats) and a
shop's own order statuses (segmentation__order_status_map) are read as the user says, validated
first, and what stays unreadable is quarantined with a message that names the var to set."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import WITHOUT_UNIT_TESTS, DbtResult, run_dbt

# An Online-Retail-like export (US dates without seconds), a CDNOW-like compact date, ISO 8601
# with T and Z and with an offset, and a marketplace's statuses.
ORDERS = [
    "status,amount,customer_id,order_id,ordered_at",
    "delivered,10.00,c1,1,12/1/2010 8:26",
    "Delivered ,12.00,c1,2,19970101",
    "canceled,5.00,c2,3,2024-01-31T23:30:00Z",
    "shipped,7.00,c2,4,2024-01-31T23:30:00-02:00",
    "completed,8.00,c3,5,2024-02-01 10:00:00",
    "lost_in_post,9.00,c3,6,2024-02-02 10:00:00",
    "returned,9.50,c3,7,31/12/2024 10:00",
]
FORMATS = ["%m/%d/%Y %H:%M", "%Y%m%d"]
STATUS_MAP = {"delivered": "completed", "shipped": "completed", "canceled": "cancelled"}


def run_base_orders(workdir: Path, lines: list[str], **settings: object) -> DbtResult:
    sources = workdir / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    (sources / "orders.csv").write_text("\n".join(lines) + "\n")
    settings = {"segmentation__source_dir": str(sources), **settings}
    return run_dbt(
        workdir,
        "run",
        "--select",
        "base_shop__orders",
        "--vars",
        json.dumps(settings),
    )


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    result = run_base_orders(
        tmp_path_factory.mktemp("mapped"),
        ORDERS,
        segmentation__timestamp_formats=FORMATS,
        segmentation__order_status_map=STATUS_MAP,
    )
    assert result.returncode == 0, result.output[-3000:]
    return result


def test_timestamp_formats_read_us_and_compact_dates(mapped: DbtResult) -> None:
    rows = dict(mapped.query("select order_id, ordered_at from main_staging.base_shop__orders"))
    assert rows["1"] == dt.datetime(2010, 12, 1, 8, 26)
    assert rows["2"] == dt.datetime(1997, 1, 1)
    # ISO 8601 is read first and keeps its offset: Z is UTC, -02:00 is two hours later in UTC
    assert rows["3"] == dt.datetime(2024, 1, 31, 23, 30)
    assert rows["4"] == dt.datetime(2024, 2, 1, 1, 30)
    # a day-first date matches none of the formats: it is quarantined, never guessed
    reasons = dict(
        mapped.query("select order_id, quarantine_reason from main_staging.base_shop__orders")
    )
    assert rows["7"] is None
    assert reasons["7"] == "unparseable_ordered_at"


def test_status_map_maps_the_shops_statuses(mapped: DbtResult) -> None:
    rows = {
        order_id: (status, reason)
        for order_id, status, reason in mapped.query(
            "select order_id, status, quarantine_reason from main_staging.base_shop__orders"
        )
    }
    assert rows["1"] == ("completed", None)
    assert rows["2"] == ("completed", None)  # compared trimmed and lowercased, as the column is
    assert rows["3"] == ("cancelled", None)
    assert rows["4"] == ("completed", None)
    assert rows["5"] == ("completed", None)  # our own values still mean themselves
    assert rows["6"] == ("lost_in_post", "unknown_status")
    # the quarantined row keeps the raw value, so it traces to the file
    raw = mapped.query(
        "select raw_record from main_staging.base_shop__orders where order_id = '6'"
    )[0][0]
    assert "status=lost_in_post" in raw


def test_without_the_vars_the_rows_are_quarantined_with_the_var_to_set(tmp_path: Path) -> None:
    """The defaults read ISO 8601 and our three statuses only; a file of other values stops at the
    source with the values found and the var that maps them."""
    result = run_base_orders(
        tmp_path,
        [
            "order_id,customer_id,ordered_at,amount,status",
            "1,c1,2024-01-05 10:00:00,10.00,delivered",
            "2,c1,2024-02-05 10:00:00,12.00,delivered",
            "3,c2,2024-03-05 10:00:00,5.00,canceled",
            "4,c2,12/1/2010 8:26,5.00,completed",
        ],
    )
    assert result.returncode != 0
    message = result.output[result.output.index("No valid row in the required source orders") :]
    assert "Reasons: unknown_status 3, unparseable_ordered_at 1." in message
    assert 'found: "delivered" 2, "canceled" 1' in message
    assert "map yours with var segmentation__order_status_map" in message
    assert "list other formats in var segmentation__timestamp_formats" in message


def check_settings(workdir: Path, values: list[object]) -> dict[tuple[str, str], dict]:
    result = run_dbt(
        workdir,
        "run-operation",
        "segmentation_check_settings",
        "--args",
        json.dumps({"values": values}),
    )
    assert result.returncode == 0, result.output[-3000:]
    line = next(
        line for line in result.output.splitlines() if "segmentation_check_settings: " in line
    )
    results = json.loads(line.split("segmentation_check_settings: ", 1)[1])
    return {(r["var"], json.dumps(r["value"])): r for r in results}


def test_the_new_vars_are_validated(tmp_path: Path) -> None:
    good_formats = ["%m/%d/%Y %H:%M", "%Y%m%d", "%d.%m.%Y %H:%M:%S %z"]
    good_map = {"Delivered": "completed", "canceled": "cancelled", 7: "returned"}
    bad_formats = [
        ["%Y-%m-%d'; drop table x; --"],
        ["%m/%d %H:%M"],  # no year
        ["%Y%m%d", "%Y%m%d"],
        ["%Q%Y"],
        "%Y%m%d",
    ]
    bad_maps = [
        {"delivered": "shipped"},
        {"deli'vered": "completed"},
        {"Delivered": "completed", "delivered ": "cancelled"},
        ["delivered", "completed"],
    ]
    results = check_settings(tmp_path, [good_formats, good_map, *bad_formats, *bad_maps])
    formats = "segmentation__timestamp_formats"
    status_map = "segmentation__order_status_map"
    assert results[(formats, json.dumps(good_formats))]["accepted"]
    assert results[(status_map, json.dumps(good_map))]["accepted"]
    for value in bad_formats:
        result = results[(formats, json.dumps(value))]
        assert not result["accepted"], value
        assert result["problem"].startswith(f"Invalid var {formats}="), result
    for value in bad_maps:
        result = results[(status_map, json.dumps(value))]
        assert not result["accepted"], value
        assert result["problem"].startswith(f"Invalid var {status_map}="), result
    assert (
        "allowed: completed, cancelled, returned"
        in (results[(status_map, json.dumps(bad_maps[0]))]["problem"])
    )


def write_marketplace_export(directory: Path, customers: int = 120) -> dict[str, int]:
    """A small marketplace export as a user maps it with the README: orders with the shop's own
    statuses and US dates, a customers file with a country but no region, lines of products
    without a category, and guest orders without a customer id."""
    directory.mkdir(parents=True, exist_ok=True)
    statuses = ["delivered"] * 8 + ["shipped", "canceled", "unavailable", "created"]
    orders = ["order_id,customer_id,status,ordered_at,amount"]
    lines = ["order_id,line_number,product_id,quantity,unit_price"]
    order_id = 0
    for customer in range(customers):
        for repeat in range(1 + customer % 4):
            order_id += 1
            month = 1 + (customer * 7 + repeat * 5) % 24
            year, month = 2022 + (month - 1) // 12, 1 + (month - 1) % 12
            day = 1 + (customer * 3 + repeat) % 28
            status = statuses[(customer + repeat * 5) % len(statuses)]
            amount = 20 + (customer * 37 + repeat * 11) % 180
            ordered_at = f"{month}/{day}/{year} {customer % 24}:05"
            orders.append(f"o{order_id},u{customer},{status},{ordered_at},{amount}.50")
            lines.append(f"o{order_id},1,p{customer % 9},1,{amount}.50")
    for guest in range(6):  # guest checkouts: no customer id
        order_id += 1
        orders.append(f"o{order_id},,delivered,3/{1 + guest}/2023 10:00,15.00")
    (directory / "orders.csv").write_text("\n".join(orders) + "\n")
    (directory / "order_items.csv").write_text("\n".join(lines) + "\n")
    (directory / "customers.csv").write_text(
        "customer_id,country\n"
        + "".join(f"u{customer},{['BR', 'PT'][customer % 2]}\n" for customer in range(customers))
    )
    (directory / "products.csv").write_text(
        "product_id,product_name\n"
        + "".join(f"p{product},item {product}\n" for product in range(9))
    )
    return {"orders": len(orders) - 1, "order_items": len(lines) - 1, "customers": customers}


MARKETPLACE_MAP = {
    "delivered": "completed",
    "shipped": "completed",
    "canceled": "cancelled",
    "unavailable": "cancelled",
}


@pytest.fixture(scope="module")
def marketplace(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtResult, dict[str, int]]:
    workdir = tmp_path_factory.mktemp("marketplace")
    written = write_marketplace_export(workdir / "sources")
    settings = {
        "segmentation__source_dir": str(workdir / "sources"),
        "segmentation__timestamp_formats": ["%m/%d/%Y %H:%M"],
        "segmentation__order_status_map": MARKETPLACE_MAP,
    }
    result = run_dbt(workdir, "build", *WITHOUT_UNIT_TESTS, "--vars", json.dumps(settings))
    assert result.returncode == 0, result.output[-5000:]
    return result, written


@pytest.mark.slow
def test_marketplace_export_builds_and_every_row_is_accounted_for(
    marketplace: tuple[DbtResult, dict[str, int]],
) -> None:
    result, written = marketplace
    counts = {
        source: (read, staged, quarantined)
        for source, read, staged, quarantined in result.query(
            "select source_name, rows_read, rows_staged, rows_quarantined "
            "from main_marts.fct_source_row_counts"
        )
    }
    for source, rows in written.items():
        read, staged, quarantined = counts[source]
        assert read == rows and staged + quarantined == rows, (source, counts[source])
    reasons = dict(
        result.query(
            "select quarantine_reason, count(*) from main_marts.fct_quarantined_rows "
            "where source_name = 'orders' group by 1"
        )
    )
    # 'created' is not mapped: quarantined, never taken for a completed order; guests have no id
    created = sum(
        1
        for line in (result.database.parent / "sources" / "orders.csv").read_text().splitlines()
        if ",created," in line
    )
    assert reasons == {"unknown_status": created, "missing_customer_id": 6}
    # mapped cancellations are cancelled orders: they count no revenue
    cancelled, cancelled_revenue = result.query(
        "select count(*), sum(net_revenue) from main_intermediate.int_orders_netted "
        "where status = 'cancelled'"
    )[0]
    assert cancelled > 0 and cancelled_revenue == 0


@pytest.mark.slow
def test_segments_claim_no_category_the_data_lacks_and_place_them_by_country(
    marketplace: tuple[DbtResult, dict[str, int]],
) -> None:
    """The export has countries but no regions and products without categories: the segment
    summary says nothing about categories, instead of 'uncategorised' at 100%, and places each
    segment by its commonest country (a value the data holds; session 13: the region was null for
    every segment although the data said where the customers were)."""
    result, _ = marketplace
    countries = {
        country
        for (country,) in result.query(
            "select distinct country from main_staging.stg_shop__customers "
            "where country is not null"
        )
    }
    regions = result.query("select count(region) from main_staging.stg_shop__customers")[0][0]
    assert countries and regions == 0
    rows = result.query(
        "select segment, customers, top_category, top_category_share, top_categories, "
        "dominant_region, dominant_region_share from main_marts.dim_segments"
    )
    assert rows
    for segment, customers, *claims, region, region_share in rows:
        assert customers > 0
        assert claims == [None, None, None], (segment, claims)
        assert region in countries and 0 < region_share <= 1, (segment, region, region_share)


@pytest.mark.slow
def test_segments_name_known_regions_and_categories(demo_warehouse: DbtResult) -> None:
    """Where the data has them (the demo), every segment with buyers names its top category and
    its dominant region, with a share of all its customers or spend."""
    rows = demo_warehouse.query(
        "select segment, top_category, top_category_share, dominant_region, "
        "dominant_region_share from main_marts.dim_segments where avg_frequency > 0"
    )
    assert rows
    for segment, category, category_share, region, region_share in rows:
        assert category not in (None, "uncategorised"), segment
        assert region not in (None, "unknown"), segment
        assert 0 < category_share <= 1 and 0 < region_share <= 1, segment


@pytest.mark.slow
def test_the_most_valuable_segment_has_no_upgrade_rate(demo_warehouse: DbtResult) -> None:
    """A cohort whose segment (at the previous month end) ranks at or above every segment held at
    the month end cannot move up: its upgrade rate is null (not a 0 that is on track by
    construction); every other cohort has one."""
    rows = demo_warehouse.query(
        """
        with memberships as (
            select distinct segmentation, segment, period_month_end, segment_rank
            from main_intermediate.int_segment_memberships_monthly
        ),
        best as (
            select segmentation, period_month_end, min(segment_rank) as best_rank
            from memberships
            group by all
        ),
        cohorts as (
            select
                kpis.segmentation,
                kpis.upgrade_rate,
                kpis.is_upgrade_rate_on_track,
                previous.segment_rank <= best.best_rank as cannot_upgrade
            from main_marts.fct_segment_kpis_monthly as kpis
            inner join memberships as previous
                on kpis.segmentation = previous.segmentation
                and kpis.segment = previous.segment
                and previous.period_month_end = last_day(kpis.period_month_end - interval 1 month)
            inner join best
                on kpis.segmentation = best.segmentation
                and kpis.period_month_end = best.period_month_end
            where kpis.cohort_customers > 0
        )
        select segmentation, cannot_upgrade, count(*), count(upgrade_rate),
            count(is_upgrade_rate_on_track)
        from cohorts
        group by all
        """
    )
    top = {
        segmentation: (n, rates, flags) for segmentation, cannot, n, rates, flags in rows if cannot
    }
    assert set(top) == {"rfm", "cluster", "value_tier", "composite", "potential"}
    for segmentation, (n, rates, flags) in top.items():
        assert n > 0 and rates == 0 and flags == 0, segmentation
    for segmentation, cannot, n, rates, _ in rows:
        if not cannot:
            assert rates == n, segmentation


@pytest.mark.slow
def test_a_month_cut_short_is_not_judged(marketplace: tuple[DbtResult, dict[str, int]]) -> None:
    """The export ends on 28 December: December's rates cover 28 days, so its KPI rows are marked
    partial and judged against no target (gaps and flags null); every full month is judged."""
    result, _ = marketplace
    as_of_date, as_of_month_end = result.query(
        "select as_of_date, as_of_month_end from main_intermediate.int_analysis_window"
    )[0]
    assert as_of_date < as_of_month_end
    rows = result.query(
        "select period_month_end, period_end_date, is_partial_period, "
        "count(is_retention_rate_on_track), count(retention_rate_gap), count(is_on_track), "
        "count(retention_rate) "
        "from main_marts.fct_segment_kpis_monthly where cohort_customers > 0 group by all"
    )
    partial = [row for row in rows if row[0] == as_of_month_end]
    assert partial and all(row[1] == as_of_date and row[2] for row in partial)
    assert all(row[3:6] == (0, 0, 0) and row[6] > 0 for row in partial)
    full = [row for row in rows if row[0] != as_of_month_end]
    assert full and all(row[1] == row[0] and not row[2] for row in full)
    assert sum(row[3] for row in full) > 0


def test_the_report_reads_the_last_complete_month() -> None:
    """The measurement plan shows a KPI's latest complete month, not the as-of month cut short."""
    import pandas as pd

    from segmentation.report.render import _latest_kpi

    kpis = pd.DataFrame(
        {
            "segmentation": ["rfm", "rfm"],
            "segment": ["Loyal", "Loyal"],
            "period_month_end": [dt.date(2024, 11, 30), dt.date(2024, 12, 31)],
            "is_partial_period": [False, True],
            "retention_rate": [0.4, 0.05],
            "retention_rate_target": [0.3, 0.3],
            "retention_rate_gap": [0.1, None],
            "is_retention_rate_on_track": [True, None],
        }
    )
    latest = _latest_kpi(kpis, "rfm", "Loyal", "retention_rate")
    assert latest["month"] == "2024-11-30"
    assert latest["status"] == "on track"
