-- Migration rows add up to segment sizes: leaving a segment sums to its size at the previous
-- month end, arriving sums to its size at this month end.
with

migrations as (
    select * from {{ ref('fct_segment_migrations') }}
),

sizes as (
    select
        segmentation,
        period_month_end,
        segment,
        customers
    from {{ ref('fct_segment_kpis_monthly') }}
),

outflows as (
    select
        segmentation,
        period_month_end,
        from_segment as segment,
        sum(customers) as customers
    from migrations
    where from_segment <> '(new)'
    group by 1, 2, 3
),

inflows as (
    select
        segmentation,
        period_month_end,
        to_segment as segment,
        sum(customers) as customers
    from migrations
    group by 1, 2, 3
),

outflow_check as (
    select
        'outflow' as direction,
        outflows.segmentation,
        outflows.period_month_end,
        outflows.segment,
        outflows.customers as migration_customers,
        previous_sizes.customers as segment_customers
    from outflows
    left join sizes as previous_sizes
        on
            outflows.segmentation = previous_sizes.segmentation
            and outflows.segment = previous_sizes.segment
            and previous_sizes.period_month_end
            = {{ segmentation_month_end(dbt.dateadd('month', -1, 'outflows.period_month_end')) }}
    where previous_sizes.customers is null or outflows.customers <> previous_sizes.customers
),

inflow_check as (
    select
        'inflow' as direction,
        inflows.segmentation,
        inflows.period_month_end,
        inflows.segment,
        inflows.customers as migration_customers,
        sizes.customers as segment_customers
    from inflows
    full outer join sizes
        on
            inflows.segmentation = sizes.segmentation
            and inflows.segment = sizes.segment
            and inflows.period_month_end = sizes.period_month_end
    where inflows.customers is null or sizes.customers is null or inflows.customers <> sizes.customers
)

select * from outflow_check
union all
select * from inflow_check
