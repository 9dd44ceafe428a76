"""Persona sentences for segments, from what sets each segment apart from all customers.

`write_personas` takes one row per segment and trait (the segment's value, all customers' value
and the standardised difference between them, with the customers behind each figure, as built
in SQL by ``int_segment_traits``) and writes one sentence per segment: its size and revenue
share, then the traits whose standardised difference from all customers is largest, each with
both figures and its count, then NPS with its number of answers. A trait is claimed only when
|standardised difference| >= `min_abs_difference` (default 0.5, a "medium" effect in Cohen's
terms) and at least `min_customers` customers of the segment stand behind it; a segment with fewer
customers than that gets no claim at all. With `min_segment_share`, the minimum is scaled down on
small data as for cluster names (``segmentation.clustering.name_min_customers_for``): to that
share of the segmentation's customers, never under 10. Nothing else is said about a segment, so
a region that is near-uniform across segments is never mentioned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from segmentation.clustering import name_min_customers_for

MIN_ABS_DIFFERENCE = 0.5
MAX_TRAITS = 4
NPS_TRAITS = ("net_promoter_score", "latest_nps_score")
TRAIT_COLUMNS = (
    "segmentation",
    "segment",
    "trait",
    "level",
    "segment_customers",
    "segment_revenue_share",
    "segment_customer_share",
    "measured_customers",
    "segment_value",
    "population_value",
    "standardized_difference",
)
PERSONA_COLUMNS = ("segmentation", "segment", "persona", "persona_traits")

# trait -> (label, unit). Units: days, orders, money, share (shown in %), count, score.
TRAITS: dict[str, tuple[str, str]] = {
    "recency_days": ("days since the last order", "days"),
    "frequency": ("completed orders", "orders"),
    "monetary": ("net revenue per customer", "money"),
    "avg_order_value": ("average order value per customer", "money"),
    "tenure_days": ("days since signup", "days"),
    "discount_share": ("discount share of spend", "share"),
    "return_rate": ("return rate", "share"),
    "email_open_rate": ("email open rate", "share"),
    "sessions_last_90_days": ("web and app sessions in 90 days", "count"),
    "app_session_share": ("app share of sessions", "share"),
    "support_tickets_last_365_days": ("support tickets in 365 days", "count"),
    "latest_nps_score": ("NPS answer (0-10)", "score"),
    "web_order_share": ("web share of orders", "share"),
    "app_order_share": ("app share of orders", "share"),
    "store_order_share": ("store share of orders", "share"),
    "region": ("customers in {level}", "share"),
    "category": ("{level} share of spend", "share"),
    "net_promoter_score": ("NPS", "nps"),
}


def _format(value: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * value:.0f}%"
    if unit in ("days", "money"):
        return f"{value:,.0f}"
    if unit == "nps":
        return f"{value:+.0f}"
    return f"{value:,.1f}"


def _label(trait: str, level: object) -> tuple[str, str]:
    label, unit = TRAITS.get(trait, (trait.replace("_", " "), "count"))
    return label.format(level=level), unit


def _is_number(value: object) -> bool:
    """True for a finite number of any numeric type (numpy, Decimal), False for null or NaN."""
    if value is None or isinstance(value, (bool, str)):
        return False
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def claimed_traits(
    traits: pd.DataFrame,
    min_customers: int,
    min_abs_difference: float = MIN_ABS_DIFFERENCE,
    max_traits: int = MAX_TRAITS,
) -> pd.DataFrame:
    """The traits a persona may claim for one segment, largest |standardised difference| first.

    A trait qualifies when its standardised difference is at least min_abs_difference in size
    and at least min_customers of the segment's customers stand behind it (measured_customers).
    NPS is reported apart, with its answers (neither it nor the mean NPS answer is ranked as a
    trait). Ties keep the order trait, level.
    """
    rows = traits[~traits["trait"].isin(NPS_TRAITS)].copy()
    size = pd.to_numeric(rows["standardized_difference"], errors="coerce").abs()
    keep = (size >= min_abs_difference) & (rows["measured_customers"] >= min_customers)
    rows = rows.assign(abs_difference=size)[keep.fillna(False)]
    rows = rows.sort_values(
        ["abs_difference", "trait", "level"], ascending=[False, True, True], kind="mergesort"
    )
    return rows.head(max_traits)


def write_persona(
    segment: Mapping[str, object],
    traits: pd.DataFrame,
    min_customers: int,
    min_abs_difference: float = MIN_ABS_DIFFERENCE,
) -> tuple[str, str]:
    """Return (persona sentence, comma-separated claimed traits) for one segment.

    `segment` has customers, customer_share and revenue_share; `traits` are the segment's rows
    of TRAIT_COLUMNS.
    """
    customers = int(segment["segment_customers"])
    share = float(segment["segment_customer_share"] or 0)
    revenue = segment["segment_revenue_share"]
    revenue_text = f"{100 * float(revenue):.1f}%" if _is_number(revenue) else "none"
    noun = "customer" if customers == 1 else "customers"
    parts = [
        f"{customers:,} {noun} ({100 * share:.1f}% of all) with {revenue_text} of net revenue."
    ]
    if customers < min_customers:
        parts.append(
            f"Too few customers to say what sets them apart (a claim needs at least "
            f"{min_customers:,})."
        )
        return " ".join(parts), ""
    claimed = claimed_traits(traits, min_customers, min_abs_difference)
    if claimed.empty:
        parts.append(
            f"Nothing sets them apart from all customers by {min_abs_difference:g} sd or more."
        )
    else:
        phrases = []
        for row in claimed.itertuples(index=False):
            label, unit = _label(str(row.trait), row.level)
            direction = "above" if row.standardized_difference > 0 else "below"
            phrases.append(
                f"{label} {_format(float(row.segment_value), unit)} vs "
                f"{_format(float(row.population_value), unit)} for all customers "
                f"({abs(row.standardized_difference):.1f} sd {direction}, "
                f"n = {int(row.measured_customers):,})"
            )
        parts.append("What sets them apart: " + "; ".join(phrases) + ".")
    nps = traits[traits["trait"] == "net_promoter_score"]
    if not nps.empty:
        row = nps.iloc[0]
        answers = int(row["measured_customers"] or 0)
        if answers >= min_customers and _is_number(row["segment_value"]):
            parts.append(
                f"NPS {_format(float(row['segment_value']), 'nps')} from {answers:,} answers "
                f"(all customers: {_format(float(row['population_value']), 'nps')})."
            )
        elif answers > 0:
            plural = "answer" if answers == 1 else "answers"
            parts.append(
                f"NPS not shown: {answers:,} {plural} (a figure needs at least {min_customers:,})."
            )
    levels = claimed["level"].fillna("")
    names = ",".join(
        f"{trait}={level}" if level else str(trait)
        for trait, level in zip(claimed["trait"], levels, strict=True)
    )
    return " ".join(parts), names


def write_personas(
    traits: pd.DataFrame,
    min_customers: int,
    min_abs_difference: float = MIN_ABS_DIFFERENCE,
    min_segment_share: float | None = None,
) -> pd.DataFrame:
    """One persona per (segmentation, segment) of `traits` (rows of TRAIT_COLUMNS).

    With `min_segment_share`, a segmentation of so few customers that this share of them is
    under `min_customers` claims from that share instead (never under 10), as cluster names do.
    """
    if isinstance(min_customers, bool) or not isinstance(min_customers, int) or min_customers < 1:
        raise ValueError(f"min_customers must be an int >= 1 (got {min_customers!r})")
    if min_segment_share is not None and not 0 <= float(min_segment_share) < 1:
        raise ValueError(f"min_segment_share must be in [0, 1) (got {min_segment_share!r})")
    missing = [c for c in TRAIT_COLUMNS if c not in traits.columns]
    if missing:
        raise ValueError(f"traits is missing column(s) {missing}; expected {list(TRAIT_COLUMNS)}")
    # per segmentation: each customer is in one segment of it, so the sizes add up to its total
    sizes = traits.drop_duplicates(["segmentation", "segment"])
    totals = sizes.groupby("segmentation", dropna=False)["segment_customers"].sum()
    minimum = {
        segmentation: min_customers
        if min_segment_share is None
        else name_min_customers_for(min_customers, float(min_segment_share) * float(total))
        for segmentation, total in totals.items()
    }
    rows = []
    ordered = traits.sort_values(["segmentation", "segment", "trait", "level"], kind="mergesort")
    for (segmentation, segment), group in ordered.groupby(
        ["segmentation", "segment"], sort=True, dropna=False
    ):
        persona, names = write_persona(
            group.iloc[0], group, minimum[segmentation], min_abs_difference
        )
        rows.append((segmentation, segment, persona, names))
    return pd.DataFrame(rows, columns=list(PERSONA_COLUMNS))
