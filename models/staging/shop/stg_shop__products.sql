with

products as (
    select * from {{ ref('base_shop__products') }}
),

valid_products as (
    select
        -- ids
        product_id,
        -- attributes
        product_name,
        coalesce(category, 'uncategorised') as category,
        -- numerics
        cast(list_price as {{ dbt.type_numeric() }}) as list_price
    from products
    where quarantine_reason is null
)

select * from valid_products
