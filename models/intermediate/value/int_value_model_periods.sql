-- One row: the two summaries the customer-value models are fitted on. "current" ends at the
-- as-of date (its fit scores customers); "calibration" ends segmentation__clv_holdout_months
-- month ends earlier (its fit predicts the holdout months, compared with what happened).
{%- set holdout_months = segmentation_setting('clv_holdout_months') %}

with

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

periods as (
    select
        as_of_date,
        as_of_month_end,
        first_month_end,
        {{ segmentation_month_end(dbt.dateadd('month', -holdout_months, 'as_of_month_end')) }}
            as calibration_month_end
    from analysis_window
)

select * from periods
