-- Whatever the data, every playbook key (the keys segments are looked up by: names for rfm,
-- value_tier and potential, lifecycle stage or 'mixed' for composite, top / middle / bottom for
-- clusters) has a target for each core KPI of segmentation_kpi_definitions, so a user's data whose
-- generated composite or cluster names never occurred on the demo still finds its targets. Churn
-- is exempt for keys that are lapsed by definition (their cohort cannot churn again).
{%- set core_kpis = segmentation_kpi_definitions() | selectattr('is_core') | list %}
with

playbook as (
    select * from {{ ref('segment_playbook') }}
),

kpi_targets as (
    select * from {{ ref('kpi_targets') }}
),

rfm_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

lapsed_keys as (
    -- keys whose segments are lapsed by definition
    select
        'rfm' as segmentation,
        segment_name as playbook_segment
    from rfm_rules
    where lifecycle_stage = 'lapsed'
    union all
    select
        'composite' as segmentation,
        'lapsed' as playbook_segment
),

required as (
    {%- for item in core_kpis %}
    select
        playbook.segmentation,
        playbook.segment as playbook_segment,
        '{{ item.kpi }}' as kpi
    from playbook
    -- churn only: a lapsed key is exempt
    left join lapsed_keys
        on
            '{{ item.kpi }}' = 'churn_rate'
            and playbook.segmentation = lapsed_keys.segmentation
            and playbook.segment = lapsed_keys.playbook_segment
    where lapsed_keys.playbook_segment is null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select required.*
from required
left join kpi_targets
    on
        required.segmentation = kpi_targets.segmentation
        and required.playbook_segment = kpi_targets.playbook_segment
        and required.kpi = kpi_targets.kpi
where kpi_targets.kpi is null
