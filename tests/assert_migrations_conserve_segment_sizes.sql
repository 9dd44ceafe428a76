-- Migration rows add up to segment sizes and revenue: leaving a segment (to any segment or to
-- '(exit)') sums to its size and its month's net revenue at the previous month end; arriving (from
-- any segment or '(new)') sums to its size and net revenue at this month end. Every segment of
-- every month but the last has its leavers, and every segment of every month has its arrivals.
-- The KPI cohort of a segment (fct_segment_kpis_monthly.cohort_customers) is its leavers.
with

migrations as (
    select * from {{ ref('fct_segment_migrations') }}
),

sizes as (
    select
        segmentation,
        period_month_end,
        segment,
        customers,
        net_revenue
    from {{ ref('fct_segment_kpis_monthly') }}
    -- a row with no member at the month end is there for its cohort only
    where customers > 0
),

cohorts as (
    select
        segmentation,
        period_month_end,
        segment,
        cohort_customers
    from {{ ref('fct_segment_kpis_monthly') }}
    where cohort_customers > 0
),

migration_periods as (
    select distinct period_month_end from migrations
),

previous_sizes as (
    -- sizes moved forward to the next month end, for months followed by another
    select
        sizes.segmentation,
        migration_periods.period_month_end,
        sizes.segment,
        sizes.customers,
        sizes.net_revenue
    from sizes
    inner join migration_periods
        on migration_periods.period_month_end = {{ segmentation_month_end(dbt.dateadd('month', 1, 'sizes.period_month_end')) }}
),

outflows as (
    select
        segmentation,
        period_month_end,
        from_segment as segment,
        sum(customers) as customers,
        sum(from_period_net_revenue) as net_revenue
    from migrations
    where from_segment <> '(new)'
    group by 1, 2, 3
),

inflows as (
    select
        segmentation,
        period_month_end,
        to_segment as segment,
        sum(customers) as customers,
        sum(to_period_net_revenue) as net_revenue
    from migrations
    where to_segment <> '(exit)'
    group by 1, 2, 3
),

outflow_check as (
    select
        'outflow' as direction,
        coalesce(outflows.segmentation, previous_sizes.segmentation) as segmentation,
        coalesce(outflows.period_month_end, previous_sizes.period_month_end) as period_month_end,
        coalesce(outflows.segment, previous_sizes.segment) as segment,
        outflows.customers as migration_customers,
        previous_sizes.customers as segment_customers,
        outflows.net_revenue as migration_net_revenue,
        previous_sizes.net_revenue as segment_net_revenue
    from outflows
    full outer join previous_sizes
        on
            outflows.segmentation = previous_sizes.segmentation
            and outflows.segment = previous_sizes.segment
            and outflows.period_month_end = previous_sizes.period_month_end
    where
        outflows.customers is null
        or previous_sizes.customers is null
        or outflows.customers <> previous_sizes.customers
        or abs(outflows.net_revenue - previous_sizes.net_revenue) > 0.01
),

inflow_check as (
    select
        'inflow' as direction,
        coalesce(inflows.segmentation, sizes.segmentation) as segmentation,
        coalesce(inflows.period_month_end, sizes.period_month_end) as period_month_end,
        coalesce(inflows.segment, sizes.segment) as segment,
        inflows.customers as migration_customers,
        sizes.customers as segment_customers,
        inflows.net_revenue as migration_net_revenue,
        sizes.net_revenue as segment_net_revenue
    from inflows
    full outer join sizes
        on
            inflows.segmentation = sizes.segmentation
            and inflows.segment = sizes.segment
            and inflows.period_month_end = sizes.period_month_end
    where
        inflows.customers is null
        or sizes.customers is null
        or inflows.customers <> sizes.customers
        or abs(inflows.net_revenue - sizes.net_revenue) > 0.01
),

cohort_check as (
    -- the KPI cohort of a segment is exactly the customers leaving it (to anywhere)
    select
        'cohort' as direction,
        coalesce(outflows.segmentation, cohorts.segmentation) as segmentation,
        coalesce(outflows.period_month_end, cohorts.period_month_end) as period_month_end,
        coalesce(outflows.segment, cohorts.segment) as segment,
        outflows.customers as migration_customers,
        cohorts.cohort_customers as segment_customers,
        cast(null as {{ dbt.type_numeric() }}) as migration_net_revenue,
        cast(null as {{ dbt.type_numeric() }}) as segment_net_revenue
    from outflows
    full outer join cohorts
        on
            outflows.segmentation = cohorts.segmentation
            and outflows.segment = cohorts.segment
            and outflows.period_month_end = cohorts.period_month_end
    where
        outflows.customers is null
        or cohorts.cohort_customers is null
        or outflows.customers <> cohorts.cohort_customers
)

select * from outflow_check
union all
select * from inflow_check
union all
select * from cohort_check
