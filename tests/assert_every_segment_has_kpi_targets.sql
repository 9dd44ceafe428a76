-- Every segment a customer holds at some month end has a target for each core KPI of
-- segmentation_kpi_definitions, looked up like the playbook (by playbook_segment), unless that KPI
-- is never measured for the segment (churn of a segment none of whose customers was active, or
-- could pass segmentation__churn_hiatus_days, within a month). A failing row
-- names the segmentation, the segment, the key and the KPI: add that row to seeds/kpi_targets.csv.
{%- set core_kpis = segmentation_kpi_definitions() | selectattr('is_core') | list %}
with

kpis as (
    select * from {{ ref('fct_segment_kpis_monthly') }}
),

required as (
    {%- for item in core_kpis %}
    select
        segmentation,
        segment,
        playbook_segment,
        '{{ item.kpi }}' as kpi
    from kpis
    where customers > 0 or cohort_customers > 0
    group by segmentation, segment, playbook_segment
    having count({{ item.kpi }}) > 0 and count({{ item.kpi }}_target) = 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from required
