-- The fitted customer-value model parameters: one row per fit, model and parameter, with which
-- models each fit scores with, why, and whether the holdout validated it.
with

fit as (
    select * from {{ ref('value_model_fit') }}
),

validation as (
    select * from {{ ref('int_value_model_validation') }}
),

parameters as (
    select
        fit.fit_period,
        fit.model,
        fit.parameter_name,
        fit.parameter_value,
        fit.time_unit,
        cast(fit.fit_end_date as date) as fit_end_date,
        fit.customers_used,
        fit.is_chosen,
        fit.fit_status,
        fit.choice_reason,
        validation.value_model_status,
        validation.validation_summary,
        fit.definition_version,
        cast(fit.fitted_on_month_end as date) as fitted_on_month_end
    from fit
    left join validation
        on fit.fit_period = validation.fit_period
)

select * from parameters
