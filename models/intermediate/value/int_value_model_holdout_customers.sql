-- Each customer of the calibration fit's summary with what the fit predicted for the holdout
-- (from the calibration month end to the as-of date) and what happened: purchase days and net
-- revenue, the customer's repeat-purchase-day bucket at calibration and probability alive.
with

summary as (
    select * from {{ ref('int_customer_value_summary_monthly') }}
),

periods as (
    select * from {{ ref('int_value_model_periods') }}
),

scores as (
    select * from {{ ref('value_model_scores') }}
    where score_set = 'holdout'
),

spend_params as (
    {{ segmentation_value_spend_params(ref('value_model_fit'), 'calibration') }}
),

current_summary as (
    select * from summary
    where is_current_period
),

calibration_customers as (
    select
        summary.customer_id,
        summary.repeat_purchase_days,
        summary.purchase_days_to_date,
        summary.purchase_value_to_date,
        case when summary.repeat_purchase_day_value > 0 then summary.repeat_purchase_day_value else 0 end
            as repeat_value,
        scores.horizon_days,
        scores.probability_alive,
        scores.expected_orders
    from summary
    inner join periods
        on summary.period_month_end = periods.calibration_month_end
    inner join scores
        on
            summary.repeat_purchase_days = scores.frequency
            and summary.first_to_last_days = scores.recency_days
            and summary.age_days = scores.age_days
),

outcomes as (
    select
        calibration_customers.customer_id,
        case
            when calibration_customers.repeat_purchase_days >= 7 then '7+'
            else cast(calibration_customers.repeat_purchase_days as {{ dbt.type_string() }})
        end as repeat_purchase_days_bucket,
        least(calibration_customers.repeat_purchase_days, 7) as bucket_order,
        calibration_customers.horizon_days as holdout_days,
        calibration_customers.probability_alive,
        -- fixed-point before summing: parallel sums of doubles are not bit-for-bit repeatable
        cast(calibration_customers.expected_orders as {{ dbt.type_numeric() }}) as predicted_purchase_days,
        cast(
            calibration_customers.expected_orders
            * {{ segmentation_expected_order_value(
                'spend_params', 'calibration_customers.repeat_purchase_days', 'calibration_customers.repeat_value'
            ) }}
            as {{ dbt.type_numeric() }}
        ) as predicted_revenue,
        current_summary.purchase_days_to_date - calibration_customers.purchase_days_to_date as actual_purchase_days,
        cast(
            current_summary.purchase_value_to_date - calibration_customers.purchase_value_to_date
            as {{ dbt.type_numeric() }}
        ) as actual_revenue
    from calibration_customers
    cross join spend_params
    inner join current_summary
        on calibration_customers.customer_id = current_summary.customer_id
)

select * from outcomes
