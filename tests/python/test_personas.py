"""Tests for segmentation.personas: claims only from traits that differ, with their counts."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.personas import TRAIT_COLUMNS, claimed_traits, write_personas


def trait_rows(segment: str, customers: int, rows: list[tuple], share: float = 0.2) -> list[dict]:
    """rows: (trait, level, measured, segment value, population value, standardised difference)."""
    return [
        {
            "segmentation": "cluster",
            "segment": segment,
            "trait": trait,
            "level": level,
            "segment_customers": customers,
            "segment_revenue_share": 0.25,
            "segment_customer_share": share,
            "measured_customers": measured,
            "segment_value": value,
            "population_value": population,
            "standardized_difference": difference,
        }
        for trait, level, measured, value, population, difference in rows
    ]


BARGAIN = trait_rows(
    "Discount-driven customers",
    400,
    [
        ("discount_share", None, 400, 0.36, 0.12, 2.1),
        ("return_rate", None, 400, 0.28, 0.08, 1.6),
        ("frequency", None, 400, 10.5, 8.8, 0.2),
        # near-uniform region: never claimed
        ("region", "North America", 400, 0.34, 0.33, 0.02),
        ("category", "fashion", 380, 0.45, 0.15, 0.84),
        ("net_promoter_score", None, 120, -25.0, 10.0, None),
    ],
)


def personas(rows: list[dict], min_customers: int = 30) -> pd.DataFrame:
    return write_personas(pd.DataFrame(rows, columns=list(TRAIT_COLUMNS)), min_customers)


def test_persona_claims_the_largest_differences_with_both_figures_and_counts() -> None:
    persona = personas(BARGAIN).iloc[0]
    assert persona["persona"] == (
        "400 customers (20.0% of all) with 25.0% of net revenue. What sets them apart: "
        "discount share of spend 36% vs 12% for all customers (2.1 sd above, n = 400); "
        "return rate 28% vs 8% for all customers (1.6 sd above, n = 400); "
        "fashion share of spend 45% vs 15% for all customers (0.8 sd above, n = 380). "
        "NPS -25 from 120 answers (all customers: +10)."
    )
    assert persona["persona_traits"] == "discount_share,return_rate,category=fashion"
    assert "North America" not in persona["persona"]  # 0.02 sd: not a trait
    assert "orders" not in persona["persona"]  # 0.2 sd: not a trait


def test_no_claim_from_too_few_customers_or_answers() -> None:
    few_answers = [dict(r) for r in BARGAIN]
    few_answers[-1]["measured_customers"] = 1  # NPS 100 from one answer is not shown as NPS 100
    few_answers[-1]["segment_value"] = 100.0
    few_answers[-2]["measured_customers"] = 12  # category measured on 12 customers
    persona = personas(few_answers).iloc[0]["persona"]
    assert "NPS not shown: 1 answer (a figure needs at least 30)." in persona
    assert "100" not in persona.split("What sets")[1]
    assert "fashion" not in persona
    tiny = personas(trait_rows("Tiny", 4, [("frequency", None, 4, 30.0, 8.8, 3.0)], 0.002))
    assert tiny.iloc[0]["persona"] == (
        "4 customers (0.2% of all) with 25.0% of net revenue. Too few customers to say what sets "
        "them apart (a claim needs at least 30)."
    )
    assert tiny.iloc[0]["persona_traits"] == ""


def test_a_segment_like_everyone_claims_nothing() -> None:
    rows = trait_rows("Typical", 500, [("frequency", None, 500, 9.0, 8.8, 0.1)])
    persona = personas(rows).iloc[0]["persona"]
    assert persona.endswith("Nothing sets them apart from all customers by 0.5 sd or more.")


def test_at_most_four_traits_largest_first_and_ties_in_a_fixed_order() -> None:
    rows = trait_rows(
        "Many",
        100,
        [(name, None, 100, 1.0, 0.0, -0.9) for name in ["b_trait", "a_trait", "c", "d", "e"]],
    )
    claimed = claimed_traits(pd.DataFrame(rows), 30)
    assert claimed["trait"].tolist() == ["a_trait", "b_trait", "c", "d"]


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="min_customers"):
        personas(BARGAIN, 0)
    with pytest.raises(ValueError, match="missing column"):
        write_personas(pd.DataFrame({"segment": ["x"]}), 30)


def test_numpy_and_decimal_figures_are_numbers() -> None:
    import decimal

    import numpy as np

    rows = [dict(r) for r in BARGAIN]
    for row in rows:
        row["segment_revenue_share"] = np.float32(0.25)
    rows[-1]["segment_value"] = decimal.Decimal("-25")
    persona = personas(rows).iloc[0]["persona"]
    assert "with 25.0% of net revenue" in persona
    assert "NPS -25 from 120 answers" in persona


def test_one_customer_is_singular() -> None:
    rows = trait_rows("One", 1, [("frequency", None, 1, 3.0, 8.8, -1.0)], 0.01)
    assert personas(rows).iloc[0]["persona"].startswith("1 customer (1.0% of all)")


def test_a_small_shop_gets_personas_and_tiny_segments_still_do_not() -> None:
    # 120 customers in three segments (100, 12, 8): with the configured 30 two of three claimed
    # nothing; with min_segment_share 0.05 the minimum is 6, raised to the floor of 10
    rows = []
    for segment, customers in [("Big", 100), ("Small", 12), ("Tiny", 8)]:
        rows += trait_rows(
            segment,
            customers,
            [("recency_days", None, customers, 200.0, 90.0, 1.2)],
            share=customers / 120,
        )
    frame = pd.DataFrame(rows, columns=list(TRAIT_COLUMNS))
    fixed = write_personas(frame, 30).set_index("segment")["persona_traits"]
    assert fixed.to_dict() == {"Big": "recency_days", "Small": "", "Tiny": ""}
    scaled = write_personas(frame, 30, min_segment_share=0.05).set_index("segment")
    assert scaled["persona_traits"].to_dict() == {
        "Big": "recency_days",
        "Small": "recency_days",
        "Tiny": "",
    }
    assert "a claim needs at least 10" in scaled.loc["Tiny", "persona"]
    # on large data the configured minimum holds
    big = frame.assign(segment_customers=frame["segment_customers"] * 100)
    large = write_personas(big, 30, min_segment_share=0.05).set_index("segment")
    assert large["persona_traits"].to_dict() == {"Big": "recency_days", "Small": "", "Tiny": ""}
    with pytest.raises(ValueError, match="min_segment_share"):
        write_personas(frame, 30, min_segment_share=1.5)
