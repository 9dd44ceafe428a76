-- Who moved to a more valuable RFM segment at the last month end (rank 1 = most valuable), from
-- which segment, and how much did they spend that month?
with

history as (
    select * from {{ ref('fct_customer_segments_monthly') }}
),

with_previous as (
    select
        customer_id,
        period_month_end,
        rfm_segment,
        rfm_segment_rank,
        net_revenue_in_period,
        lag(rfm_segment) over (partition by customer_id order by period_month_end) as previous_segment,
        lag(rfm_segment_rank) over (
            partition by customer_id order by period_month_end
        ) as previous_rank
    from history
),

moved_up as (
    select
        customer_id,
        period_month_end,
        previous_segment,
        rfm_segment,
        net_revenue_in_period
    from with_previous
    where
        period_month_end = (select max(history.period_month_end) from history)
        and rfm_segment_rank < previous_rank
)

select * from moved_up
order by net_revenue_in_period desc, customer_id asc
