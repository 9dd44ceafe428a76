-- What the customer-value fit reads: the purchase summary at the calibration and the current
-- period end, on a seeded sample of at most segmentation__max_training_rows customers each, with
-- identical summaries collapsed into one row and a customer count. Rows where repeat buyers have
-- no positive net spend (everything refunded) are left out of the fit: Gamma-Gamma needs
-- positive spend (they are still scored).
{%- set seed = segmentation_setting('seed') %}
{%- set max_rows = segmentation_setting('max_training_rows') %}

with

summary as (
    select * from {{ ref('int_customer_value_summary_monthly') }}
),

periods as (
    select * from {{ ref('int_value_model_periods') }}
),

fit_rows as (
    select
        'current' as fit_period,
        summary.*
    from summary
    where summary.is_current_period

    union all

    select
        'calibration' as fit_period,
        summary.*
    from summary
    inner join periods
        on summary.period_month_end = periods.calibration_month_end
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
    where repeat_orders = 0 or mean_order_value > 0
),

collapsed as (
    select
        fit_period,
        period_end_date as fit_end_date,
        repeat_orders as frequency,
        repeat_span_days as recency_days,
        customer_age_days as age_days,
        case when repeat_orders > 0 then round(mean_order_value, 2) end as mean_order_value,
        count(*) as customers
    from ranked
    where sample_rank <= {{ max_rows }}
    group by 1, 2, 3, 4, 5, 6
)

select * from collapsed
