with

events as (
    select * from {{ ref('base_shop__engagement_events') }}
),

valid_events as (
    select
        -- ids
        event_id,
        customer_id,
        -- attributes
        event_type,
        -- timestamps
        occurred_at
    from events
    where quarantine_reason is null
)

select * from valid_events
