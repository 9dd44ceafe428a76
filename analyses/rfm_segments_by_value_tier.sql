-- How do the RFM segments and the value tiers overlap? Customers and net revenue per cell, and
-- the share of each RFM segment in each tier.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

cells as (
    select
        rfm_segment,
        value_tier,
        count(*) as customers,
        sum(monetary) as net_revenue
    from customers
    group by rfm_segment, value_tier
),

shares as (
    select
        rfm_segment,
        value_tier,
        customers,
        net_revenue,
        customers * 1.0 / sum(customers) over (partition by rfm_segment) as share_of_rfm_segment
    from cells
)

select * from shares
order by rfm_segment asc, customers desc
