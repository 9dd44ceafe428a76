{{ config(materialized='table') }}

-- Every customer, month end (the last segmentation__action_history_months up to the as-of month)
-- and migration pathway whose trigger fired: the customer held the pathway's from_segment at that
-- month end and the trigger held on the features as of then (a clause on a null feature is false).
-- Each pathway's trigger is compiled from the seed by segmentation_compile_trigger. NPS clauses
-- read the customer's latest answer within segmentation__nps_recency_days of the month end (an
-- older answer is no answer). Cooldown, one action per customer and month and the control group
-- are applied on top of these firings in int_customer_actions_monthly.
{%- set pathways = segmentation_migration_pathways() %}
{%- set grammar = segmentation_trigger_grammar() %}
{%- set history_months = segmentation_setting('action_history_months') %}
{%- set nps_recency_days = segmentation_setting('nps_recency_days') %}
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

nps_responses as (
    select * from {{ ref('stg_shop__nps_responses') }}
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

recent_answers as (
    -- per from-segment customer-month, the answers given in the recency window up to the month end
    select
        from_segment_memberships.customer_id,
        from_segment_memberships.period_month_end,
        nps_responses.score,
        row_number() over (
            partition by from_segment_memberships.customer_id, from_segment_memberships.period_month_end
            order by nps_responses.responded_at desc, nps_responses.response_id desc
        ) as answer_order
    from (
        select distinct
            customer_id,
            period_month_end
        from from_segment_memberships
    ) as from_segment_memberships
    inner join nps_responses
        on
            from_segment_memberships.customer_id = nps_responses.customer_id
            and cast(nps_responses.responded_at as date) <= from_segment_memberships.period_month_end
            and cast(nps_responses.responded_at as date)
            > {{ dbt.dateadd('day', -nps_recency_days, 'from_segment_memberships.period_month_end') }}
),

recent_nps as (
    select
        customer_id,
        period_month_end,
        score as latest_nps_score
    from recent_answers
    where answer_order = 1
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
    left join recent_nps
        on
            from_segment_memberships.customer_id = recent_nps.customer_id
            and from_segment_memberships.period_month_end = recent_nps.period_month_end
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
        -- consecutive month ends differ by 1 (for the cooldown)
        extract(year from customer_states.period_month_end) * 12
        + extract(month from customer_states.period_month_end) as month_index,
        customer_states.previous_segment,
        customer_states.recency_days,
        customer_states.monetary
    from customer_states
    inner join pathways
        on
            customer_states.segmentation = pathways.segmentation
            and customer_states.segment = pathways.from_segment
    where {{ segmentation_trigger_case(pathways, 'pathways.pathway_id') }}
)

select * from fired
