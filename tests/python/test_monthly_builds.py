"""A warehouse built month by month with the default settings passes its tests every month.

The composite merge map is kept from one build to the next while it holds (segmentation__refit
auto), and the customers' shares move under it from month to month. A kept map that leaves a
segment under segmentation__min_segment_share must be refitted, not kept: on the orders-only shape
(200 customers) the map decided at the end of October leaves "Other customers" at 4% of the
customers in November, and the November build used to fail
assert_composite_segments_hold_the_min_share.
"""

from __future__ import annotations

import pytest

from conftest import WITHOUT_UNIT_TESTS, run_dbt
from segmentation.shapes import write_shape

pytestmark = pytest.mark.slow

REGISTRY = "main_intermediate.int_composite_map_registry"
COMPOSITE = "main_intermediate.int_customer_composite_monthly"
SELECT = [
    "--select",
    "+int_customer_composite_monthly",
    "assert_composite_segments_hold_the_min_share",
    "--indirect-selection",
    "cautious",
    *WITHOUT_UNIT_TESTS,
]


def test_a_kept_composite_map_is_refitted_when_a_segment_falls_under_the_min_share(
    tmp_path,
) -> None:
    sources = tmp_path / "sources"
    write_shape("orders_only", sources)
    results = {}
    for as_of in ["2025-10-31", "2025-11-30", "2025-12-31"]:
        result = run_dbt(
            tmp_path,
            "build",
            *SELECT,
            "--vars",
            f"{{segmentation__source_dir: '{sources}', segmentation__as_of_date: '{as_of}'}}",
        )
        assert result.returncode == 0, f"as of {as_of}:\n{result.output[-3000:]}"
        results[as_of] = result
    last = results["2025-12-31"]
    decisions = {
        check.isoformat(): (version, decision, reason)
        for check, version, decision, reason in last.query(
            f"select distinct check_month_end, definition_version, refit_decision, refit_reason "
            f"from {REGISTRY}"
        )
    }
    assert decisions["2025-10-31"][:2] == (1, "refit")
    # November: the October map would leave a segment under the 5% share (the case this test is
    # about), so the map is decided again, and it holds in December.
    assert decisions["2025-11-30"][:2] == (2, "refit"), decisions
    assert decisions["2025-11-30"][2].startswith("a segment of the stored map holds 0.0"), decisions
    assert "< segmentation__min_segment_share=0.05" in decisions["2025-11-30"][2]
    assert decisions["2025-12-31"][:2] == (2, "kept"), decisions
    # Every month end keeps the map it was built with, and its segments hold the share.
    shares = last.query(
        f"select period_month_end, composite_definition_version, composite_segment, "
        f"customers * 1.0 / sum(customers) over (partition by period_month_end) from ("
        f"select period_month_end, composite_definition_version, composite_segment, "
        f"count(*) as customers from {COMPOSITE} where period_month_end >= '2025-10-31' "
        f"group by all) order by all"
    )
    versions = {(month.isoformat(), version) for month, version, _, _ in shares}
    assert versions == {("2025-10-31", 1), ("2025-11-30", 2), ("2025-12-31", 2)}
    small = [row for row in shares if row[3] < 0.05]
    assert small == [], small
