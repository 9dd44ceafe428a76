-- The fitted customer-value model parameters: one row per fit, model and parameter.
with

fit as (
    select * from {{ ref('value_model_fit') }}
),

parameters as (
    select
        fit_period,
        model,
        parameter_name,
        parameter_value,
        time_unit,
        cast(fit_end_date as date) as fit_end_date,
        customers_used
    from fit
)

select * from parameters
