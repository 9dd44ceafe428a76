-- Which segments miss their KPI targets at the last complete month end (the month before the
-- as-of month, so that churn is known), largest shortfall first.
with

kpis as (
    select * from {{ ref('fct_segment_kpis_monthly') }}
),

last_complete_month as (
    select max(period_month_end) as period_month_end
    from kpis
    where churn_rate is not null
),

gaps as (
    {%- set kpis = [
        ('retention_rate', 1), ('churn_rate', -1), ('orders_per_customer', 1),
        ('avg_order_value', 1), ('email_open_rate', 1), ('nps_score', 1),
    ] %}
    {%- for kpi, better in kpis %}
    select
        kpis.segmentation,
        kpis.segment,
        '{{ kpi }}' as kpi,
        kpis.{{ kpi }} as actual,
        kpis.{{ kpi }}_target as target,
        {{ better }} * kpis.{{ kpi }}_gap as gap_in_good_direction
    from kpis
    inner join last_complete_month
        on kpis.period_month_end = last_complete_month.period_month_end
    where kpis.{{ kpi }}_target is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from gaps
order by gap_in_good_direction
