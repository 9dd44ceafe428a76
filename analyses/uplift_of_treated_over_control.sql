-- Uplift of treated over control: for every pathway, over all months its trigger fired, what the
-- treated customers and their control group did in the following month (share who bought,
-- revenue per customer, share who reached the target segment), weighted by customers. Once
-- interventions are really sent, the difference is their effect; before that it should be close
-- to 0 (a check that the control group is a fair comparison).
with

outcomes as (
    select * from {{ ref('fct_action_outcomes_monthly') }}
),

by_group as (
    select
        pathway_id,
        action_group,
        sum(customers) as customers,
        sum(purchase_rate * customers) / sum(customers) as purchase_rate,
        sum(revenue_per_customer * customers) / sum(customers) as revenue_per_customer,
        sum(target_reached_rate * customers) / sum(customers) as target_reached_rate
    from outcomes
    group by pathway_id, action_group
),

uplift as (
    select
        treated.pathway_id,
        treated.customers as treated_customers,
        control.customers as control_customers,
        treated.purchase_rate as treated_purchase_rate,
        control.purchase_rate as control_purchase_rate,
        treated.purchase_rate - control.purchase_rate as purchase_rate_uplift,
        treated.revenue_per_customer - control.revenue_per_customer as revenue_per_customer_uplift,
        treated.target_reached_rate - control.target_reached_rate as target_reached_rate_uplift
    from by_group as treated
    inner join by_group as control
        on
            treated.pathway_id = control.pathway_id
            and treated.action_group = 'treated'
            and control.action_group = 'control'
)

select * from uplift
order by pathway_id
