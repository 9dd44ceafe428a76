-- The migration pathways of the migration_pathways seed with the SQL their trigger compiles to.
-- Triggers are data with a fixed grammar (see segmentation_compile_trigger): the SQL is built only
-- from whitelisted features, operators and numbers, and a bad trigger stops the build. How
-- selective each trigger is: of the customer-months in the pathway's from-segment over the action
-- history, the share it fired for; a trigger that fires for (nearly) all of them (99% or more) is
-- flagged selects_whole_segment: it does not pick anyone, the segment does.
{%- set pathways = segmentation_migration_pathways() %}

with

pathways as (
    select * from {{ ref('migration_pathways') }}
),

triggers as (
    select * from {{ ref('int_pathway_triggers_monthly') }}
),

action_months as (
    select distinct period_month_end from triggers
),

{# filtered in place: the memberships view read whole would be materialised #}
from_segment_months as (
    select
        pathways.pathway_id,
        count(*) as from_segment_customer_months
    from {{ ref('int_segment_memberships_monthly') }} as memberships
    inner join pathways
        on
            memberships.segmentation = pathways.segmentation
            and memberships.segment = pathways.from_segment
    where memberships.period_month_end in (select action_months.period_month_end from action_months)
    group by 1
),

fired_months as (
    select
        pathway_id,
        count(*) as trigger_customer_months
    from triggers
    group by 1
),

compiled_triggers as (
    {%- for pathway in pathways %}
    select
        '{{ pathway.pathway_id }}' as pathway_id,
        '{{ pathway.trigger_sql | replace("'", "''") }}' as trigger_sql
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as pathway_id,
        cast(null as {{ dbt.type_string() }}) as trigger_sql
    where false
    {%- endfor %}
),

pathways_compiled as (
    select
        -- keys
        pathways.pathway_id,
        pathways.segmentation,
        pathways.from_segment,
        pathways.target_segment,
        -- trigger
        pathways.trigger_expression,
        compiled_triggers.trigger_sql,
        -- action
        pathways.intervention,
        pathways.channel,
        pathways.priority,
        -- selectivity over the action history
        cast(coalesce(from_segment_months.from_segment_customer_months, 0) as {{ dbt.type_bigint() }})
            as from_segment_customer_months,
        cast(coalesce(fired_months.trigger_customer_months, 0) as {{ dbt.type_bigint() }}) as trigger_customer_months,
        fired_months.trigger_customer_months * 1.0
        / nullif(from_segment_months.from_segment_customer_months, 0) as trigger_share,
        coalesce(
            fired_months.trigger_customer_months >= 0.99 * from_segment_months.from_segment_customer_months, false
        ) as selects_whole_segment
    from pathways
    inner join compiled_triggers
        on pathways.pathway_id = compiled_triggers.pathway_id
    left join from_segment_months
        on pathways.pathway_id = from_segment_months.pathway_id
    left join fired_months
        on pathways.pathway_id = fired_months.pathway_id
)

select * from pathways_compiled
