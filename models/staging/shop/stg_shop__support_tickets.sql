with

tickets as (
    select * from {{ ref('base_shop__support_tickets') }}
),

valid_tickets as (
    select
        -- ids
        ticket_id,
        customer_id,
        -- numerics
        cast(satisfaction as integer) as satisfaction,
        -- timestamps
        opened_at,
        resolved_at
    from tickets
    where quarantine_reason is null
)

select * from valid_tickets
