{{ config(materialized='table') }}

-- The per-customer purchase summary the customer-value models need, at every period end, in
-- days: repeat orders (completed orders - 1), the span from the first to the last completed
-- order, the customer's age since the first order and the mean net order value. Customers
-- without a completed order are prospects and have no row. Built from the running totals of
-- int_customer_features_monthly, never from raw transactions.
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
),

summary as (
    select
        customer_id,
        period_month_end,
        period_end_date,
        is_current_period,
        frequency_to_date as completed_orders_to_date,
        frequency_to_date - 1 as repeat_orders,
        {{ segmentation_days_between('first_ordered_date', 'last_ordered_date') }} as repeat_span_days,
        {{ segmentation_days_between('first_ordered_date', 'period_end_date') }} as customer_age_days,
        monetary_to_date / frequency_to_date as mean_order_value
    from features
    where frequency_to_date > 0 and first_ordered_date is not null
)

select * from summary
