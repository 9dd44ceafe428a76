{{ config(materialized='table') }}

-- One row per customer and action month end (the actions of int_customer_actions_monthly before
-- the current period, whose next month has not happened): the customer's group and outcomes.
-- Outcomes are read in the month after the trigger (the intervention goes out after the month
-- end): bought, net revenue, reached the pathway's target segment. The balance check reads the
-- same purchase outcome in the month that ended at the trigger, before anything could be sent.
-- What counts as treated: when the optional source interventions_sent records sends for the
-- pathway (comparison_basis 'sent'), the non-control customers who were sent its intervention in
-- the month after the trigger (the others are left out: not in the experiment); otherwise
-- ('would_have_been_sent') every non-control customer the pathway picked. Control customers are
-- always the comparison. is_first_action marks the customer's first action of the pathway in the
-- experiment: the whole-window experiment counts each customer once, at their first exposure.
with

actions as (
    select * from {{ ref('int_customer_actions_monthly') }}
    where not is_current_period
),

-- the filter reaches every table under the view
memberships as (
    select * from {{ ref('int_segment_memberships_monthly') }}
    where period_month_end > (select min(actions.period_month_end) from actions)
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    where period_month_end >= (select min(actions.period_month_end) from actions)
),

interventions_sent as (
    select * from {{ ref('stg_shop__interventions_sent') }}
),

pathways_sent as (
    select distinct pathway_id from interventions_sent
),

sent_in_month as (
    -- the actions whose intervention was recorded as sent in the month after the trigger
    select distinct
        actions.customer_id,
        actions.pathway_id,
        actions.period_month_end
    from actions
    inner join interventions_sent
        on
            actions.customer_id = interventions_sent.customer_id
            and actions.pathway_id = interventions_sent.pathway_id
            and cast(interventions_sent.sent_at as date) > actions.period_month_end
            and cast(interventions_sent.sent_at as date)
            <= {{ segmentation_month_end(dbt.dateadd('month', 1, 'actions.period_month_end')) }}
),

outcomes as (
    select
        -- keys
        actions.customer_id,
        actions.pathway_id,
        actions.period_month_end,
        -- the experiment
        actions.segmentation,
        actions.from_segment,
        actions.target_segment,
        actions.is_control,
        case when pathways_sent.pathway_id is null then 'would_have_been_sent' else 'sent' end as comparison_basis,
        sent_in_month.customer_id is not null as was_sent,
        -- outcomes in the following month
        case when next_month.completed_orders_in_period > 0 then 1 else 0 end as bought_next_month,
        cast(next_month.net_revenue_in_period as {{ dbt.type_numeric() }}) as revenue_next_month,
        case when memberships.segment = actions.target_segment then 1 else 0 end as reached_target,
        -- the same outcome before the trigger
        case when trigger_month.completed_orders_in_period > 0 then 1 else 0 end as bought_in_trigger_month
    from actions
    inner join features as next_month
        on
            actions.customer_id = next_month.customer_id
            and next_month.period_month_end
            = {{ segmentation_month_end(dbt.dateadd('month', 1, 'actions.period_month_end')) }}
    inner join features as trigger_month
        on
            actions.customer_id = trigger_month.customer_id
            and actions.period_month_end = trigger_month.period_month_end
    inner join memberships
        on
            actions.customer_id = memberships.customer_id
            and actions.segmentation = memberships.segmentation
            and next_month.period_month_end = memberships.period_month_end
    left join pathways_sent
        on actions.pathway_id = pathways_sent.pathway_id
    left join sent_in_month
        on
            actions.customer_id = sent_in_month.customer_id
            and actions.pathway_id = sent_in_month.pathway_id
            and actions.period_month_end = sent_in_month.period_month_end
),

experiment_rows as (
    select
        *,
        is_control or was_sent or comparison_basis = 'would_have_been_sent' as is_in_experiment
    from outcomes
),

first_actions as (
    select
        *,
        is_in_experiment
        and row_number() over (
            partition by customer_id, pathway_id, is_in_experiment order by period_month_end
        ) = 1 as is_first_action
    from experiment_rows
)

select * from first_actions
