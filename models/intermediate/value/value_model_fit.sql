-- The customer-value fit in force for this build: the rows value_model_registry wrote for the
-- as-of month end (its check month), with the definition they belong to. Every scoring model
-- reads the fit from here.
with

registry as (
    select * from {{ ref('value_model_registry') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

in_force as (
    select
        registry.fit_period,
        registry.model,
        registry.parameter_name,
        registry.parameter_value,
        registry.time_unit,
        registry.customers_used,
        registry.is_chosen,
        registry.fit_status,
        registry.choice_reason,
        registry.fit_end_date,
        registry.definition_version,
        registry.fitted_on_month_end
    from registry
    inner join analysis_window
        on registry.check_month_end = analysis_window.as_of_month_end
    -- a fit superseded by a rerun of its check month is kept for the history, not in force
    where registry.refit_decision != 'superseded'
)

select * from in_force
