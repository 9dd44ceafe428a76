-- The distinct purchase summaries to score with the chosen purchase model, so that the cost of
-- scoring grows with distinct (repeat purchase days, first-to-last days, age) combinations, not
-- with customers x periods. "history": every customer and period end, over
-- segmentation__clv_horizon_days, with the current fit. "holdout": the calibration period end,
-- over the holdout days, with the calibration fit.
{%- set horizon_days = segmentation_setting('clv_horizon_days') %}

with

summary as (
    select * from {{ ref('int_customer_value_summary_monthly') }}
),

periods as (
    select * from {{ ref('int_value_model_periods') }}
),

history_inputs as (
    select distinct
        'history' as score_set,
        repeat_purchase_days as frequency,
        first_to_last_days as recency_days,
        age_days,
        {{ horizon_days }} as horizon_days
    from summary
),

holdout_inputs as (
    select distinct
        'holdout' as score_set,
        summary.repeat_purchase_days as frequency,
        summary.first_to_last_days as recency_days,
        summary.age_days,
        {{ segmentation_days_between('periods.calibration_month_end', 'periods.as_of_date') }} as horizon_days
    from summary
    inner join periods
        on summary.period_month_end = periods.calibration_month_end
    where periods.calibration_month_end < periods.as_of_month_end
),

score_inputs as (
    select * from history_inputs
    union all
    select * from holdout_inputs
)

select * from score_inputs
