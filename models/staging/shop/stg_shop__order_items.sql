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
        cast(unit_price as {{ dbt.type_numeric() }}) as unit_price,
        cast(quantity * unit_price as {{ dbt.type_numeric() }}) as line_amount
    from order_items
    where quarantine_reason is null
)

select * from valid_order_items
