-- What the customer-value fit reads: the BTYD summary at the calibration and the current period
-- end, on a seeded sample of at most segmentation__max_training_rows customers each, with
-- identical summaries collapsed into one row and a customer count. Calibration rows carry what
-- the customer did in the holdout (purchase days after the calibration month end, up to the
-- as-of date): the fit chooses its purchase model by that holdout error. Repeat buyers without a
-- positive repeat spend (everything refunded) are left out of the fit (Gamma-Gamma needs positive
-- spend); they are still scored.
{%- set seed = segmentation_setting('seed') %}
{%- set max_rows = segmentation_setting('max_training_rows') %}

with

summary as (
    select * from {{ ref('int_customer_value_summary_monthly') }}
),

periods as (
    select * from {{ ref('int_value_model_periods') }}
),

current_summary as (
    select * from summary
    where is_current_period
),

calibration_summary as (
    select summary.*
    from summary
    inner join periods
        on summary.period_month_end = periods.calibration_month_end
    where summary.period_month_end < periods.as_of_month_end
),

fit_rows as (
    select
        'current' as fit_period,
        current_summary.*,
        cast(null as {{ dbt.type_bigint() }}) as holdout_purchases,
        cast(null as {{ dbt.type_bigint() }}) as holdout_days
    from current_summary

    union all

    select
        'calibration' as fit_period,
        calibration_summary.*,
        current_summary.purchase_days_to_date - calibration_summary.purchase_days_to_date as holdout_purchases,
        {{ segmentation_days_between('calibration_summary.period_end_date', 'periods.as_of_date') }} as holdout_days
    from calibration_summary
    cross join periods
    inner join current_summary
        on calibration_summary.customer_id = current_summary.customer_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by fit_period
            order by
                {{ dbt.hash(dbt.concat([segmentation_to_text('customer_id'), dbt.string_literal(seed | string)])) }},
                customer_id
        ) as sample_rank
    from fit_rows
    where repeat_purchase_days = 0 or repeat_purchase_day_value > 0
),

collapsed as (
    select
        fit_period,
        period_end_date as fit_end_date,
        repeat_purchase_days as frequency,
        first_to_last_days as recency_days,
        age_days,
        case when repeat_purchase_days > 0 then round(repeat_purchase_day_value, 2) end as repeat_purchase_day_value,
        holdout_purchases,
        holdout_days,
        -- not a key: the mean over the group (the simple spend estimate's fallback), rounded so that
        -- a parallel sum's last bits never change the fit
        round(avg(purchase_day_value), 6) as purchase_day_value,
        count(*) as customers
    from ranked
    where sample_rank <= {{ max_rows }}
    group by 1, 2, 3, 4, 5, 6, 7, 8
)

select * from collapsed
