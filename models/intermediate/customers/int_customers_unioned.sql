{{ config(materialized='table') }}

-- Every known customer: the customers source plus anyone who placed a valid order.
with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

orders as (
    select * from {{ ref('int_orders_netted') }}
),

order_customers as (
    select
        customer_id,
        min(ordered_at) as first_ordered_at
    from orders
    group by 1
),

unioned as (
    select
        -- ids
        coalesce(customers.customer_id, order_customers.customer_id) as customer_id,
        -- attributes
        customers.country,
        customers.region,
        customers.acquisition_channel,
        customers.birth_year,
        customers.gender,
        customers.customer_id is not null as is_in_customer_source,
        -- timestamps: without a signup date, the first order stands in
        coalesce(customers.signup_at, order_customers.first_ordered_at) as signup_at,
        order_customers.first_ordered_at,
        -- history starts at whichever came first (a signup date after the first order is kept as given)
        least(
            coalesce(customers.signup_at, order_customers.first_ordered_at),
            coalesce(order_customers.first_ordered_at, customers.signup_at)
        ) as first_seen_at
    from customers
    full outer join order_customers
        on customers.customer_id = order_customers.customer_id
)

select * from unioned
