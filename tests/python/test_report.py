"""The segmentation report: built from the demo warehouse's marts, and drawn in a real browser."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import duckdb
import pytest
from markupsafe import escape

from segmentation.report import ReportDataError, build_charts, read_report_data, write_report
from segmentation.report.browser import find_chromium, render_page
from segmentation.report.formatting import fmt_int, fmt_kpi, fmt_pct, fmt_value


def test_formatting_is_formatting_only():
    assert fmt_int(1234) == "1,234"
    assert fmt_pct(0.1234) == "12.3%"
    assert fmt_kpi("retention_rate", 0.5) == "50.0%"
    assert fmt_kpi("nps_score", 31.03) == "31"
    assert fmt_value(None) == fmt_value(float("nan")) == "–"


def test_experiment_chart_draws_the_marts_interval_when_it_has_one():
    import pandas as pd

    from segmentation.report.charts import experiment_chart

    outcomes = pd.DataFrame(
        {
            "period_month_end": [pd.Timestamp("2026-09-30")] * 2,
            "pathway_id": ["a", "b"],
            "purchase_rate_difference": [0.05, -0.01],
            "purchase_rate_ci_low": [0.01, -0.08],
            "purchase_rate_ci_high": [0.09, 0.06],
        }
    )
    chart = experiment_chart(outcomes)
    intervals = [trace for trace in chart.figure.data if trace.mode == "lines"]
    assert [list(trace.x) for trace in intervals] == [[0.01, 0.09], [-0.08, 0.06]]
    points = [trace for trace in chart.figure.data if trace.mode == "markers"][0]
    assert list(points.x) == [0.05, -0.01]
    # without interval columns (older marts) it falls back to treated and control rates
    older = pd.DataFrame(
        {
            "period_month_end": [pd.Timestamp("2026-09-30")] * 2,
            "pathway_id": ["a", "a"],
            "action_group": ["treated", "control"],
            "customers": [10, 2],
            "purchase_rate": [0.5, 0.4],
        }
    )
    assert [trace.name for trace in experiment_chart(older).figure.data] == ["treated", "control"]


def test_missing_marts_get_a_clear_answer(tmp_path: Path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ReportDataError, match="dim_customers is missing.*make build"):
        read_report_data(empty)
    with pytest.raises(ReportDataError, match="no warehouse at"):
        read_report_data(tmp_path / "absent.duckdb")


@pytest.fixture(scope="module")
def report(demo_warehouse, tmp_path_factory) -> tuple[Path, object]:
    data = read_report_data(demo_warehouse.database)
    path = write_report(data, tmp_path_factory.mktemp("report") / "segmentation_report.html")
    return path, data


def test_report_is_self_contained(report):
    path, _ = report
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", html), "scripts must be inlined"
    assert not re.search(r"<link[^>]*href=", html), "no external stylesheet"
    # plotly.js is inlined once for the whole page, not once per chart
    assert html.count("plotly.js v") == 1


def test_report_numbers_are_the_marts_numbers(report, demo_warehouse):
    path, data = report
    html = path.read_text(encoding="utf-8")
    segments = demo_warehouse.query(
        "select segmentation, segment, customers, persona from main_marts.dim_segments"
    )
    # one persona card per segment, each with the mart's persona text and size
    assert html.count('class="card persona-card"') == len(segments)
    for _, segment, customers, persona in segments:
        assert f"<h4>{escape(segment)}</h4>" in html
        assert str(escape(persona)) in html
        assert f"<b>{customers:,}</b><span>customers</span>" in html
    # the pathway audiences are the activation list's rows per pathway
    audiences = dict(
        demo_warehouse.query(
            "select pathway_id, selected_customers from main_marts.fct_pathway_audiences"
        )
    )
    actions = dict(
        demo_warehouse.query(
            "select pathway_id, count(*) from main_marts.fct_customer_actions group by 1"
        )
    )
    assert {key: value for key, value in audiences.items() if value} == actions
    assert set(audiences) == {
        row[0]
        for row in demo_warehouse.query("select pathway_id from main_marts.dim_migration_pathways")
    }
    # the R x F grid holds every buyer once
    grid_customers = demo_warehouse.query("select sum(customers) from main_marts.fct_rfm_grid")
    buyers = demo_warehouse.query(
        "select count(*) from main_marts.dim_customers where r_score is not null"
    )
    assert grid_customers == buyers
    # the roadmap and the measurement plan come from their seeds
    for (phase_name,) in demo_warehouse.query(
        "select phase_name from main_rules.implementation_roadmap"
    ):
        assert f"<b>{escape(phase_name)}</b>" in html
    plan_rows = demo_warehouse.query("select count(*) from main_rules.measurement_plan")[0][0]
    assert len(data.measurement_plan) == plan_rows > 0


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", png[16:24])


@pytest.mark.slow
def test_report_draws_every_chart_in_chromium(report, tmp_path):
    if find_chromium() is None:
        pytest.fail("chromium is not installed: run `make setup-browser` (make test does)")
    path, data = report
    expected = [chart.chart_id for chart in build_charts(data)]
    page = render_page(path)
    assert page.errors == []
    assert page.external_requests == [], "the report must work offline"
    drawn = {chart["id"]: chart for chart in page.charts}
    assert sorted(drawn) == sorted(expected)
    for chart_id in expected:
        chart = drawn[chart_id]
        assert chart["main_svg"] >= 1, f"{chart_id}: plotly drew no .main-svg"
        assert chart["drawn_marks"] > 0, f"{chart_id}: no bars, points or heatmap drawn"
        assert chart["width"] > 300 and chart["height"] > 200, chart
    screenshot = tmp_path / "report.png"
    screenshot.write_bytes(page.screenshot_png)
    width, height = _png_size(page.screenshot_png)
    assert width >= 1000 and height >= 5000, (width, height)
    assert len(page.screenshot_png) > 200_000, "a screenshot of a blank page is small"
