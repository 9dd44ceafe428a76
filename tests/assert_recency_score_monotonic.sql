-- In every period, a customer with a more recent last order never has a lower R score than a
-- customer with an older one.
with

scored as (
    select
        period_month_end,
        recency_days,
        min(r_score) as min_r_score,
        max(r_score) as max_r_score
    from {{ ref('fct_customer_segments_monthly') }}
    where r_score is not null
    group by 1, 2
),

ordered as (
    select
        period_month_end,
        recency_days,
        min_r_score,
        max_r_score,
        lag(min_r_score) over (partition by period_month_end order by recency_days) as more_recent_min_r_score
    from scored
)

select *
from ordered
where more_recent_min_r_score < max_r_score or min_r_score <> max_r_score
