"""The report's charts: plotly figures drawn from mart rows as they are (no arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segmentation.report.formatting import KPI_LABELS, fmt_value, segmentation_label

PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#ad494a",
]

# Profile columns of dim_segments that describe a cluster (label, column, tick format).
CLUSTER_PROFILE = [
    ("Median days since last order", "median_recency_days", ",.0f"),
    ("Mean orders", "avg_frequency", ",.1f"),
    ("Mean net revenue", "avg_monetary", ",.0f"),
    ("Order value", "avg_order_value", ",.0f"),
    ("Email open rate", "avg_email_open_rate", ".0%"),
    ("Sessions, last 90 days", "avg_sessions_last_90_days", ",.1f"),
    ("Support tickets, last 365 days", "avg_support_tickets_last_365_days", ",.2f"),
    ("NPS", "net_promoter_score", ",.0f"),
]

LAYOUT = dict(
    template="plotly_white",
    font=dict(family="Helvetica, Arial, sans-serif", size=12),
    margin=dict(l=60, r=30, t=60, b=50),
)


@dataclass
class Chart:
    """One chart of the report: a stable id (the div's id), a title and its figure."""

    chart_id: str
    title: str
    figure: go.Figure
    caption: str = ""


def _visibility_buttons(groups: list[str], traces_per_group: list[int]) -> list[dict]:
    buttons = []
    for index, group in enumerate(groups):
        visible = []
        for other, count in enumerate(traces_per_group):
            visible += [other == index] * count
        buttons.append(
            dict(label=segmentation_label(group), method="update", args=[{"visible": visible}])
        )
    return buttons


def _menu(buttons: list[dict]) -> list[dict]:
    return [
        dict(
            buttons=buttons,
            direction="down",
            x=0,
            xanchor="left",
            y=1.18,
            yanchor="top",
            showactive=True,
        )
    ]


def segment_size_value_chart(segments: pd.DataFrame, segmentations: list[str]) -> Chart:
    """Share of customers and of net revenue per segment, one segmentation at a time."""
    figure = go.Figure()
    counts = []
    for index, segmentation in enumerate(segmentations):
        rows = segments[segments["segmentation"] == segmentation]
        visible = index == 0
        figure.add_bar(
            x=rows["segment"],
            y=rows["customer_share"],
            name="Share of customers",
            marker_color=PALETTE[0],
            visible=visible,
            customdata=rows["customers"],
            hovertemplate="%{x}<br>%{customdata:,} customers (%{y:.1%})<extra></extra>",
        )
        figure.add_bar(
            x=rows["segment"],
            y=rows["revenue_share"],
            name="Share of net revenue",
            marker_color=PALETTE[1],
            visible=visible,
            customdata=rows["net_revenue"],
            hovertemplate="%{x}<br>net revenue %{customdata:,.0f} (%{y:.1%})<extra></extra>",
        )
        counts.append(2)
    figure.update_layout(
        **LAYOUT,
        barmode="group",
        yaxis=dict(title="share", tickformat=".0%"),
        legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
        updatemenus=_menu(_visibility_buttons(segmentations, counts)),
        height=460,
    )
    return Chart(
        "chart-segment-size-value",
        "Segment size and value",
        figure,
        "Share of customers and of net revenue to date per segment (dim_segments). Pick the"
        " segmentation in the menu.",
    )


def rfm_grid_chart(rfm_grid: pd.DataFrame) -> Chart:
    """Customers per recency score x frequency score, labelled with the dominant segment."""
    recency = sorted(rfm_grid["r_score"].unique())
    frequency = sorted(rfm_grid["f_score"].unique())
    cells = rfm_grid.set_index(["r_score", "f_score"])
    z, text = [], []
    for r_score in recency:
        z_row, text_row = [], []
        for f_score in frequency:
            if (r_score, f_score) in cells.index:
                cell = cells.loc[(r_score, f_score)]
                z_row.append(int(cell["customers"]))
                text_row.append(f"{cell['dominant_rfm_segment']}<br>{int(cell['customers']):,}")
            else:
                z_row.append(None)
                text_row.append("")
        z.append(z_row)
        text.append(text_row)
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"F{score}" for score in frequency],
            y=[f"R{score}" for score in recency],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar=dict(title="customers"),
            hovertemplate="%{y} %{x}: %{z:,} customers<extra></extra>",
        )
    )
    figure.update_layout(
        **LAYOUT,
        xaxis=dict(title="frequency score (5 = most orders)"),
        yaxis=dict(title="recency score (5 = most recent)"),
        height=480,
    )
    return Chart(
        "chart-rfm-grid",
        "The R x F grid",
        figure,
        "Buyers per recency and frequency score with the RFM segment most of them hold"
        " (fct_rfm_grid). Prospects have no scores.",
    )


