with

interventions as (
    select * from {{ ref('base_shop__interventions_sent') }}
),

valid_interventions as (
    select
        -- ids
        customer_id,
        pathway_id,
        -- attributes
        channel,
        -- timestamps
        sent_at
    from interventions
    where quarantine_reason is null
)

select * from valid_interventions
