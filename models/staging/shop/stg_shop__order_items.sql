with

order_items as (
    select * from {{ ref('base_shop__order_items') }}
),

valid_order_items as (
    select
        -- ids
        order_id,
        line_number,
        product_id,
        -- numerics
        cast(quantity as integer) as quantity,
        unit_price,
        quantity * unit_price as line_amount
    from order_items
    where quarantine_reason is null
)

select * from valid_order_items