def cluster_profile_chart(segments: pd.DataFrame) -> Chart:
    """The behavioural clusters side by side on the traits that tell them apart."""
    clusters = segments[segments["segmentation"] == "cluster"]
    profile = [item for item in CLUSTER_PROFILE if item[1] in clusters.columns]
    columns = 2
    rows = (len(profile) + columns - 1) // columns
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[label for label, _, _ in profile],
        vertical_spacing=0.08,
        horizontal_spacing=0.25,
    )
    for index, (label, column, tick_format) in enumerate(profile):
        figure.add_bar(
            y=clusters["segment"],
            x=clusters[column],
            orientation="h",
            marker_color=PALETTE[: len(clusters)],
            showlegend=False,
            name=label,
            hovertemplate="%{y}<br>" + label + ": %{x:" + tick_format + "}<extra></extra>",
            row=index // columns + 1,
            col=index % columns + 1,
        )
        figure.update_xaxes(
            tickformat=tick_format, row=index // columns + 1, col=index % columns + 1
        )
        figure.update_yaxes(autorange="reversed", row=index // columns + 1, col=index % columns + 1)
    figure.update_layout(**LAYOUT, height=230 * rows)
    return Chart(
        "chart-cluster-profiles",
        "Cluster profiles",
        figure,
        "Each behavioural cluster on the traits that describe it (dim_segments, segmentation"
        " cluster).",
    )


def migration_chart(migrations: pd.DataFrame, segmentations: list[str]) -> Chart:
    """Where each segment's customers were at the previous month end and where they are now."""
    figure = go.Figure()
    counts = []
    month = fmt_value(migrations["period_month_end"].max()) if len(migrations) else "–"
    for index, segmentation in enumerate(segmentations):
        rows = migrations[migrations["segmentation"] == segmentation]
        from_order = list(
            rows.sort_values("from_segment_rank", na_position="first")["from_segment"].unique()
        )
        to_order = list(
            rows.sort_values("to_segment_rank", na_position="last")["to_segment"].unique()
        )
        cells = rows.set_index(["from_segment", "to_segment"])
        z, text = [], []
        for from_segment in from_order:
            z_row, text_row = [], []
            for to_segment in to_order:
                if (from_segment, to_segment) in cells.index:
                    cell = cells.loc[(from_segment, to_segment)]
                    z_row.append(float(cell["transition_rate"]))
                    text_row.append(f"{int(cell['customers']):,}")
                else:
                    z_row.append(None)
                    text_row.append("")
            z.append(z_row)
            text.append(text_row)
        figure.add_trace(
            go.Heatmap(
                z=z,
                x=to_order,
                y=from_order,
                text=text,
                texttemplate="%{text}",
                colorscale="YlGnBu",
                zmin=0,
                zmax=1,
                colorbar=dict(title="share of<br>from-segment", tickformat=".0%"),
                hovertemplate=(
                    "from %{y}<br>to %{x}<br>%{text} customers (%{z:.1%} of the from-segment)"
                    "<extra></extra>"
                ),
                visible=index == 0,
            )
        )
        counts.append(1)
    figure.update_layout(
        **LAYOUT,
        xaxis=dict(title=f"segment at {month}", tickangle=-35),
        yaxis=dict(title="segment at the previous month end", autorange="reversed"),
        updatemenus=_menu(_visibility_buttons(segmentations, counts)),
        height=620,
    )
    figure.update_layout(margin=dict(l=200, r=30, t=70, b=160))
    return Chart(
        "chart-migration-matrix",
        "Migration matrix between the last two month ends",
        figure,
        "Customers moving from the segment they held at the previous month end (rows) to the one"
        " they hold now (columns); colour is the share of the row's segment, the label the"
        " customers (fct_segment_migrations). (new) are new customers, (exit) customers who left.",
    )


def kpi_trend_charts(kpis: pd.DataFrame) -> list[Chart]:
    """One chart per KPI that has targets: the KPI per targeted segment by month, with targets.

    A menu picks the segmentation, so a view holds one segmentation's segments.
    """
    charts = []
    for kpi, label in KPI_LABELS.items():
        target_column = f"{kpi}_target"
        if kpi not in kpis.columns or target_column not in kpis.columns:
            continue
        targeted = kpis[kpis[target_column].notna()]
        if targeted.empty:
            continue
        figure = go.Figure()
        segmentations = list(dict.fromkeys(targeted["segmentation"]))
        counts = []
        for group, segmentation in enumerate(segmentations):
            segments = list(
                dict.fromkeys(targeted.loc[targeted["segmentation"] == segmentation, "segment"])
            )
            for index, segment in enumerate(segments):
                colour = PALETTE[index % len(PALETTE)]
                rows = kpis[(kpis["segmentation"] == segmentation) & (kpis["segment"] == segment)]
                figure.add_scatter(
                    x=rows["period_month_end"],
                    y=rows[kpi],
                    mode="lines+markers",
                    name=segment,
                    legendgroup=segment,
                    line=dict(color=colour),
                    marker=dict(size=4),
                    visible=group == 0,
                )
                figure.add_scatter(
                    x=rows["period_month_end"],
                    y=rows[target_column],
                    mode="lines",
                    name=f"{segment} target",
                    legendgroup=segment,
                    showlegend=False,
                    line=dict(color=colour, dash="dash"),
                    hovertemplate="target %{y}<extra>" + segment + "</extra>",
                    visible=group == 0,
                )
            counts.append(2 * len(segments))
        tick_format = ".0%" if kpi.endswith("_rate") else ",.2f"
        figure.update_layout(
            **LAYOUT,
            yaxis=dict(title=label, tickformat=tick_format),
            xaxis=dict(title="month end"),
            legend=dict(font=dict(size=10)),
            updatemenus=_menu(_visibility_buttons(segmentations, counts)),
            height=440,
        )
        charts.append(
            Chart(
                f"chart-kpi-{kpi.replace('_', '-')}",
                f"{label} per segment against target",
                figure,
                f"{label} by month end (solid) and the segment's target (dashed) from"
                " fct_segment_kpis_monthly; only segments with a target are drawn. Pick the"
                " segmentation in the menu.",
            )
        )
    return charts


INTERVAL_COLUMNS = ("purchase_rate_difference", "purchase_rate_ci_low", "purchase_rate_ci_high")


def experiment_interval_chart(outcomes: pd.DataFrame) -> Chart:
    """Treated minus control purchase rate per pathway with its 95% interval, as in the mart."""
    figure = go.Figure()
    rows = outcomes[outcomes["purchase_rate_difference"].notna()]
    for index, (_, row) in enumerate(rows.iterrows()):
        figure.add_scatter(
            x=[row["purchase_rate_ci_low"], row["purchase_rate_ci_high"]],
            y=[row["pathway_id"], row["pathway_id"]],
            mode="lines",
            line=dict(color=PALETTE[0], width=3),
            showlegend=index == 0,
            name="95% interval",
            legendgroup="interval",
            hoverinfo="skip",
        )
    figure.add_scatter(
        x=rows["purchase_rate_difference"],
        y=rows["pathway_id"],
        mode="markers",
        marker=dict(color=PALETTE[3], size=9),
        name="difference (treated - control)",
        customdata=rows[["purchase_rate_ci_low", "purchase_rate_ci_high"]].to_numpy(),
        hovertemplate="%{y}<br>%{x:+.1%} (95% interval %{customdata[0]:+.1%} to"
        " %{customdata[1]:+.1%})<extra></extra>",
    )
    figure.add_vline(x=0, line=dict(color="#888", dash="dot"))
    figure.update_layout(
        **LAYOUT,
        xaxis=dict(title="purchase rate, treated minus control", tickformat="+.0%"),
        yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", y=1.08, x=1, xanchor="right"),
        height=max(320, 30 * len(rows) + 140),
    )
    figure.update_layout(margin=dict(l=240, r=30, t=50, b=50))
    month = fmt_value(outcomes["period_month_end"].max())
    return Chart(
        "chart-experiments",
        "Latest experiment results",
        figure,
        f"Treated minus control purchase rate in the month to {month}, with its 95% interval,"
        " per pathway (fct_action_outcomes_monthly). An interval that"
        " crosses zero shows no effect the data can tell apart from none.",
    )


def experiment_chart(outcomes: pd.DataFrame) -> Chart | None:
    """The latest experiment results: the difference with its interval where the mart has them,
    otherwise the purchase rate of treated and control customers per pathway."""
    if not outcomes.empty and all(column in outcomes.columns for column in INTERVAL_COLUMNS):
        if outcomes["purchase_rate_difference"].notna().any():
            return experiment_interval_chart(outcomes)
        return None
    if outcomes.empty or "action_group" not in outcomes.columns:
        return None
    rate = "purchase_rate" if "purchase_rate" in outcomes.columns else None
    if rate is None:
        return None
    figure = go.Figure()
    for index, group in enumerate(sorted(outcomes["action_group"].unique(), reverse=True)):
        rows = outcomes[outcomes["action_group"] == group]
        figure.add_bar(
            y=rows["pathway_id"],
            x=rows[rate],
            orientation="h",
            name=group,
            marker_color=PALETTE[index],
            customdata=rows["customers"] if "customers" in rows.columns else None,
            hovertemplate="%{y}<br>" + group + ": %{x:.1%} of %{customdata:,} bought"
            "<extra></extra>",
        )
    figure.update_layout(
        **LAYOUT,
        barmode="group",
        xaxis=dict(title="purchase rate in the month", tickformat=".0%"),
        yaxis=dict(autorange="reversed"),
        height=max(320, 28 * outcomes["pathway_id"].nunique() + 120),
    )
    figure.update_layout(margin=dict(l=240, r=30, t=40, b=50))
    month = fmt_value(outcomes["period_month_end"].max())
    return Chart(
        "chart-experiments",
        "Latest experiment results",
        figure,
        f"Share of treated and control customers who bought in the month to {month}, per pathway"
        " (fct_action_outcomes_monthly).",
    )


def roadmap_chart(roadmap: pd.DataFrame) -> Chart:
    """The roadmap's phases on a week axis, coloured by owner team."""
    figure = go.Figure()
    teams = list(dict.fromkeys(roadmap["owner_team"]))
    for index, team in enumerate(teams):
        rows = roadmap[roadmap["owner_team"] == team]
        figure.add_bar(
            y=[
                f"{phase}. {name}"
                for phase, name in zip(rows["phase"], rows["phase_name"], strict=True)
            ],
            x=rows["duration_weeks"],
            base=rows["start_week"],
            orientation="h",
            name=team,
            marker_color=PALETTE[index % len(PALETTE)],
            customdata=rows["switches_on"],
            hovertemplate="%{y}<br>from week %{base} for %{x} weeks<br>%{customdata}"
            "<extra>" + team + "</extra>",
        )
    figure.update_layout(
        **LAYOUT,
        xaxis=dict(title="week of the programme"),
        yaxis=dict(autorange="reversed"),
        height=max(260, 50 * len(roadmap) + 120),
    )
    figure.update_layout(margin=dict(l=200, r=30, t=40, b=50))
    return Chart(
        "chart-roadmap",
        "Implementation roadmap",
        figure,
        "Phases by week and owner team (seeds/implementation_roadmap.csv).",
    )
