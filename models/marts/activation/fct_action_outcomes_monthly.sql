-- The measurement side of the activation list: per month end at which triggers fired, pathway and
-- group (treated or control), how many customers the pathway picked and what they did in the
-- following month: the share who bought, net revenue per customer and the share who reached the
-- pathway's target segment. Treated minus control is the effect of the intervention once it is
-- really sent; until then the two groups should agree (a check that the control group is fair).
-- The current period has no following month yet and is left out.
with

actions as (
    select * from {{ ref('int_customer_actions_monthly') }}
    where not is_current_period
),

-- the months after the first one with actions: the filter reaches every table under the view
memberships as (
    select * from {{ ref('int_segment_memberships_monthly') }}
    where period_month_end > (select min(actions.period_month_end) from actions)
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    where period_month_end > (select min(actions.period_month_end) from actions)
),

outcomes as (
    select
        actions.period_month_end,
        actions.pathway_id,
        actions.segmentation,
        actions.from_segment,
        actions.target_segment,
        actions.is_control,
        actions.customer_id,
        case when features.completed_orders_in_period > 0 then 1 else 0 end as bought_next_month,
        features.net_revenue_in_period as revenue_next_month,
        case when memberships.segment = actions.target_segment then 1 else 0 end as reached_target
    from actions
    inner join features
        on
            actions.customer_id = features.customer_id
            and features.period_month_end
            = {{ segmentation_month_end(dbt.dateadd('month', 1, 'actions.period_month_end')) }}
    inner join memberships
        on
            actions.customer_id = memberships.customer_id
            and actions.segmentation = memberships.segmentation
            and features.period_month_end = memberships.period_month_end
),

by_group as (
    select
        period_month_end,
        pathway_id,
        case when is_control then 'control' else 'treated' end as action_group,
        min(segmentation) as segmentation,
        min(from_segment) as from_segment,
        min(target_segment) as target_segment,
        count(*) as customers,
        sum(bought_next_month) * 1.0 / count(*) as purchase_rate,
        sum(revenue_next_month) / count(*) as revenue_per_customer,
        sum(reached_target) * 1.0 / count(*) as target_reached_rate
    from outcomes
    group by period_month_end, pathway_id, case when is_control then 'control' else 'treated' end
)

select * from by_group
