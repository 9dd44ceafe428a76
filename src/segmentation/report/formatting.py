"""How the report writes numbers and names: formatting only, never arithmetic on the values."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

SEGMENTATION_LABELS = {
    "rfm": "RFM",
    "composite": "Composite",
    "cluster": "Behavioural clusters",
    "value_tier": "Value tier",
    "potential": "Potential",
}

# KPIs of fct_segment_kpis_monthly that may carry a target, with how the report names them.
KPI_LABELS = {
    "retention_rate": "Retention rate",
    "churn_rate": "Churn rate",
    "upgrade_rate": "Upgrade rate",
    "downgrade_rate": "Downgrade rate",
    "orders_per_customer": "Orders per customer",
    "revenue_per_customer": "Revenue per customer",
    "avg_order_value": "Average order value",
    "email_open_rate": "Email open rate",
    "nps_score": "NPS",
}


def segmentation_label(segmentation: str) -> str:
    """The reader's name of a segmentation (its key when it has none)."""
    return SEGMENTATION_LABELS.get(segmentation, segmentation)


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_int(value: object) -> str:
    """1234 -> '1,234'; missing -> '–'."""
    if is_missing(value):
        return "–"
    return f"{int(value):,}"


def fmt_number(value: object, digits: int = 1) -> str:
    """A decimal number with thousands separators."""
    if is_missing(value):
        return "–"
    return f"{float(value):,.{digits}f}"


def fmt_money(value: object) -> str:
    """A money amount without decimals."""
    return fmt_number(value, 0)


def fmt_pct(value: object, digits: int = 1) -> str:
    """A share 0-1 as a percentage."""
    if is_missing(value):
        return "–"
    return f"{float(value):.{digits}%}"


def fmt_kpi(kpi: str, value: object) -> str:
    """A KPI value in its unit: rates as percentages, NPS as points, the rest as numbers."""
    if kpi.endswith("_rate"):
        return fmt_pct(value)
    if kpi == "nps_score":
        return fmt_number(value, 0)
    return fmt_number(value, 2)


def fmt_value(value: object) -> str:
    """Any cell of a mart, by its type."""
    if is_missing(value):
        return "–"
    if not isinstance(value, str | datetime | date) and hasattr(value, "item"):
        value = value.item()  # numpy scalars to Python ones
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            return "–"
        return f"{float(value):,.3f}" if abs(float(value)) < 10 else f"{float(value):,.1f}"
    return str(value)
