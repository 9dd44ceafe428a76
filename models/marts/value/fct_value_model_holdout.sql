-- Holdout validation of the customer-value model: fitted on history up to the calibration
-- month end, its expected orders for the holdout days that followed are compared with the
-- completed orders that happened, per bucket of repeat orders at calibration and in total.
with

summary as (
    select * from {{ ref('int_customer_value_summary_monthly') }}
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
),

periods as (
    select * from {{ ref('int_value_model_periods') }}
),

scores as (
    select * from {{ ref('value_model_scores') }}
    where score_set = 'holdout'
),

calibration_customers as (
    select
        summary.customer_id,
        summary.repeat_orders,
        summary.completed_orders_to_date,
        scores.horizon_days,
        -- fixed-point before summing: parallel sums of doubles are not bit-for-bit repeatable
        cast(scores.expected_orders as {{ dbt.type_numeric() }}) as expected_orders
    from summary
    inner join periods
        on summary.period_month_end = periods.calibration_month_end
    inner join scores
        on
            summary.repeat_orders = scores.frequency
            and summary.repeat_span_days = scores.recency_days
            and summary.customer_age_days = scores.age_days
),

outcomes as (
    select
        calibration_customers.*,
        features.frequency_to_date - calibration_customers.completed_orders_to_date as actual_orders,
        case
            when calibration_customers.repeat_orders >= 7 then '7+'
            else cast(calibration_customers.repeat_orders as {{ dbt.type_string() }})
        end as repeat_orders_bucket
    from calibration_customers
    inner join features
        on calibration_customers.customer_id = features.customer_id
    where features.is_current_period
),

by_bucket as (
    select
        repeat_orders_bucket,
        min(repeat_orders) as bucket_order,
        count(*) as customers,
        max(horizon_days) as holdout_days,
        sum(expected_orders) as predicted_orders,
        sum(actual_orders) as actual_orders
    from outcomes
    group by repeat_orders_bucket

    union all

    select
        'total' as repeat_orders_bucket,
        1000000 as bucket_order,
        count(*) as customers,
        max(horizon_days) as holdout_days,
        sum(expected_orders) as predicted_orders,
        sum(actual_orders) as actual_orders
    from outcomes
),

holdout as (
    select
        by_bucket.repeat_orders_bucket,
        cast(by_bucket.bucket_order as {{ dbt.type_bigint() }}) as bucket_order,
        periods.calibration_month_end,
        periods.as_of_date as holdout_end_date,
        cast(by_bucket.holdout_days as {{ dbt.type_bigint() }}) as holdout_days,
        cast(by_bucket.customers as {{ dbt.type_bigint() }}) as customers,
        cast(by_bucket.predicted_orders as {{ segmentation_type_double() }}) as predicted_orders,
        cast(by_bucket.actual_orders as {{ dbt.type_bigint() }}) as actual_orders,
        cast(by_bucket.predicted_orders - by_bucket.actual_orders as {{ segmentation_type_double() }}) as error_orders,
        cast(
            (by_bucket.predicted_orders - by_bucket.actual_orders) / nullif(by_bucket.actual_orders, 0)
            as {{ segmentation_type_double() }}
        ) as relative_error
    from by_bucket
    cross join periods
    where by_bucket.customers > 0
)

select * from holdout
