{{ config(materialized='table') }}

-- The action of every customer and month end (the last segmentation__action_history_months up to
-- the as-of month), chosen from the pathway firings of int_pathway_triggers_monthly in two steps:
-- 1. cooldown: a pathway that fired for a customer does not fire again for them within
--    segmentation__action_cooldown_months (the first firing counts, then the first one at least
--    that many months after the last one counted: a chain followed by a recursive CTE);
-- 2. one action per customer and month: of the pathways left, the highest priority (1 first,
--    then pathway_id), so a customer is never asked for two things at once.
-- is_control is one customer-level holdout, the same for every pathway and month, like the global
-- control group of CRM tools: md5 of customer_id (dbt.hash), its first 6 hex digits read as a
-- fraction in [0, 1) by segmentation_hex_fraction, below segmentation__control_group_share. A
-- control customer keeps their row (the action they would have had) and is not contacted.
{%- set cooldown_months = segmentation_setting('action_cooldown_months') %}
with recursive

triggers as (
    select * from {{ ref('int_pathway_triggers_monthly') }}
),

pathways as (
    select * from {{ ref('migration_pathways') }}
),

firing_chain as (
    -- per customer and pathway: each firing with the first month it could fire again after it
    select
        customer_id,
        pathway_id,
        month_index,
        row_number() over (partition by customer_id, pathway_id order by month_index) as firing_order,
        min(month_index) over (
            partition by customer_id, pathway_id
            order by month_index
            range between {{ cooldown_months }} following and unbounded following
        ) as next_month_index
    from triggers
),

cooled_down as (
    select
        customer_id,
        pathway_id,
        month_index,
        next_month_index
    from firing_chain
    where firing_order = 1
    union all
    select
        firing_chain.customer_id,
        firing_chain.pathway_id,
        firing_chain.month_index,
        firing_chain.next_month_index
    from firing_chain
    inner join cooled_down
        on
            firing_chain.customer_id = cooled_down.customer_id
            and firing_chain.pathway_id = cooled_down.pathway_id
            and firing_chain.month_index = cooled_down.next_month_index
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
