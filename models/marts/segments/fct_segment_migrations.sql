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

with_previous as (
    -- the customer's row at the month end before, if it is there: a window, not a self-join
    select
        *,
        lag(segment) over customer_history as previous_segment,
        lag(segment_rank) over customer_history as previous_segment_rank,
        lag(net_revenue_in_period) over customer_history as previous_net_revenue_in_period,
        coalesce(
            lag(period_month_end) over customer_history
            = {{ segmentation_month_end(dbt.dateadd('month', -1, 'period_month_end')) }},
            false
        ) as has_previous_month,
        coalesce(
            lead(period_month_end) over customer_history
            = {{ segmentation_month_end(dbt.dateadd('month', 1, 'period_month_end')) }},
            false
        ) as has_next_month
    from member_revenue
    window customer_history as (partition by customer_id, segmentation order by period_month_end)
),

last_period as (
    select max(period_month_end) as period_month_end from member_revenue
),

arrivals as (
    -- every membership, arriving from the previous month end's segment or as '(new)'
    select
        segmentation,
        period_month_end,
        case when has_previous_month then previous_segment else '(new)' end as from_segment,
        segment as to_segment,
        case when has_previous_month then previous_segment_rank end as from_segment_rank,
        segment_rank as to_segment_rank,
        case when has_previous_month then previous_net_revenue_in_period else 0 end as from_period_net_revenue,
        net_revenue_in_period as to_period_net_revenue
    from with_previous
),

exits as (
    -- memberships with no row at the next month end, before the last period: the customer left
    select
        with_previous.segmentation,
        {{ segmentation_month_end(dbt.dateadd('month', 1, 'with_previous.period_month_end')) }}
            as period_month_end,
        with_previous.segment as from_segment,
        '(exit)' as to_segment,
        with_previous.segment_rank as from_segment_rank,
        cast(null as {{ dbt.type_bigint() }}) as to_segment_rank,
        with_previous.net_revenue_in_period as from_period_net_revenue,
        0 as to_period_net_revenue
    from with_previous
    cross join last_period
    where
        with_previous.period_month_end < last_period.period_month_end
        and not with_previous.has_next_month
),

transitions as (
    select * from arrivals
    union all
    select * from exits
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
