-- Per month and segmentation, KPI revenue and orders add up to the orders of that month.
with

kpis as (
    select
        period_month_end,
        segmentation,
        sum(net_revenue) as kpi_revenue,
        sum(orders) as kpi_orders
    from {{ ref('fct_segment_kpis_monthly') }}
    group by 1, 2
),

orders as (
    select
        period_month_end,
        sum(net_revenue) as order_revenue,
        sum(case when is_completed then 1 else 0 end) as completed_orders
    from {{ ref('int_orders_netted') }}
    group by 1
)

select
    kpis.period_month_end,
    kpis.segmentation,
    kpis.kpi_revenue,
    orders.order_revenue,
    kpis.kpi_orders,
    orders.completed_orders
from kpis
left join orders
    on kpis.period_month_end = orders.period_month_end
where
    abs(kpis.kpi_revenue - coalesce(orders.order_revenue, 0)) > 0.01
    or kpis.kpi_orders <> coalesce(orders.completed_orders, 0)
