-- Who moved from Champions to At Risk (or any worse RFM segment) at the last month end?
with

history as (
    select * from {{ ref('fct_customer_segments_monthly') }}
),

moves as (
    select
        current_period.customer_id,
        previous_period.rfm_segment as previous_segment,
        current_period.rfm_segment as current_segment,
        current_period.recency_days,
        current_period.monetary
    from history as current_period
    inner join history as previous_period
        on
            current_period.customer_id = previous_period.customer_id
            and previous_period.period_month_end
            = {{ segmentation_month_end(dbt.dateadd('month', -1, 'current_period.period_month_end')) }}
    where
        current_period.is_current_period
        and previous_period.rfm_segment = 'Champions'
        and current_period.rfm_segment in ('At Risk', 'Can''t Lose Them', 'About to Sleep')
)

select * from moves
order by monetary desc
