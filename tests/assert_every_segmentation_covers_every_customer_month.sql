-- MECE: every segmentation places as many customer-months as there are customers in every
-- period, no fewer (collectively exhaustive) and no more (with the unique tests on the five
-- tables that the memberships view unions, mutually exclusive). Failing rows name the
-- segmentation and period, how many customers it should place and how many it placed.
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
),

memberships as (
    select * from {{ ref('int_segment_memberships_monthly') }}
),

customers_per_period as (
    select
        period_month_end,
        count(*) as customers
    from features
    group by period_month_end
),

segmentations as (
    select distinct segmentation from memberships
),

placed as (
    select
        segmentation,
        period_month_end,
        count(*) as placed_customers
    from memberships
    where segment is not null
    group by segmentation, period_month_end
),

coverage as (
    select
        segmentations.segmentation,
        customers_per_period.period_month_end,
        customers_per_period.customers,
        coalesce(placed.placed_customers, 0) as placed_customers
    from customers_per_period
    cross join segmentations
    left join placed
        on
            segmentations.segmentation = placed.segmentation
            and customers_per_period.period_month_end = placed.period_month_end
)

select * from coverage
where placed_customers != customers
