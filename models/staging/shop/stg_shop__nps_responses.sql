with

responses as (
    select * from {{ ref('base_shop__nps_responses') }}
),

valid_responses as (
    select
        -- ids
        response_id,
        customer_id,
        -- numerics
        cast(score as integer) as score,
        case
            when score >= 9 then 'promoter'
            when score >= 7 then 'passive'
            else 'detractor'
        end as nps_class,
        -- timestamps
        responded_at
    from responses
    where quarantine_reason is null
)

select * from valid_responses
