{{ config(materialized='view') }}

-- Long form of every segmentation: one row per customer, period end and segmentation, so that
-- summaries, playbooks and actions are written once for all segmentations. A view: its readers
-- filter it (current period, from-segments), and storing customers x months x segmentations
-- rows cost more than reading the five tables again (migrations and KPIs use the wide history).
with

rfm as (
    select * from {{ ref('int_customer_rfm_scored_monthly') }}
),

clusters as (
    select * from {{ ref('int_customer_clusters_monthly') }}
),

composite as (
    select * from {{ ref('int_customer_composite_monthly') }}
),

customer_values as (
    select * from {{ ref('int_customer_value_monthly') }}
),

memberships as (
    select
        customer_id,
        period_month_end,
        'rfm' as segmentation,
        rfm_segment as segment,
        rfm_segment_rank as segment_rank
    from rfm

    union all

    select
        customer_id,
        period_month_end,
        'cluster' as segmentation,
        cluster_segment as segment,
        cluster_rank as segment_rank
    from clusters

    union all

    select
        customer_id,
        period_month_end,
        'value_tier' as segmentation,
        value_tier as segment,
        {{ segmentation_value_tier_rank('value_tier') }} as segment_rank
    from composite

    union all

    select
        customer_id,
        period_month_end,
        'composite' as segmentation,
        composite_segment as segment,
        composite_segment_rank as segment_rank
    from composite

    union all

    select
        customer_id,
        period_month_end,
        'potential' as segmentation,
        potential_tier as segment,
        potential_rank as segment_rank
    from customer_values
)

select * from memberships
