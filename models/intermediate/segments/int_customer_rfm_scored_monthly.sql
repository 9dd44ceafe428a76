{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- RFM scores 1-5 (5 best) and the named RFM segment of every customer at every period end.
-- segmentation_rfm_score: the worst value scores 1 and the best 5, however many customers share
-- them, and the values in between by the quintile of their tie group's mid-rank; equal values
-- always get equal scores; when all customers share one value, recency scores 5 (nobody bought
-- more recently) and frequency and monetary 1 (nobody bought more). Customers with a completed
-- order (ever) are scored; the others are Prospects.
-- The named segment comes from the R x FM grid of rfm_segment_rules: recency against the
-- combined frequency-and-monetary score FM = round-half-up((F + M) / 2), so spend counts.
-- Incremental: scores rank customers within their own month, so a build scores only the last
-- stored month (it may have been an open period) and the months after it; past months keep the
-- rules they were scored with, and --full-refresh rescores every month with today's rules.
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    {%- if is_incremental() %}
    where period_month_end >= (select max(stored.period_month_end) from {{ this }} as stored)
    {%- endif %}
),

rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

ranked as (
    -- one pass over every customer-month: buyers are ranked among the buyers of their period
    -- (the partition on is_buyer), no join back; rank() - 1 counts the strictly worse values
    select
        customer_id,
        period_month_end,
        frequency_to_date > 0 as is_buyer,
        count(*) over (partition by period_month_end, frequency_to_date > 0) as scored_count,
        rank() over (
            partition by period_month_end, frequency_to_date > 0 order by recency_days desc
        ) - 1 as recency_worse_count,
        count(*) over (
            partition by period_month_end, frequency_to_date > 0, recency_days
        ) as recency_tied_count,
        rank() over (
            partition by period_month_end, frequency_to_date > 0 order by frequency asc
        ) - 1 as frequency_worse_count,
        count(*) over (
            partition by period_month_end, frequency_to_date > 0, frequency
        ) as frequency_tied_count,
        rank() over (
            partition by period_month_end, frequency_to_date > 0 order by monetary asc
        ) - 1 as monetary_worse_count,
        count(*) over (
            partition by period_month_end, frequency_to_date > 0, monetary
        ) as monetary_tied_count
    from features
),

scored as (
    select
        customer_id,
        period_month_end,
        case
            when is_buyer then {{ segmentation_rfm_score('recency_worse_count', 'recency_tied_count', 'scored_count', 5) }}
        end as r_score,
        case
            when is_buyer then {{ segmentation_rfm_score('frequency_worse_count', 'frequency_tied_count', 'scored_count') }}
        end as f_score,
        case
            when is_buyer then {{ segmentation_rfm_score('monetary_worse_count', 'monetary_tied_count', 'scored_count') }}
        end as m_score
    from ranked
),

score_values as (
    {{ dbt.generate_series(5) }}
),

score_rules as (
    -- the rule of each of the 125 score combinations, and of prospects (no scores): the range
    -- conditions (recency and FM) are evaluated on this small grid, and customers join it on
    -- equal scores
    select
        r_values.generated_number as r_score,
        f_values.generated_number as f_score,
        m_values.generated_number as m_score,
        rules.segment_name,
        rules.segment_rank,
        rules.lifecycle_stage
    from score_values as r_values
    cross join score_values as f_values
    cross join score_values as m_values
    inner join rules
        on
            r_values.generated_number between rules.r_score_min and rules.r_score_max
            and {{ segmentation_fm_score('f_values.generated_number', 'm_values.generated_number') }}
            between rules.fm_score_min and rules.fm_score_max

    union all

    select
        cast(null as integer) as r_score,
        cast(null as integer) as f_score,
        cast(null as integer) as m_score,
        segment_name,
        segment_rank,
        lifecycle_stage
    from rules
    where r_score_min is null
),

segmented as (
    select
        scored.customer_id,
        scored.period_month_end,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        score_rules.segment_name as rfm_segment,
        score_rules.segment_rank as rfm_segment_rank,
        score_rules.lifecycle_stage
    from scored
    left join score_rules
        on
            coalesce(scored.r_score, 0) = coalesce(score_rules.r_score, 0)
            and coalesce(scored.f_score, 0) = coalesce(score_rules.f_score, 0)
            and coalesce(scored.m_score, 0) = coalesce(score_rules.m_score, 0)
)

select * from segmented
