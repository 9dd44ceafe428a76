{{ config(materialized='table') }}

-- Every customer known at the as-of date: the customers source plus anyone who placed a valid
-- order by then. A customer first seen after the as-of date (signed up, or without a signup date
-- first ordered, later) did not exist yet: a back-dated build leaves them out, instead of counting
-- them as prospects who have not bought. A customer with neither a signup date nor any order is a
-- prospect at every date.
with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

orders as (
    -- every valid order, also after the as-of date: when each customer was first seen
    select * from {{ ref('stg_shop__orders') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

order_customers as (
    -- one pass over the orders: the first order by the as-of date, and the first one ever
    select
        orders.customer_id,
        min(case when cast(orders.ordered_at as date) <= analysis_window.as_of_date then orders.ordered_at end)
            as first_ordered_at,
        min(orders.ordered_at) as first_ordered_at_ever
    from orders
    cross join analysis_window
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
        order_customers.first_ordered_at_ever,
        -- history starts at whichever came first (a signup date after the first order is kept as given)
        least(
            coalesce(customers.signup_at, order_customers.first_ordered_at),
            coalesce(order_customers.first_ordered_at, customers.signup_at)
        ) as first_seen_at
    from customers
    full outer join order_customers
        on customers.customer_id = order_customers.customer_id
),

known as (
    select
        unioned.customer_id,
        unioned.country,
        unioned.region,
        unioned.acquisition_channel,
        unioned.birth_year,
        unioned.gender,
        unioned.is_in_customer_source,
        unioned.signup_at,
        unioned.first_ordered_at,
        unioned.first_seen_at
    from unioned
    cross join analysis_window
    where
        cast(coalesce(unioned.first_seen_at, unioned.first_ordered_at_ever, analysis_window.as_of_date) as date)
        <= analysis_window.as_of_date
)

select * from known
