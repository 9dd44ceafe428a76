-- Customers to contact now, by priority: the activation list without the control group, with the
-- contact facts a campaign tool needs, most urgent and most valuable first. A customer fired by
-- several pathways appears once, under the most urgent one.
with

actions as (
    select * from {{ ref('fct_customer_actions') }}
    where not is_control
),

customers as (
    select * from {{ ref('dim_customers') }}
),

ranked_actions as (
    select
        actions.*,
        row_number() over (
            partition by actions.customer_id order by actions.priority, actions.pathway_id
        ) as action_rank
    from actions
),

contact_list as (
    select
        ranked_actions.priority,
        ranked_actions.customer_id,
        customers.country,
        customers.rfm_segment,
        ranked_actions.pathway_id,
        ranked_actions.intervention,
        ranked_actions.channel,
        ranked_actions.target_segment,
        customers.recency_days,
        customers.monetary
    from ranked_actions
    inner join customers
        on ranked_actions.customer_id = customers.customer_id
    where ranked_actions.action_rank = 1
)

select * from contact_list
order by priority asc, monetary desc
