{{ config(materialized='table') }}

-- RFM scores 1-5 (5 best) and the named RFM segment of every customer at every period end.
-- score = 1 + floor(5 * percent_rank), capped at 5, where percent_rank is the share of the other
-- scored customers of that period with a strictly worse value: equal values always get equal
-- scores. Customers with a completed order (ever) are scored; the others are Prospects.
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
),

rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

ranked as (
    select
        customer_id,
        period_month_end,
        percent_rank() over (partition by period_month_end order by recency_days desc) as recency_percent_rank,
        percent_rank() over (partition by period_month_end order by frequency asc) as frequency_percent_rank,
        percent_rank() over (partition by period_month_end order by monetary asc) as monetary_percent_rank
    from features
    where frequency_to_date > 0
),

scored as (
    select
        customer_id,
        period_month_end,
        cast(least(5, 1 + floor(5 * recency_percent_rank)) as integer) as r_score,
        cast(least(5, 1 + floor(5 * frequency_percent_rank)) as integer) as f_score,
        cast(least(5, 1 + floor(5 * monetary_percent_rank)) as integer) as m_score
    from ranked
),

segmented as (
    select
        features.customer_id,
        features.period_month_end,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        rules.segment_name as rfm_segment,
        rules.segment_rank as rfm_segment_rank,
        rules.lifecycle_stage
    from features
    left join scored
        on
            features.customer_id = scored.customer_id
            and features.period_month_end = scored.period_month_end
    left join rules
        on
            (
                scored.customer_id is not null
                and scored.r_score between rules.r_score_min and rules.r_score_max
                and scored.f_score between rules.f_score_min and rules.f_score_max
                and scored.m_score between rules.m_score_min and rules.m_score_max
            )
            or (scored.customer_id is null and rules.r_score_min is null)
)

select * from segmented
