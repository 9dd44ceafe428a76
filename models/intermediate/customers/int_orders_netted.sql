{{ config(materialized='table') }}

-- Valid orders up to the as-of date, with revenue net of cancellations, returns and discounts.
with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

netted as (
    select
        -- ids
        orders.order_id,
        orders.customer_id,
        -- attributes
        orders.status,
        orders.sales_channel,
        orders.is_completed,
        orders.is_cancelled,
        orders.is_returned,
        -- numerics: net revenue counts completed orders only, after discount
        case when orders.is_completed then orders.amount else 0 end as net_revenue,
        case when orders.is_completed then orders.amount + orders.discount_amount else 0 end as gross_revenue,
        case when orders.is_completed then orders.discount_amount else 0 end as discount_amount,
        -- timestamps
        orders.ordered_at,
        cast(orders.ordered_at as date) as ordered_date,
        {{ segmentation_month_end('orders.ordered_at') }} as period_month_end
    from orders
    cross join analysis_window
    where cast(orders.ordered_at as date) <= analysis_window.as_of_date
)

select * from netted
