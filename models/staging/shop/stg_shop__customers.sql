with

customers as (
    select * from {{ ref('base_shop__customers') }}
),

valid_customers as (
    select
        -- ids
        customer_id,
        -- attributes
        country,
        region,
        acquisition_channel,
        cast(birth_year as integer) as birth_year,
        gender,
        email,
        -- timestamps
        signup_at
    from customers
    where quarantine_reason is null
)

select * from valid_customers
