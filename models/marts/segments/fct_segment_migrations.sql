-- Customers moving between segments from one month end to the next, per segmentation: how many,
-- their net revenue in the month they left and in the month they arrived, the share of the
-- from-segment that made the move, and its direction. Entries and exits are states of their own:
-- from_segment '(new)' holds customers who were not customers yet at the previous month end,
-- to_segment '(exit)' customers who were and are no longer (they left the sources; a lapsed or
-- churned customer stays a customer, in a lapsed segment such as Lost). Direction compares
-- segment_rank (1 = most valuable): a lower rank is an upgrade, a higher one a downgrade.
-- Rows leaving a segment add up to its size at the previous month end; rows arriving, to its size
-- now (tested in assert_migrations_conserve_segment_sizes).
with

memberships as (
    select * from {{ ref('int_segment_memberships_monthly') }}
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
),

periods as (
    select distinct period_month_end from features
),

member_revenue as (
    select
        memberships.segmentation,
        memberships.period_month_end,
        memberships.customer_id,
        memberships.segment,
        memberships.segment_rank,
        features.net_revenue_in_period
    from memberships
    inner join features
        on
            memberships.customer_id = features.customer_id
            and memberships.period_month_end = features.period_month_end
),

previous_members as (
    -- each membership moved forward to the next month end, when that month is in the history
    select
        member_revenue.segmentation,
        periods.period_month_end,
        member_revenue.customer_id,
        member_revenue.segment,
        member_revenue.segment_rank,
        member_revenue.net_revenue_in_period
    from member_revenue
    inner join periods
        on periods.period_month_end = {{ segmentation_month_end(dbt.dateadd('month', 1, 'member_revenue.period_month_end')) }}
),

transitions as (
    select
        coalesce(member_revenue.segmentation, previous_members.segmentation) as segmentation,
        coalesce(member_revenue.period_month_end, previous_members.period_month_end) as period_month_end,
        coalesce(previous_members.segment, '(new)') as from_segment,
        coalesce(member_revenue.segment, '(exit)') as to_segment,
        previous_members.segment_rank as from_segment_rank,
        member_revenue.segment_rank as to_segment_rank,
        coalesce(previous_members.net_revenue_in_period, 0) as from_period_net_revenue,
        coalesce(member_revenue.net_revenue_in_period, 0) as to_period_net_revenue
    from member_revenue
    full outer join previous_members
        on
            member_revenue.customer_id = previous_members.customer_id
            and member_revenue.segmentation = previous_members.segmentation
            and member_revenue.period_month_end = previous_members.period_month_end
),

counted as (
    select
        segmentation,
        period_month_end,
        from_segment,
        to_segment,
        min(from_segment_rank) as from_segment_rank,
        min(to_segment_rank) as to_segment_rank,
        count(*) as customers,
        sum(from_period_net_revenue) as from_period_net_revenue,
        sum(to_period_net_revenue) as to_period_net_revenue
    from transitions
    group by 1, 2, 3, 4
),

rated as (
    select
        -- keys
        segmentation,
        period_month_end,
        from_segment,
        to_segment,
        -- direction
        from_segment_rank,
        to_segment_rank,
        case
            when from_segment = '(new)' then 'entry'
            when to_segment = '(exit)' then 'exit'
            when from_segment = to_segment then 'same'
            when to_segment_rank < from_segment_rank then 'upgrade'
            when to_segment_rank > from_segment_rank then 'downgrade'
            else 'lateral'
        end as direction,
        from_segment = to_segment as is_same_segment,
        -- measures
        customers,
        sum(customers) over (partition by segmentation, period_month_end, from_segment) as from_segment_customers,
        customers * 1.0
        / sum(customers) over (partition by segmentation, period_month_end, from_segment) as transition_rate,
        from_period_net_revenue,
        to_period_net_revenue
    from counted
)

select * from rated
