-- Holdout validation of the customer-value model: fitted on history up to the calibration
-- month end, its predictions for the holdout that followed (purchase days and revenue) are
-- compared with what happened, per bucket of repeat purchase days at calibration and in total,
-- with the status of the validation (int_value_model_validation).
with

outcomes as (
    select * from {{ ref('int_value_model_holdout_customers') }}
),

periods as (
    select * from {{ ref('int_value_model_periods') }}
),

validation as (
    select * from {{ ref('int_value_model_validation') }}
    where fit_period = 'calibration'
),

buckets as (
    select
        repeat_purchase_days_bucket,
        min(bucket_order) as bucket_order,
        count(*) as customers,
        max(holdout_days) as holdout_days,
        sum(predicted_purchase_days) as predicted_purchase_days,
        sum(actual_purchase_days) as actual_purchase_days,
        sum(predicted_revenue) as predicted_revenue,
        sum(actual_revenue) as actual_revenue
    from outcomes
    group by repeat_purchase_days_bucket

    union all

    select
        'total' as repeat_purchase_days_bucket,
        1000000 as bucket_order,
        count(*) as customers,
        max(holdout_days) as holdout_days,
        sum(predicted_purchase_days) as predicted_purchase_days,
        sum(actual_purchase_days) as actual_purchase_days,
        sum(predicted_revenue) as predicted_revenue,
        sum(actual_revenue) as actual_revenue
    from outcomes
),

holdout as (
    select
        buckets.repeat_purchase_days_bucket,
        cast(buckets.bucket_order as {{ dbt.type_bigint() }}) as bucket_order,
        periods.calibration_month_end,
        periods.as_of_date as holdout_end_date,
        cast(buckets.holdout_days as {{ dbt.type_bigint() }}) as holdout_days,
        cast(buckets.customers as {{ dbt.type_bigint() }}) as customers,
        cast(
            buckets.customers * 1.0 / sum(case when buckets.bucket_order < 1000000 then buckets.customers end) over ()
            as {{ segmentation_type_double() }}
        ) as customer_share,
        -- purchase days (the models' unit: several orders on one day are one purchase)
        cast(buckets.predicted_purchase_days as {{ segmentation_type_double() }}) as predicted_purchase_days,
        cast(buckets.actual_purchase_days as {{ dbt.type_bigint() }}) as actual_purchase_days,
        cast(buckets.predicted_purchase_days - buckets.actual_purchase_days as {{ segmentation_type_double() }})
            as purchase_days_error,
        cast(
            (buckets.predicted_purchase_days - buckets.actual_purchase_days) / nullif(buckets.actual_purchase_days, 0)
            as {{ segmentation_type_double() }}
        ) as purchase_days_relative_error,
        -- net revenue
        cast(buckets.predicted_revenue as {{ segmentation_type_double() }}) as predicted_revenue,
        cast(buckets.actual_revenue as {{ segmentation_type_double() }}) as actual_revenue,
        cast(buckets.predicted_revenue - buckets.actual_revenue as {{ segmentation_type_double() }}) as revenue_error,
        cast(
            (buckets.predicted_revenue - buckets.actual_revenue) / nullif(buckets.actual_revenue, 0)
            as {{ segmentation_type_double() }}
        ) as revenue_relative_error,
        validation.value_model_status
    from buckets
    cross join periods
    cross join validation
    where buckets.customers > 0
)

select * from holdout
