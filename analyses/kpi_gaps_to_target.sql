-- Which segments miss their KPI targets at the last complete month end (the month before the
-- as-of month, whose cohort has had its whole month), largest shortfall first. Gaps are signed
-- by the KPI's direction: negative is worse than target for every KPI.
{%- set kpis = segmentation_kpi_definitions() %}
with

kpis as (
    select * from {{ ref('fct_segment_kpis_monthly') }}
),

last_complete_month as (
    select max(period_month_end) as period_month_end
    from kpis
    where period_month_end < (select max(all_kpis.period_month_end) from kpis as all_kpis)
),

gaps as (
    {%- for item in kpis %}
    select
        kpis.segmentation,
        kpis.segment,
        kpis.cohort_customers,
        '{{ item.kpi }}' as kpi,
        '{{ item.direction }}' as better_when,
        kpis.{{ item.kpi }} as actual,
        kpis.{{ item.kpi }}_target as target,
        kpis.{{ item.kpi }}_gap as gap,
        kpis.is_{{ item.kpi }}_on_track as is_on_track
    from kpis
    inner join last_complete_month
        on kpis.period_month_end = last_complete_month.period_month_end
    where kpis.{{ item.kpi }}_target is not null and kpis.{{ item.kpi }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from gaps
order by gap
