-- Customers moving between segments from one month end to the next, per segmentation.
-- from_segment '(new)' holds customers who were not yet customers at the previous month end.
with

memberships as (
    select * from {{ ref('int_segment_memberships_monthly') }}
),

transitions as (
    select
        memberships.segmentation,
        memberships.period_month_end,
        memberships.customer_id,
        coalesce(previous.segment, '(new)') as from_segment,
        memberships.segment as to_segment
    from memberships
    left join memberships as previous
        on
            memberships.customer_id = previous.customer_id
            and memberships.segmentation = previous.segmentation
            and previous.period_month_end
            = {{ segmentation_month_end(dbt.dateadd('month', -1, 'memberships.period_month_end')) }}
),

counted as (
    select
        segmentation,
        period_month_end,
        from_segment,
        to_segment,
        count(*) as customers
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
        -- measures
        customers,
        sum(customers) over (partition by segmentation, period_month_end, from_segment) as from_segment_customers,
        customers * 1.0
        / sum(customers) over (partition by segmentation, period_month_end, from_segment) as transition_rate,
        from_segment = to_segment as is_same_segment
    from counted
)

select * from rated
