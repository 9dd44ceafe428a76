-- Which of the 50 customers with the highest predicted value get no intervention now (no pathway
-- fired for them), and which segments hold them?
with

customers as (
    select * from {{ ref('dim_customers') }}
),

actions as (
    select * from {{ ref('fct_customer_actions') }}
),

ranked as (
    select
        customer_id,
        rfm_segment,
        value_tier,
        potential_tier,
        predicted_value,
        probability_alive,
        recency_days,
        row_number() over (order by predicted_value desc, customer_id asc) as value_rank
    from customers
    where predicted_value is not null
),

without_action as (
    select ranked.*
    from ranked
    left join actions
        on ranked.customer_id = actions.customer_id
    where ranked.value_rank <= 50 and actions.customer_id is null
)

select * from without_action
order by value_rank
