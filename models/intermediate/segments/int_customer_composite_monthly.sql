{{ config(materialized='table') }}

-- The composite segment: one segment per customer and period combining three axes, merged so that
-- it never over-splits. Axes: value tier (net revenue to date among buyers of the period: top 20%
-- high, next 30% mid, rest low; none for prospects), lifecycle stage (from the RFM segment) and
-- engagement (unknown, and left out of the names, in the periods before the first engagement event:
-- without an engagement source nobody is called disengaged). A cell under
-- segmentation__min_segment_share of the current customers is merged into its value x lifecycle
-- cell, then into its lifecycle stage, then into "Other customers"; past
-- segmentation__composite_max_segments, the smallest segments are merged into "Other customers"
-- too, and when "Other customers" itself is under the share, the smallest other segment joins it,
-- so that no segment stays under the share. The merge map is decided on the current period and
-- applied to every period, so a segment means the same thing all through the history. Ranks mean
-- value: each cell has an order (value tier, then lifecycle, then engagement) and a merged segment
-- is ranked by the customer-weighted mean order of the cells it holds (customer-months of the whole
-- history), not by its best cell.
{%- set min_share = segmentation_setting('min_segment_share') %}
{%- set max_segments = segmentation_setting('composite_max_segments') %}

with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
),

rfm as (
    select * from {{ ref('int_customer_rfm_scored_monthly') }}
),

engagement_events as (
    select * from {{ ref('stg_shop__engagement_events') }}
),

engagement_coverage as (
    -- engagement is known from the first engagement event on (never without the source)
    select min(occurred_at) as first_occurred_at from engagement_events
),

value_ranked as (
    -- buyers ranked among the buyers of their period (the partition on is_buyer), every row kept
    select
        customer_id,
        period_month_end,
        is_current_period,
        email_open_rate,
        web_sessions_last_90_days,
        app_sessions_last_90_days,
        case
            when frequency_to_date > 0
                then percent_rank() over (partition by period_month_end, frequency_to_date > 0 order by monetary_to_date)
        end as value_percent_rank
    from features
),

axes as (
    select
        value_ranked.customer_id,
        value_ranked.period_month_end,
        value_ranked.is_current_period,
        case
            when value_ranked.value_percent_rank is null then 'none'
            when value_ranked.value_percent_rank >= 0.8 then 'high'
            when value_ranked.value_percent_rank >= 0.5 then 'mid'
            else 'low'
        end as value_tier,
        rfm.lifecycle_stage,
        -- carried for the wide history, which then needs no join with the RFM table
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_segment,
        rfm.rfm_segment_rank,
        case
            when
                engagement_coverage.first_occurred_at is null
                or cast(engagement_coverage.first_occurred_at as date) > value_ranked.period_month_end
                then 'unknown'
            when
                coalesce(value_ranked.email_open_rate, 0) >= {{ segmentation_setting('engaged_open_rate') }}
                or value_ranked.web_sessions_last_90_days + value_ranked.app_sessions_last_90_days
                >= {{ segmentation_setting('engaged_sessions_90d') }}
                then 'engaged'
            else 'disengaged'
        end as engagement_level
    from value_ranked
    inner join rfm
        on
            value_ranked.customer_id = rfm.customer_id
            and value_ranked.period_month_end = rfm.period_month_end
    cross join engagement_coverage
),

cells as (
    -- every combination seen in any period, with its size in the current period
    select
        value_tier,
        lifecycle_stage,
        engagement_level,
        sum(case when is_current_period then 1 else 0 end) as current_customers,
        count(*) as customer_months
    from axes
    group by 1, 2, 3
),

current_total as (
    select sum(current_customers) as customers from cells
),

level_three as (
    select
        cells.*,
        cells.current_customers >= {{ min_share }} * current_total.customers as keeps_cell
    from cells
    cross join current_total
),

level_two as (
    select
        level_three.*,
        sum(case when not level_three.keeps_cell then level_three.current_customers else 0 end)
            over (partition by level_three.value_tier, level_three.lifecycle_stage)
        >= {{ min_share }} * current_total.customers as keeps_value_lifecycle
    from level_three
    cross join current_total
),

level_one as (
    select
        level_two.*,
        case level_two.value_tier
            when 'high' then 'High value' when 'mid' then 'Mid value' when 'low' then 'Low value'
        end as value_label,
        replace(level_two.lifecycle_stage, '_', ' ') as lifecycle_label,
        sum(
            case when not level_two.keeps_cell and not level_two.keeps_value_lifecycle then level_two.current_customers else 0 end
        ) over (partition by level_two.lifecycle_stage)
        >= {{ min_share }} * current_total.customers as keeps_lifecycle
    from level_two
    cross join current_total
),

