with

orders as (
    select * from {{ ref('base_shop__orders') }}
),

valid_orders as (
    select
        -- ids
        order_id,
        customer_id,
        -- attributes
        status,
        sales_channel,
        status = 'completed' as is_completed,
        status = 'cancelled' as is_cancelled,
        status = 'returned' as is_returned,
        -- numerics
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        cast(discount_amount as {{ dbt.type_numeric() }}) as discount_amount,
        -- timestamps
        ordered_at
    from orders
    where quarantine_reason is null
)

select * from valid_orders
