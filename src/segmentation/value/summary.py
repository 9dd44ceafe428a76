"""The standard BTYD summary from transactions, in pandas (the reference of the warehouse's SQL).

Fader, Hardie & Lee (2005) and Fader & Hardie (2013), as every BTYD library computes it
(lifetimes' `summary_data_from_transaction_data`, CLVTools, pymc-marketing's
`rfm_summary`): transactions are grouped by day, so several orders on one day are one purchase.

- repeat_purchase_days (x): distinct purchase days after the first;
- first_to_last_days (t_x): days from the first to the last purchase day (0 for one day);
- age_days (T): days from the first purchase day to the end of the period;
- repeat_purchase_day_value (m, Gamma-Gamma): mean value of the repeat purchase days, the first
  purchase day excluded; missing for customers without a repeat purchase.
"""

from __future__ import annotations

import pandas as pd

SUMMARY_OUTPUT = (
    "customer_id",
    "repeat_purchase_days",
    "first_to_last_days",
    "age_days",
    "repeat_purchase_day_value",
)


def btyd_summary(
    transactions: pd.DataFrame,
    period_end: str | pd.Timestamp,
    *,
    customer_column: str = "customer_id",
    datetime_column: str = "ordered_at",
    value_column: str = "amount",
) -> pd.DataFrame:
    """Return the BTYD summary of every customer with a transaction on or before `period_end`.

    `transactions` holds one row per purchase (only purchases that count: filter cancelled or
    returned orders first). Days are calendar days of `datetime_column`. Sorted by customer.
    """
    missing = [c for c in (customer_column, datetime_column, value_column) if c not in transactions]
    if missing:
        raise ValueError(f"transactions is missing column(s) {missing}")
    end = pd.Timestamp(period_end).normalize()
    frame = pd.DataFrame(
        {
            "customer_id": transactions[customer_column],
            "day": pd.to_datetime(transactions[datetime_column]).dt.normalize(),
            "value": pd.to_numeric(transactions[value_column]),
        }
    )
    frame = frame[frame["day"] <= end]
    days = frame.groupby(["customer_id", "day"], as_index=False)["value"].sum()
    days = days.sort_values(["customer_id", "day"])
    days["day_number"] = days.groupby("customer_id").cumcount()
    per_customer = days.groupby("customer_id").agg(
        purchase_days=("day", "size"), first_day=("day", "min"), last_day=("day", "max")
    )
    repeat_value = days[days["day_number"] > 0].groupby("customer_id")["value"].mean()
    summary = pd.DataFrame(
        {
            "customer_id": per_customer.index,
            "repeat_purchase_days": (per_customer["purchase_days"] - 1).to_numpy(),
            "first_to_last_days": (per_customer["last_day"] - per_customer["first_day"]).dt.days,
            "age_days": (end - per_customer["first_day"]).dt.days,
            "repeat_purchase_day_value": repeat_value.reindex(per_customer.index),
        }
    )
    return summary.reset_index(drop=True)[list(SUMMARY_OUTPUT)]
