-- The activation list: at the as-of date, every customer whose migration-pathway trigger fired,
-- with the target segment, intervention, channel and priority, and whether the customer is held
-- out as control (is_control: deterministic per customer and pathway; see int_customer_actions_monthly).
with

actions as (
    select * from {{ ref('int_customer_actions_monthly') }}
    where is_current_period
),

activation_list as (
    select
        -- keys
        customer_id,
        pathway_id,
        period_month_end,
        period_end_date as as_of_date,
        -- the move
        segmentation,
        from_segment,
        previous_segment,
        target_segment,
        trigger_expression,
        -- the action
        intervention,
        channel,
        priority,
        -- context
        cast(recency_days as {{ dbt.type_int() }}) as recency_days,
        monetary,
        -- control group
        control_bucket,
        is_control
    from actions
)

select * from activation_list
