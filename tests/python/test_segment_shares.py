"""Small segments on the demo: flagged in dim_segments for every segmentation."""

from __future__ import annotations

import csv

import yaml

from conftest import PROJECT_DIR, DbtResult


def _min_segment_share() -> float:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return float(project["vars"]["segmentation__min_segment_share"])


def test_every_segment_under_the_share_is_flagged(demo_warehouse: DbtResult) -> None:
    share = _min_segment_share()
    segments = demo_warehouse.frame(
        "select segmentation, segment, customer_share, is_below_min_share "
        "from main_marts.dim_segments"
    )
    assert set(segments["segmentation"]) == {
        "rfm",
        "cluster",
        "value_tier",
        "composite",
        "potential",
    }
    expected = segments["customer_share"] < share
    assert (segments["is_below_min_share"] == expected).all(), segments[
        segments["is_below_min_share"] != expected
    ]


def test_rfm_keeps_its_names_and_flags_its_small_segments(demo_warehouse: DbtResult) -> None:
    rfm = demo_warehouse.frame(
        "select segment, customers, is_below_min_share from main_marts.dim_segments "
        "where segmentation = 'rfm'"
    )
    with (PROJECT_DIR / "seeds" / "rfm_segment_rules.csv").open() as rules:
        names = {row["segment_name"] for row in csv.DictReader(rules)}
    assert set(rfm["segment"]) <= names
    # on the demo, the rules leave some named segments small (New, Promising, ...): they keep
    # their names and are flagged, not merged
    assert rfm["is_below_min_share"].any()
    assert (
        rfm["customers"].sum()
        == demo_warehouse.query("select count(*) from main_marts.dim_customers")[0][0]
    )
