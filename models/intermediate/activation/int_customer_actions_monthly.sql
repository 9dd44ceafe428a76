{{ config(materialized='table') }}

-- Every customer, month end (the last segmentation__action_history_months up to the as-of month)
-- and migration pathway whose trigger fired: the customer held the pathway's from_segment at that
-- month end and the trigger held on the features as of then (a clause on a null feature is false).
-- Each pathway's trigger is compiled from the seed by segmentation_compile_trigger. is_control
-- holds a customer out of the pathway's intervention: a deterministic hash of customer_id and
-- pathway_id (md5 via dbt.hash, its first 6 hex digits read as a fraction in [0, 1) by
-- segmentation_hex_fraction) below segmentation__control_group_share, so the same customer and
-- pathway always get the same flag, in every period, build and warehouse.
{%- set pathways = segmentation_migration_pathways() %}
{%- set grammar = segmentation_trigger_grammar() %}
{%- set history_months = segmentation_setting('action_history_months') %}
{%- set history_start_sql = "cast('1900-01-31' as date)" if history_months is none
    else segmentation_month_end(dbt.dateadd('month', 1 - history_months, 'as_of_month_end')) %}

with

pathways as (
    select * from {{ ref('migration_pathways') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

history_start as (
    -- the first month end kept (segmentation__action_history_months before the as-of month)
    select
        {{ history_start_sql }} as first_month_end
    from analysis_window
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    where period_month_end >= (select history_start.first_month_end from history_start)
),

rfm as (
    select * from {{ ref('int_customer_rfm_scored_monthly') }}
    where period_month_end >= (select history_start.first_month_end from history_start)
),

{# The memberships view is read twice, each time filtered, straight from the relation: an import
    CTE read twice would be materialised whole (customers x months x segmentations). #}
from_segment_memberships as (
    -- only customers in a pathway's from-segment can fire it: drop the rest before the wide joins
    select
        memberships.customer_id,
        memberships.period_month_end,
        memberships.segmentation,
        memberships.segment
    from {{ ref('int_segment_memberships_monthly') }} as memberships
    where
        memberships.period_month_end >= (select history_start.first_month_end from history_start)
        and exists (
            select 1
            from pathways
            where
                pathways.segmentation = memberships.segmentation
                and pathways.from_segment = memberships.segment
        )
),

pathway_memberships as (
    -- the memberships of the segmentations that have pathways, for the previous month's segment
    select
        memberships.customer_id,
        memberships.period_month_end,
        memberships.segmentation,
        memberships.segment
    from {{ ref('int_segment_memberships_monthly') }} as memberships
    where
        memberships.segmentation in (select pathways.segmentation from pathways)
        -- the month before the first one kept is needed for its previous segment
        and memberships.period_month_end >= (
            select {{ dbt.dateadd('month', -1, 'history_start.first_month_end') }} from history_start
        )
),

customer_states as (
    select
        from_segment_memberships.customer_id,
        from_segment_memberships.period_month_end,
        features.period_end_date,
        features.is_current_period,
        {%- for feature, model in grammar.features.items() %}
        {{ model }}.{{ feature }},
        {%- endfor %}
        from_segment_memberships.segmentation,
        from_segment_memberships.segment,
        previous_memberships.segment as previous_segment
    from from_segment_memberships
    inner join features
        on
            from_segment_memberships.customer_id = features.customer_id
            and from_segment_memberships.period_month_end = features.period_month_end
    inner join rfm
        on
            from_segment_memberships.customer_id = rfm.customer_id
            and from_segment_memberships.period_month_end = rfm.period_month_end
    -- the segment a month earlier (months are consecutive per customer): a lookup for the
    -- from-segment rows only, instead of a window over every membership
    left join pathway_memberships as previous_memberships
        on
            from_segment_memberships.customer_id = previous_memberships.customer_id
            and from_segment_memberships.segmentation = previous_memberships.segmentation
            and previous_memberships.period_month_end
            = {{ segmentation_month_end(dbt.dateadd('month', -1, 'from_segment_memberships.period_month_end')) }}
),

fired as (
    -- every pathway of the customer's from-segment, kept when its trigger holds: one pass with
    -- the triggers in a case on pathway_id, not one union branch (and one more read) per pathway
    select
        customer_states.customer_id,
        customer_states.period_month_end,
        customer_states.period_end_date,
        customer_states.is_current_period,
        pathways.pathway_id,
        customer_states.previous_segment,
        customer_states.recency_days,
        customer_states.monetary
    from customer_states
    inner join pathways
        on
            customer_states.segmentation = pathways.segmentation
            and customer_states.segment = pathways.from_segment
    where {{ segmentation_trigger_case(pathways, 'pathways.pathway_id') }}
),

hashed as (
    select
        *,
        lower({{ dbt.hash(dbt.concat(['customer_id', "'|'", 'pathway_id'])) }}) as assignment_hash
    from fired
),

assigned as (
    select
        -- keys
        hashed.customer_id,
        hashed.pathway_id,
        hashed.period_month_end,
        hashed.period_end_date,
        hashed.is_current_period,
        -- the move
        pathways.segmentation,
        pathways.from_segment,
        hashed.previous_segment,
        pathways.target_segment,
        pathways.trigger_expression,
        -- the action
        pathways.intervention,
        pathways.channel,
        pathways.priority,
        -- context
        hashed.recency_days,
        hashed.monetary,
        -- control group
        {{ segmentation_hex_fraction('hashed.assignment_hash') }} as control_bucket,
        {{ segmentation_hex_fraction('hashed.assignment_hash') }}
        < {{ segmentation_setting('control_group_share') }} as is_control
    from hashed
    inner join pathways
        on hashed.pathway_id = pathways.pathway_id
)

select * from assigned
