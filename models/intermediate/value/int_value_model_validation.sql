-- One row per fit: whether the value model was validated on the holdout, and why not. The
-- calibration fit is validated when its holdout predictions are within 10% of what happened in
-- total, for purchase days and for revenue, and within 25% in every bucket of repeat purchase
-- days holding at least 5% of the customers. The current fit carries the calibration's status
-- when it uses the same purchase model.
with

outcomes as (
    select * from {{ ref('int_value_model_holdout_customers') }}
),

periods as (
    select * from {{ ref('int_value_model_periods') }}
),

fit as (
    select * from {{ ref('value_model_fit') }}
),

chosen as (
    select
        fit_period,
        max(model) as purchase_model
    from fit
    where is_chosen and model in ('bg_nbd', 'mbg_nbd', 'simple')
    group by fit_period
),

buckets as (
    select
        repeat_purchase_days_bucket,
        count(*) as customers,
        sum(predicted_purchase_days) as predicted_purchase_days,
        sum(actual_purchase_days) as actual_purchase_days,
        sum(predicted_revenue) as predicted_revenue,
        sum(actual_revenue) as actual_revenue
    from outcomes
    group by repeat_purchase_days_bucket
),

totals as (
    select
        sum(customers) as customers,
        sum(predicted_purchase_days) as predicted_purchase_days,
        sum(actual_purchase_days) as actual_purchase_days,
        sum(predicted_revenue) as predicted_revenue,
        sum(actual_revenue) as actual_revenue
    from buckets
),

worst_bucket as (
    select
        max(
            abs(buckets.predicted_purchase_days - buckets.actual_purchase_days) / nullif(buckets.actual_purchase_days, 0)
        ) as worst_purchase_days_error,
        max(abs(buckets.predicted_revenue - buckets.actual_revenue) / nullif(buckets.actual_revenue, 0))
            as worst_revenue_error,
        count(*) as large_buckets
    from buckets
    cross join totals
    where buckets.customers >= 0.05 * totals.customers
),

figures as (
    select
        periods.calibration_month_end,
        periods.first_month_end,
        periods.as_of_date,
        coalesce(totals.customers, 0) as customers,
        totals.actual_purchase_days,
        (totals.predicted_purchase_days - totals.actual_purchase_days) / nullif(totals.actual_purchase_days, 0)
            as purchase_days_error,
        (totals.predicted_revenue - totals.actual_revenue) / nullif(totals.actual_revenue, 0) as revenue_error,
        worst_bucket.worst_purchase_days_error,
        worst_bucket.worst_revenue_error
    from periods
    cross join totals
    cross join worst_bucket
),

calibration_status as (
    select
        case
            when customers = 0 and calibration_month_end < first_month_end
                then
                    'not validated: too little history for a holdout (the data starts in the month ending '
                    || {{ segmentation_to_text('first_month_end') }} || ', the holdout needs customers by '
                    || {{ segmentation_to_text('calibration_month_end') }}
                    || '; lower segmentation__clv_holdout_months)'
            when customers = 0 then 'not validated: no customer had bought by the calibration month end'
            when coalesce(actual_purchase_days, 0) = 0
                then 'not validated: no repeat purchase in the holdout to compare with'
            when
                abs(purchase_days_error) <= 0.10
                and abs(coalesce(revenue_error, 1)) <= 0.10
                and coalesce(worst_purchase_days_error, 0) <= 0.25
                and coalesce(worst_revenue_error, 0) <= 0.25
                then 'validated'
            else 'not validated: holdout error above tolerance'
        end as value_model_status,
        'holdout from ' || {{ segmentation_to_text('calibration_month_end') }} || ' to '
        || {{ segmentation_to_text('as_of_date') }} || ', ' || {{ segmentation_to_text('customers') }}
        || ' customers: purchase days '
        || coalesce({{ segmentation_to_text('round(100 * purchase_days_error, 1)') }} || '%', 'n/a')
        || ', revenue ' || coalesce({{ segmentation_to_text('round(100 * revenue_error, 1)') }} || '%', 'n/a')
        || ' in total; worst bucket of 5%+ of customers: purchase days '
        || coalesce({{ segmentation_to_text('round(100 * worst_purchase_days_error, 1)') }} || '%', 'n/a')
        || ', revenue ' || coalesce({{ segmentation_to_text('round(100 * worst_revenue_error, 1)') }} || '%', 'n/a')
        || ' (tolerance 10% in total, 25% per bucket)' as validation_summary
    from figures
),

fit_periods as (
    select 'calibration' as fit_period
    union all
    select 'current' as fit_period
),

validation as (
    select
        fit_periods.fit_period,
        chosen.purchase_model,
        case
            when fit_periods.fit_period = 'current' and calibration.purchase_model is null
                then calibration_status.value_model_status
            when fit_periods.fit_period = 'current' and chosen.purchase_model != calibration.purchase_model
                then
                    'not validated: the current fit uses ' || chosen.purchase_model
                    || ', the holdout checked ' || calibration.purchase_model
            else calibration_status.value_model_status
        end as value_model_status,
        calibration_status.validation_summary
    from fit_periods
    cross join calibration_status
    left join chosen
        on fit_periods.fit_period = chosen.fit_period
    left join chosen as calibration
        on calibration.fit_period = 'calibration'
)

select * from validation
