-- Revenue at risk: net revenue of the last 12 months held by customers in lapsing RFM segments.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

at_risk as (
    select
        rfm_segment,
        count(*) as customers,
        sum(monetary) as lifetime_net_revenue,
        avg(recency_days) as avg_recency_days
    from customers
    where rfm_segment in ('At Risk', 'Can''t Lose Them', 'About to Sleep', 'Hibernating')
    group by rfm_segment
)

select * from at_risk
order by lifetime_net_revenue desc
