{{ config(materialized='table') }}

-- One row per composite segment with what it holds: its rank, the value tiers and lifecycle stages
-- of its cells, and two flags the migrations read to give a move its direction. A catch-all holds
-- cells of more than one value tier (the lifecycle merges "<Stage> (other)" and "Other
-- customers"): it says nothing about value, so a move into one is never an upgrade. A lapsed
-- segment holds lapsed customers only.
with

composite as (
    select * from {{ ref('int_customer_composite_monthly') }}
),

segments as (
    select
        composite_segment,
        min(composite_segment_rank) as composite_segment_rank,
        count(distinct value_tier) as value_tiers,
        count(distinct lifecycle_stage) as lifecycle_stages,
        min(lifecycle_stage) as first_lifecycle_stage,
        count(*) as customer_months
    from composite
    group by 1
),

flagged as (
    select
        composite_segment,
        composite_segment_rank,
        case when lifecycle_stages = 1 then first_lifecycle_stage else 'mixed' end as lifecycle_stage,
        value_tiers > 1 as is_catch_all,
        lifecycle_stages = 1 and first_lifecycle_stage = 'lapsed' as is_lapsed,
        customer_months
    from segments
)

select * from flagged
