-- The measurement framework: per month end, segmentation and segment, the customers held then
-- and what they did in that month. Retention: of the segment's customers who bought in the
-- previous month, the share who bought again this month.
with

customer_segments as (
    select * from {{ ref('fct_customer_segments_monthly') }}
),

memberships as (
    select * from {{ ref('int_segment_memberships_monthly') }}
),

activity as (
    select
        customer_id,
        period_month_end,
        completed_orders_in_period,
        net_revenue_in_period,
        is_active_in_period,
        coalesce(
            lag(is_active_in_period) over (partition by customer_id order by period_month_end), false
        ) as was_active_in_previous_period
    from customer_segments
),

member_activity as (
    select
        memberships.segmentation,
        memberships.segment,
        memberships.period_month_end,
        activity.completed_orders_in_period,
        activity.net_revenue_in_period,
        activity.is_active_in_period,
        activity.was_active_in_previous_period
    from memberships
    inner join activity
        on
            memberships.customer_id = activity.customer_id
            and memberships.period_month_end = activity.period_month_end
),

kpis as (
    select
        -- keys
        period_month_end,
        segmentation,
        segment,
        -- size
        count(*) as customers,
        sum(case when is_active_in_period then 1 else 0 end) as active_customers,
        -- value
        sum(completed_orders_in_period) as orders,
        sum(net_revenue_in_period) as net_revenue,
        sum(net_revenue_in_period) / nullif(sum(completed_orders_in_period), 0) as avg_order_value,
        sum(completed_orders_in_period) * 1.0 / count(*) as orders_per_customer,
        -- retention
        sum(case when was_active_in_previous_period then 1 else 0 end) as previously_active_customers,
        sum(case when was_active_in_previous_period and is_active_in_period then 1 else 0 end) * 1.0
        / nullif(sum(case when was_active_in_previous_period then 1 else 0 end), 0) as retention_rate
    from member_activity
    group by 1, 2, 3
)

select * from kpis
