-- The composite merge map in force for this build: the rows int_composite_map_registry wrote for
-- the as-of month end, one per cell (value tier x lifecycle stage x engagement) with its composite
-- segment, rank and definition_version.
with

registry as (
    select * from {{ ref('int_composite_map_registry') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

in_force as (
    select
        registry.value_tier,
        registry.lifecycle_stage,
        registry.engagement_level,
        registry.composite_segment,
        registry.composite_segment_rank,
        registry.definition_version,
        registry.fitted_on_month_end
    from registry
    inner join analysis_window
        on registry.check_month_end = analysis_window.as_of_month_end
    -- a map superseded by a rerun of its check month is kept for the history, not in force
    where registry.refit_decision != 'superseded'
)

select * from in_force
