-- Size and revenue of every cluster segment month by month (a chart-ready series).
select
    period_month_end,
    segment,
    customers,
    active_customers,
    net_revenue,
    retention_rate
from {{ ref('fct_segment_kpis_monthly') }}
where segmentation = 'cluster'
order by period_month_end, segment
