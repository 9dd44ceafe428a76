{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- The three axes of the composite segment for every customer and period end: value tier (net
-- revenue to date among the buyers of the period: top 20% high, next 30% mid, rest low; none for
-- prospects), lifecycle stage (from the RFM segment) and engagement (engaged when the email open
-- rate reaches segmentation__engaged_open_rate or web + app sessions in 90 days reach
-- segmentation__engaged_sessions_90d; unknown in the periods before the first engagement event:
-- without an engagement source nobody is called disengaged), with the RFM columns the wide
-- history carries. Every
-- figure ranks or reads its own period only, so the model is incremental like the RFM scores: a
-- build recomputes the last stored month and appends the months after it.
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    {%- if is_incremental() %}
    where period_month_end >= (select max(stored.period_month_end) from {{ this }} as stored)
    {%- endif %}
),

rfm as (
    select rfm.*
    from {{ ref('int_customer_rfm_scored_monthly') }} as rfm
    {%- if is_incremental() %}
    where rfm.period_month_end >= (select max(stored.period_month_end) from {{ this }} as stored)
    {%- endif %}
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
        period_end_date,
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
        value_ranked.period_end_date,
        value_ranked.is_current_period,
        case
            when value_ranked.value_percent_rank is null then 'none'
            when value_ranked.value_percent_rank >= 0.8 then 'high'
            when value_ranked.value_percent_rank >= 0.5 then 'mid'
            else 'low'
        end as value_tier,
        rfm.lifecycle_stage,
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
        end as engagement_level,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_segment,
        rfm.rfm_segment_rank
    from value_ranked
    inner join rfm
        on
            value_ranked.customer_id = rfm.customer_id
            and value_ranked.period_month_end = rfm.period_month_end
    cross join engagement_coverage
)

select * from axes
