-- Which migration pathway fired most: customers to contact now, and the average per month over
-- the history, per pathway.
with

current_actions as (
    select * from {{ ref('fct_customer_actions') }}
),

action_history as (
    select * from {{ ref('int_customer_actions_monthly') }}
),

pathways as (
    select * from {{ ref('dim_migration_pathways') }}
),

current_counts as (
    select
        pathway_id,
        count(*) as customers_now,
        sum(case when is_control then 0 else 1 end) as customers_to_contact_now
    from current_actions
    group by pathway_id
),

history_counts as (
    select
        pathway_id,
        count(*) * 1.0 / count(distinct period_month_end) as avg_customers_per_month
    from action_history
    group by pathway_id
),

ranked as (
    select
        pathways.pathway_id,
        pathways.from_segment,
        pathways.target_segment,
        pathways.trigger_expression,
        coalesce(current_counts.customers_now, 0) as customers_now,
        coalesce(current_counts.customers_to_contact_now, 0) as customers_to_contact_now,
        history_counts.avg_customers_per_month
    from pathways
    left join current_counts
        on pathways.pathway_id = current_counts.pathway_id
    left join history_counts
        on pathways.pathway_id = history_counts.pathway_id
)

select * from ranked
order by customers_now desc, avg_customers_per_month desc
