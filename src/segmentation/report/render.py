"""Assemble the segmentation report: one self-contained HTML file (plotly.js inlined once)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd
from plotly.offline import get_plotlyjs

from segmentation.report import charts
from segmentation.report.formatting import (
    KPI_LABELS,
    fmt_int,
    fmt_kpi,
    fmt_money,
    fmt_number,
    fmt_pct,
    fmt_value,
    is_missing,
    segmentation_label,
)
from segmentation.report.queries import ReportData

DIMENSIONS = {
    "rfm": (
        "Recency, frequency and monetary value",
        "Scores 1-5 per customer (5 best) mapped to named segments by the rules of"
        " seeds/rfm_segment_rules.csv; customers without a completed order are Prospects.",
    ),
    "composite": (
        "Value x lifecycle x engagement",
        "The value tier, the RFM lifecycle stage and email/web engagement combined; cells under"
        " the minimum segment share are merged.",
    ),
    "cluster": (
        "Behaviour",
        "k-means on standardised behavioural features (seeds/cluster_feature_catalog.csv), k"
        " chosen by silhouette among the k whose smallest cluster is large enough; names from"
        " each cluster's defining traits.",
    ),
    "value_tier": (
        "Predicted customer value",
        "Tiers of predicted value over the next horizon from the BG/NBD and Gamma-Gamma"
        " customer-value model.",
    ),
    "potential": (
        "Value potential",
        "Probability alive x predicted-value percentile, by the tiers of"
        " seeds/potential_tier_rules.csv.",
    ),
}

PLAYBOOK_LEVERS = [
    ("Marketing", "marketing_approach"),
    ("Product", "product_approach"),
    ("Service", "service_approach"),
    ("Pricing", "pricing_approach"),
]

OUTCOME_KEYS = {"period_month_end", "segmentation"}

# The experiment columns the report shows when fct_action_outcomes_monthly has them (one row per
# pathway with treated and control side by side); otherwise it shows every column the mart has.
EXPERIMENT_COLUMNS = [
    "pathway_id",
    "from_segment",
    "target_segment",
    "treated_customers",
    "control_customers",
    "treated_purchase_rate",
    "control_purchase_rate",
    "purchase_rate_difference",
    "purchase_rate_ci_low",
    "purchase_rate_ci_high",
    "purchase_rate_p_value",
    "purchase_rate_minimum_detectable_effect",
    "is_purchase_rate_difference_significant",
    "is_too_small_to_read",
]

TEMPLATE_DIR = Path(__file__).with_name("templates")


def _segment_flags(row: pd.Series) -> list[str]:
    """Boolean columns of dim_segments that hold for the segment (e.g. small-segment flags)."""
    flags = []
    for column, value in row.items():
        if column.startswith(("is_", "has_")) and not is_missing(value) and bool(value):
            flags.append(column.removeprefix("is_").removeprefix("has_").replace("_", " "))
    return flags


def _summary_rows(segments: pd.DataFrame) -> list[dict]:
    rows = []
    for _, row in segments.iterrows():
        traits = [
            text
            for text in (
                row.get("top_categories"),
                None
                if is_missing(row.get("dominant_channel"))
                else f"mostly {row['dominant_channel']}",
            )
            if not is_missing(text)
        ]
        rows.append(
            {
                "rank": fmt_int(row.get("segment_rank")),
                "segment": row["segment"],
                "customers": fmt_int(row["customers"]),
                "customer_share": fmt_pct(row.get("customer_share")),
                "net_revenue": fmt_money(row["net_revenue"]),
                "revenue_share": fmt_pct(row.get("revenue_share")),
                "avg_order_value": fmt_money(row.get("avg_order_value")),
                "median_recency_days": fmt_number(row.get("median_recency_days"), 0),
                "avg_frequency": fmt_number(row.get("avg_frequency"), 1),
                "predicted_value": fmt_money(row.get("predicted_value")),
                "description": row.get("segment_description") or "",
                "traits": "; ".join(str(text) for text in traits),
                "flags": _segment_flags(row),
            }
        )
    return rows


def _persona_cards(segments: pd.DataFrame, playbook: pd.DataFrame) -> list[dict]:
    plays = playbook.set_index(["segmentation", "segment"])
    cards = []
    for _, row in segments.iterrows():
        key = (row["segmentation"], row["segment"])
        play = plays.loc[key] if key in plays.index else None
        cards.append(
            {
                "segment": row["segment"],
                "rank": fmt_int(row.get("segment_rank")),
                "persona": row["persona"],
                "figures": [
                    ("customers", fmt_int(row["customers"])),
                    ("of customers", fmt_pct(row.get("customer_share"))),
                    ("of revenue", fmt_pct(row.get("revenue_share"))),
                    ("order value", fmt_money(row.get("avg_order_value"))),
                    ("days since order", fmt_number(row.get("median_recency_days"), 0)),
                    ("NPS", fmt_number(row.get("net_promoter_score"), 0)),
                ],
                "objective": None if play is None else play.get("objective"),
                "offer": None if play is None else play.get("offer"),
                "channel": None if play is None else play.get("channel"),
                "flags": _segment_flags(row),
            }
        )
    return cards


def _targeting_rows(playbook: pd.DataFrame) -> list[dict]:
    rows = []
    for _, row in playbook.iterrows():
        rows.append(
            {
                "segment": row["segment"],
                "objective": row.get("objective") or "",
                "levers": [row.get(column) or "–" for _, column in PLAYBOOK_LEVERS],
                "channel": row.get("channel") or "–",
                "offer": row.get("offer") or "–",
                "priority": fmt_int(row.get("priority")),
                "has_playbook": bool(row.get("has_playbook", True)),
            }
        )
    return rows


def _pathway_rows(pathways: pd.DataFrame) -> list[dict]:
    return [
        {
            "pathway_id": row["pathway_id"],
            "segmentation": segmentation_label(row["segmentation"]),
            "from_segment": row["from_segment"],
            "target_segment": row["target_segment"],
            "trigger": row["trigger_expression"],
            "intervention": row["intervention"],
            "channel": row["channel"],
            "priority": fmt_int(row["priority"]),
            "selected": fmt_int(row["selected_customers"]),
            "treated": fmt_int(row["treated_customers"]),
            "control": fmt_int(row["control_customers"]),
        }
        for _, row in pathways.iterrows()
    ]


def _outcome_cell(column: str, value: object) -> str:
    if column.endswith("_p_value"):
        return fmt_number(value, 3)
    if column.endswith(("_rate", "_share")) or "rate_" in column:
        return fmt_pct(value)
    return fmt_value(value)


def _outcome_table(outcomes: pd.DataFrame) -> dict:
    if "purchase_rate_difference" in outcomes.columns:
        columns = [column for column in EXPERIMENT_COLUMNS if column in outcomes.columns]
    else:
        columns = [column for column in outcomes.columns if column not in OUTCOME_KEYS]
    return {
        "columns": [column.replace("_", " ") for column in columns],
        "rows": [
            [_outcome_cell(column, row[column]) for column in columns]
            for _, row in outcomes.iterrows()
        ],
        "month": fmt_value(outcomes["period_month_end"].max()) if len(outcomes) else "–",
    }


def _latest_kpi(kpis: pd.DataFrame, segmentation: str, segment: str, kpi: str) -> dict:
    """The KPI's latest month with a value for the segment, its target and on-track status (a
    month cut short by the as-of date, ``is_partial_period``, only when no complete one has it)."""
    rows = kpis[(kpis["segmentation"] == segmentation) & (kpis["segment"] == segment)]
    if kpi not in kpis.columns or rows.empty:
        return {"value": "–", "month": "–", "target": "–", "status": "not in the KPI mart"}
    with_value = rows[rows[kpi].notna()]
    if "is_partial_period" in with_value.columns:
        complete = with_value[~with_value["is_partial_period"].fillna(False).astype(bool)]
        with_value = complete if not complete.empty else with_value
    if with_value.empty:
        return {"value": "–", "month": "–", "target": "–", "status": "no value yet"}
    latest = with_value.iloc[-1]
    target = latest.get(f"{kpi}_target")
    on_track = latest.get(f"is_{kpi}_on_track")
    gap = latest.get(f"{kpi}_gap")
    if not is_missing(on_track):
        status = "on track" if bool(on_track) else "off track"
    elif is_missing(target):
        status = "no target"
    else:
        status = f"gap {fmt_kpi(kpi, gap)}" if not is_missing(gap) else "–"
    return {
        "value": fmt_kpi(kpi, latest[kpi]),
        "month": fmt_value(latest["period_month_end"]),
        "target": fmt_kpi(kpi, target),
        "status": status,
    }


def _measurement_rows(plan: pd.DataFrame, kpis: pd.DataFrame) -> list[dict]:
    rows = []
    for _, row in plan.iterrows():
        latest = _latest_kpi(kpis, row["segmentation"], row["segment"], row["kpi"])
        rows.append(
            {
                "segmentation": segmentation_label(row["segmentation"]),
                "segment": row["segment"],
                "kpi": KPI_LABELS.get(row["kpi"], row["kpi"]),
                **latest,
                "control_group": row["control_group"],
                "review_cadence": row["review_cadence"],
                "owner_team": row["owner_team"],
            }
        )
    return rows


def _model_rows(data: ReportData) -> list[dict]:
    rows = []
    for segmentation in data.segmentations:
        dimension, how = DIMENSIONS.get(segmentation, (segmentation, ""))
        names = data.segments.loc[data.segments["segmentation"] == segmentation, "segment"]
        rows.append(
            {
                "segmentation": segmentation_label(segmentation),
                "dimension": dimension,
                "how": how,
                "segments": ", ".join(names),
            }
        )
    return rows


def _cluster_quality(diagnostics: pd.DataFrame) -> dict | None:
    if diagnostics.empty or "is_chosen" not in diagnostics.columns:
        return None
    chosen = diagnostics[diagnostics["is_chosen"].fillna(False).astype(bool)]
    if chosen.empty:
        return None
    row = chosen.iloc[0]
    return {
        "k": fmt_int(row.get("k")),
        "silhouette": fmt_number(row.get("silhouette"), 3),
        "davies_bouldin": fmt_number(row.get("davies_bouldin"), 3),
        "smallest_share": fmt_pct(row.get("smallest_segment_share")),
        "stability": fmt_number(row.get("stability_ari_mean"), 3),
        "reason": row.get("chosen_k_reason") or row.get("reason") or "",
        "training_rows": fmt_int(row.get("training_rows")),
    }


def _value_holdout(holdout: pd.DataFrame) -> dict | None:
    if holdout.empty or "repeat_orders_bucket" not in holdout.columns:
        return None
    total = holdout[holdout["repeat_orders_bucket"] == "total"]
    if total.empty:
        return None
    row = total.iloc[0]
    return {
        "customers": fmt_int(row.get("customers")),
        "holdout_days": fmt_int(row.get("holdout_days")),
        "predicted_orders": fmt_number(row.get("predicted_orders"), 0),
        "actual_orders": fmt_int(row.get("actual_orders")),
        "relative_error": fmt_pct(row.get("relative_error")),
    }


def build_charts(data: ReportData) -> list[charts.Chart]:
    """Every chart of the report, in reading order."""
    built = [
        charts.segment_size_value_chart(data.segments, data.segmentations),
        charts.rfm_grid_chart(data.rfm_grid),
    ]
    if (data.segments["segmentation"] == "cluster").any():
        built.append(charts.cluster_profile_chart(data.segments))
    built.append(charts.migration_chart(data.migrations, data.segmentations))
    built += charts.kpi_trend_charts(data.kpis)
    experiments = charts.experiment_chart(data.outcomes)
    if experiments is not None:
        built.append(experiments)
    built.append(charts.roadmap_chart(data.roadmap))
    return built


def _chart_html(chart: charts.Chart) -> str:
    return chart.figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=chart.chart_id,
        config={"displaylogo": False, "responsive": True},
    )


def render_report(data: ReportData) -> str:
    """The report as one HTML document."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    chart_list = build_charts(data)
    chart_by_id = {
        chart.chart_id: {
            "title": chart.title,
            "caption": chart.caption,
            "html": jinja2.utils.markupsafe.Markup(_chart_html(chart)),
            "chart_id": chart.chart_id,
        }
        for chart in chart_list
    }
    segmentations = data.segmentations
    by_segmentation = {
        name: data.segments[data.segments["segmentation"] == name] for name in segmentations
    }
    template = environment.get_template("report.html.j2")
    return template.render(
        as_of_date=fmt_value(data.as_of_date),
        customers_total=fmt_int(data.customers_total),
        notes=data.notes,
        segmentations=[
            {
                "key": name,
                "label": segmentation_label(name),
                "summary": _summary_rows(by_segmentation[name]),
                "cards": _persona_cards(by_segmentation[name], data.playbook),
                "targeting": _targeting_rows(data.playbook[data.playbook["segmentation"] == name]),
            }
            for name in segmentations
        ],
        levers=[label for label, _ in PLAYBOOK_LEVERS],
        model_rows=_model_rows(data),
        cluster_quality=_cluster_quality(data.cluster_diagnostics),
        value_holdout=_value_holdout(data.value_holdout),
        charts=chart_by_id,
        kpi_charts=[
            chart_by_id[c.chart_id] for c in chart_list if c.chart_id.startswith("chart-kpi-")
        ],
        pathways=_pathway_rows(data.pathways),
        outcomes=_outcome_table(data.outcomes),
        roadmap=[
            {column: fmt_value(value) for column, value in row.items()}
            for _, row in data.roadmap.iterrows()
        ],
        measurement=_measurement_rows(data.measurement_plan, data.kpis),
        plotly_js=jinja2.utils.markupsafe.Markup(get_plotlyjs()),
    )


def write_report(data: ReportData, out: str | Path) -> Path:
    """Write the report to out (parent folders created) and return the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(data), encoding="utf-8")
    return out