named as (
    select
        value_tier,
        lifecycle_stage,
        engagement_level,
        current_customers,
        customer_months,
        case
            -- an unknown engagement adds no word: the cell is named like its value x lifecycle cell
            when keeps_cell and value_tier = 'none' and engagement_level != 'unknown'
                then {{ dbt.concat(["'Prospects · '", "engagement_level"]) }}
            when keeps_cell and engagement_level != 'unknown'
                then {{ dbt.concat(["value_label", "' · '", "lifecycle_label", "' · '", "engagement_level"]) }}
            when (keeps_cell or keeps_value_lifecycle) and value_tier = 'none'
                then 'Prospects'
            when keeps_cell or keeps_value_lifecycle
                then {{ dbt.concat(["value_label", "' · '", "lifecycle_label"]) }}
            when keeps_lifecycle
                then {{ dbt.concat(["upper(substr(lifecycle_label, 1, 1))", "substr(lifecycle_label, 2)", "' (other)'"]) }}
            else 'Other customers'
        end as merged_segment,
        -- rank inputs: higher value, then healthier lifecycle, then engagement
        case value_tier when 'high' then 1 when 'mid' then 2 when 'low' then 3 else 4 end as value_order,
        case lifecycle_stage
            when 'active' then 1 when 'new' then 2 when 'at_risk' then 3 when 'lapsed' then 4 else 5
        end as lifecycle_order,
        case engagement_level when 'engaged' then 1 else 2 end as engagement_order
    from level_one
),

segment_sizes as (
    select
        merged_segment,
        sum(current_customers) as current_customers,
        min(value_order * 100 + lifecycle_order * 10 + engagement_order) as segment_order
    from named
    group by 1
),

capped as (
    select
        merged_segment,
        case
            when merged_segment = 'Other customers' then 'Other customers'
            when
                row_number() over (order by current_customers desc, segment_order asc, merged_segment asc)
                >= {{ max_segments }}
                and (select count(all_segments.merged_segment) from segment_sizes as all_segments) > {{ max_segments }}
                then 'Other customers'
            else merged_segment
        end as capped_segment,
        current_customers,
        segment_order
    from segment_sizes
),

capped_sizes as (
    select
        capped_segment,
        sum(current_customers) as current_customers,
        min(segment_order) as segment_order
    from capped
    group by 1
),

small_other as (
    -- "Other customers" with current customers but under the share: the smallest other segment
    -- joins it (every other segment holds the share, so one is enough)
    select min(capped_sizes.current_customers) as current_customers
    from capped_sizes
    cross join current_total
    where
        capped_sizes.capped_segment = 'Other customers'
        and capped_sizes.current_customers > 0
        and capped_sizes.current_customers < {{ min_share }} * current_total.customers
),

folded as (
    select
        capped_sizes.capped_segment,
        case
            when
                capped_sizes.capped_segment != 'Other customers'
                and small_other.current_customers is not null
                and row_number() over (
                    order by
                        case when capped_sizes.capped_segment = 'Other customers' then 1 else 0 end,
                        capped_sizes.current_customers asc,
                        capped_sizes.segment_order desc,
                        capped_sizes.capped_segment asc
                ) = 1
                then 'Other customers'
            else capped_sizes.capped_segment
        end as composite_segment
    from capped_sizes
    cross join small_other
),

segment_map as (
    select
        named.value_tier,
        named.lifecycle_stage,
        named.engagement_level,
        named.customer_months,
        named.value_order * 100 + named.lifecycle_order * 10 + named.engagement_order as cell_order,
        folded.composite_segment
    from named
    inner join capped
        on named.merged_segment = capped.merged_segment
    inner join folded
        on capped.capped_segment = folded.capped_segment
),

segment_values as (
    -- a merged segment sits where the customers it holds sit: the customer-weighted mean order
    -- of its cells (the plain mean for a segment no customer-month holds)
    select
        composite_segment,
        coalesce(
            sum(cell_order * customer_months) * 1.0 / nullif(sum(customer_months), 0),
            avg(cell_order * 1.0)
        ) as weighted_order
    from segment_map
    group by 1
),

ranked_map as (
    select
        segment_map.value_tier,
        segment_map.lifecycle_stage,
        segment_map.engagement_level,
        segment_map.composite_segment,
        dense_rank() over (order by segment_values.weighted_order, segment_map.composite_segment)
            as composite_segment_rank
    from segment_map
    inner join segment_values
        on segment_map.composite_segment = segment_values.composite_segment
),

assigned as (
    select
        axes.customer_id,
        axes.period_month_end,
        axes.value_tier,
        axes.lifecycle_stage,
        axes.engagement_level,
        ranked_map.composite_segment,
        ranked_map.composite_segment_rank,
        axes.r_score,
        axes.f_score,
        axes.m_score,
        axes.rfm_segment,
        axes.rfm_segment_rank
    from axes
    inner join ranked_map
        on
            axes.value_tier = ranked_map.value_tier
            and axes.lifecycle_stage = ranked_map.lifecycle_stage
            and axes.engagement_level = ranked_map.engagement_level
)

select * from assigned
