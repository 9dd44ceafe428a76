-- Per segmentation, segment revenue in dim_segments adds up to total net revenue of the orders.
with

segments as (
    select
        segmentation,
        sum(net_revenue) as segment_revenue
    from {{ ref('dim_segments') }}
    group by 1
),

orders as (
    select sum(net_revenue) as order_revenue
    from {{ ref('int_orders_netted') }}
)

select
    segments.segmentation,
    segments.segment_revenue,
    orders.order_revenue
from segments
cross join orders
where abs(segments.segment_revenue - orders.order_revenue) > 0.01
