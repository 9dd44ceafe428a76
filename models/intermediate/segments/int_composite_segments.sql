{{ config(materialized='table') }}

-- One row per composite merge map (definition_version) and composite segment with what it holds:
-- its rank, the value tiers and lifecycle stages of its cells, and two flags the migrations read
-- to give a move its direction. A catch-all holds cells of more than one value tier (the
-- lifecycle merges "<Stage> (other)" and "Other customers"): it says nothing about value, so a
-- move into one is never an upgrade. A lapsed segment holds lapsed customers only. Read from each
-- map as it was decided (int_composite_map_registry, the cells with customer-months then), so a
-- month's moves are judged by the map that month was assigned with.
with

registry as (
    select * from {{ ref('int_composite_map_registry') }}
),

first_checks as (
    -- the check month each map was decided on (its rows as written then)
    select
        definition_version,
        min(check_month_end) as check_month_end
    from registry
    group by definition_version
),

maps as (
    select registry.*
    from registry
    inner join first_checks
        on
            registry.definition_version = first_checks.definition_version
            and registry.check_month_end = first_checks.check_month_end
),

segments as (
    select
        definition_version,
        composite_segment,
        min(composite_segment_rank) as composite_segment_rank,
        count(distinct case when customer_months > 0 then value_tier end) as value_tiers,
        count(distinct case when customer_months > 0 then lifecycle_stage end) as lifecycle_stages,
        min(case when customer_months > 0 then lifecycle_stage end) as first_lifecycle_stage,
        cast(sum(customer_months) as {{ dbt.type_bigint() }}) as customer_months
    from maps
    group by definition_version, composite_segment
),

flagged as (
    select
        definition_version,
        composite_segment,
        composite_segment_rank,
        case when lifecycle_stages = 1 then first_lifecycle_stage else 'mixed' end as lifecycle_stage,
        value_tiers > 1 as is_catch_all,
        lifecycle_stages = 1 and first_lifecycle_stage = 'lapsed' as is_lapsed,
        customer_months
    from segments
)

select * from flagged
