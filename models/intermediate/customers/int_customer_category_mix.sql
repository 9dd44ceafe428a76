{{ config(materialized='table') }}

-- The needs axis: what each customer buys, as of the as-of date. One row per customer and
-- product category with the spend on completed orders (line amounts) and its share.
with

orders as (
    select * from {{ ref('int_orders_netted') }}
),

order_items as (
    select * from {{ ref('stg_shop__order_items') }}
),

products as (
    select * from {{ ref('stg_shop__products') }}
),

category_spend as (
    select
        orders.customer_id,
        coalesce(products.category, 'uncategorised') as category,
        sum(order_items.line_amount) as category_spend,
        count(distinct orders.order_id) as category_orders
    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    left join products
        on order_items.product_id = products.product_id
    where orders.is_completed
    group by 1, 2
),

shares as (
    select
        customer_id,
        category,
        category_spend,
        category_orders,
        category_spend / nullif(sum(category_spend) over (partition by customer_id), 0) as spend_share,
        -- 'uncategorised' (no product, or no category) ranks after every known category
        row_number() over (
            partition by customer_id
            order by case when category = 'uncategorised' then 1 else 0 end, category_spend desc, category asc
        ) as category_rank
    from category_spend
)

select * from shares
