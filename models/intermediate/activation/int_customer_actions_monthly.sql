{{ config(materialized='table') }}

-- The action of every customer and month end (the last segmentation__action_history_months up to
-- the as-of month), chosen from the pathway firings of int_pathway_triggers_monthly in two steps:
-- 1. cooldown: a pathway that fired for a customer does not fire again for them within
--    segmentation__action_cooldown_months. The closed months' firings that counted are kept, point
--    in time, in int_pathway_firings_counted (a chain carried on from build to build); a firing in
--    the open current month counts when it is past the cooldown of the last one counted;
-- 2. one action per customer and month: of the pathways left, the highest priority (1 first,
--    then pathway_id), so a customer is never asked for two things at once.
-- is_control is one customer-level holdout, the same for every pathway and month, like the global
-- control group of CRM tools: md5 of customer_id (dbt.hash), its first 6 hex digits read as a
-- fraction in [0, 1) by segmentation_hex_fraction, below segmentation__control_group_share. A
-- control customer keeps their row (the action they would have had) and is not contacted.
{%- set cooldown_months = segmentation_setting('action_cooldown_months') %}
with

triggers as (
    select * from {{ ref('int_pathway_triggers_monthly') }}
),

pathways as (
    select * from {{ ref('migration_pathways') }}
),

counted as (
    select * from {{ ref('int_pathway_firings_counted') }}
),

last_counted as (
    -- per customer and pathway, the last closed month whose firing counted
    select
        customer_id,
        pathway_id,
        max(month_index) as month_index
    from counted
    group by 1, 2
),

cooled_down as (
    -- the closed months' firings that counted, and the open month's past the cooldown
    select
        customer_id,
        pathway_id,
        month_index
    from counted
    union all
    select
        triggers.customer_id,
        triggers.pathway_id,
        triggers.month_index
    from triggers
    left join last_counted
        on
            triggers.customer_id = last_counted.customer_id
            and triggers.pathway_id = last_counted.pathway_id
    where
        triggers.period_end_date < triggers.period_month_end
        and (
            last_counted.month_index is null
            or triggers.month_index >= last_counted.month_index + {{ cooldown_months }}
        )
),

eligible as (
    select
        triggers.*,
        pathways.priority,
        row_number() over (
            partition by triggers.customer_id, triggers.period_month_end
            order by pathways.priority, triggers.pathway_id
        ) as action_order,
        count(*) over (partition by triggers.customer_id, triggers.period_month_end) as eligible_pathways
    from triggers
    inner join cooled_down
        on
            triggers.customer_id = cooled_down.customer_id
            and triggers.pathway_id = cooled_down.pathway_id
            and triggers.month_index = cooled_down.month_index
    inner join pathways
        on triggers.pathway_id = pathways.pathway_id
),

chosen as (
    select
        *,
        lower({{ dbt.hash('customer_id') }}) as assignment_hash
    from eligible
    where action_order = 1
),

assigned as (
    select
        -- keys
        chosen.customer_id,
        chosen.pathway_id,
        chosen.period_month_end,
        chosen.period_end_date,
        chosen.is_current_period,
        -- the move
        pathways.segmentation,
        pathways.from_segment,
        chosen.previous_segment,
        pathways.target_segment,
        pathways.trigger_expression,
        -- the action
        pathways.intervention,
        pathways.channel,
        pathways.priority,
        cast(chosen.eligible_pathways as {{ dbt.type_int() }}) as eligible_pathways,
        -- context
        chosen.recency_days,
        chosen.monetary,
        -- control group
        {{ segmentation_hex_fraction('chosen.assignment_hash') }} as control_bucket,
        {{ segmentation_hex_fraction('chosen.assignment_hash') }}
        < {{ segmentation_setting('control_group_share') }} as is_control
    from chosen
    inner join pathways
        on chosen.pathway_id = pathways.pathway_id
)

select * from assigned
