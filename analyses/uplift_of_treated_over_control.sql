-- Uplift of treated over control: for every pathway, customers whose trigger fired at a month end,
-- split by is_control, and what they did in the next month (share who bought, revenue per
-- customer, share who reached the target segment). Once interventions are actually sent to the
-- treated customers, the difference is the effect of the intervention; before that it should be
-- close to 0 (a check that the control group is a fair comparison).
with

actions as (
    select * from {{ ref('int_customer_actions_monthly') }}
    where not is_current_period
),

history as (
    select * from {{ ref('int_segment_memberships_monthly') }}
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
),

outcomes as (
    select
        actions.pathway_id,
        actions.is_control,
        actions.customer_id,
        features.completed_orders_in_period > 0 as bought_next_month,
        features.net_revenue_in_period as revenue_next_month,
        history.segment = actions.target_segment as reached_target
    from actions
    inner join features
        on
            actions.customer_id = features.customer_id
            and features.period_month_end = {{ segmentation_month_end(dbt.dateadd('month', 1, 'actions.period_month_end')) }}
    inner join history
        on
            actions.customer_id = history.customer_id
            and actions.segmentation = history.segmentation
            and features.period_month_end = history.period_month_end
),

by_group as (
    select
        pathway_id,
        is_control,
        count(*) as customers,
        avg(case when bought_next_month then 1.0 else 0.0 end) as purchase_rate,
        avg(revenue_next_month) as revenue_per_customer,
        avg(case when reached_target then 1.0 else 0.0 end) as target_reached_rate
    from outcomes
    group by pathway_id, is_control
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
            and not treated.is_control
            and control.is_control
)

select * from uplift
order by pathway_id
