{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- The composite segment: one segment per customer and period combining three axes
-- (int_composite_axes_monthly: value tier, lifecycle stage, engagement), through the merge map in
-- force (int_composite_map, versioned in int_composite_map_registry), so that it never
-- over-splits and a segment means the same thing all through a definition. A cell the map does
-- not cover (possible only under segmentation__refit never: auto decides a new map then) goes to
-- the closest segment: the one of its value tier and lifecycle stage, else of its lifecycle
-- stage, else "Other customers", else the last-ranked one.
-- Point in time (incremental): each month end is assigned once, with the map in force when it is
-- first built (composite_definition_version); a normal build reassigns the last stored month only
-- when it was an open period and appends the months after it, so a new map changes no past month;
-- --full-refresh reassigns every month with the map in force.
with

axes as (
    select axes.*
    from {{ ref('int_composite_axes_monthly') }} as axes
    {%- if is_incremental() %}
    where {{ segmentation_new_months('axes.period_month_end') }}
    {%- endif %}
),

segment_map as (
    select * from {{ ref('int_composite_map') }}
),

cells as (
    select distinct
        value_tier,
        lifecycle_stage,
        engagement_level
    from axes
),

mapped_cells as (
    select
        cells.value_tier,
        cells.lifecycle_stage,
        cells.engagement_level,
        segment_map.composite_segment,
        segment_map.composite_segment_rank,
        segment_map.definition_version,
        row_number() over (
            partition by cells.value_tier, cells.lifecycle_stage, cells.engagement_level
            order by
                case
                    when
                        segment_map.value_tier = cells.value_tier
                        and segment_map.lifecycle_stage = cells.lifecycle_stage
                        and segment_map.engagement_level = cells.engagement_level
                        then 0
                    when
                        segment_map.value_tier = cells.value_tier
                        and segment_map.lifecycle_stage = cells.lifecycle_stage
                        then 1
                    when segment_map.lifecycle_stage = cells.lifecycle_stage then 2
                    when segment_map.composite_segment = 'Other customers' then 3
                    else 4
                end asc,
                segment_map.composite_segment_rank desc,
                segment_map.composite_segment asc
        ) as preference
    from cells
    cross join segment_map
),

assigned as (
    select
        axes.customer_id,
        axes.period_month_end,
        axes.period_end_date,
        axes.value_tier,
        axes.lifecycle_stage,
        axes.engagement_level,
        mapped_cells.composite_segment,
        mapped_cells.composite_segment_rank,
        mapped_cells.definition_version as composite_definition_version,
        axes.r_score,
        axes.f_score,
        axes.m_score,
        axes.rfm_segment,
        axes.rfm_segment_rank
    from axes
    inner join mapped_cells
        on
            axes.value_tier = mapped_cells.value_tier
            and axes.lifecycle_stage = mapped_cells.lifecycle_stage
            and axes.engagement_level = mapped_cells.engagement_level
            and mapped_cells.preference = 1
)

select * from assigned
