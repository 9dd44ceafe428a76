-- How far today's customers have drifted from the clustering definition in force, one row per
-- build check month and measure, with the refit decision that build took: "re-assess the
-- segments" is a query on this table. Measures (segmentation.definitions):
--   feature_psi       population stability index of one clustering feature: today's buyers in
--                     the fit sample's decile bins against the fit sample (above the threshold
--                     segmentation__drift_psi_threshold is a significant shift);
--   reassigned_share  share of today's sample whose cluster changes when k-means is refitted at
--                     the same k from the stored centroids (segmentation__drift_reassigned_share);
--   value_purchase_days_error, value_revenue_error  the customer-value model's relative error on
--                     its holdout period, in total (fct_value_model_holdout; the current check
--                     month only: the value model is refitted on every build).
-- A check month that fitted a new definition has no drift rows of its own except the decision.
with

registry as (
    select * from {{ ref('segmentation_cluster_model') }}
),

value_holdout as (
    select * from {{ ref('fct_value_model_holdout') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

checks as (
    select * from registry
    where artifact = 'check'
),

decisions as (
    select
        check_month_end,
        max(definition_version) as definition_version,
        cast(
            max(case when parameter_name = 'checked_definition_version' then numeric_value end) as {{ dbt.type_bigint() }}
        ) as checked_definition_version,
        max(case when parameter_name = 'decision' then text_value end) as refit_decision,
        max(case when parameter_name = 'reason' then text_value end) as refit_reason,
        max(case when parameter_name = 'refit_setting' then text_value end) as refit_setting,
        max(case when parameter_name = 'psi_threshold' then numeric_value end) as psi_threshold,
        max(case when parameter_name = 'reassigned_threshold' then numeric_value end)
            as reassigned_threshold
    from checks
    group by check_month_end
),

measures as (
    select
        check_month_end,
        'feature_psi' as measure,
        feature_name,
        numeric_value as measured_value
    from checks
    where parameter_name = 'psi'

    union all

    select
        check_month_end,
        'reassigned_share' as measure,
        cast(null as {{ dbt.type_string() }}) as feature_name,
        numeric_value as measured_value
    from checks
    where parameter_name = 'reassigned_share'

    union all

    select
        analysis_window.as_of_month_end as check_month_end,
        'value_purchase_days_error' as measure,
        cast(null as {{ dbt.type_string() }}) as feature_name,
        value_holdout.purchase_days_relative_error as measured_value
    from value_holdout
    cross join analysis_window
    where value_holdout.repeat_purchase_days_bucket = 'total'

    union all

    select
        analysis_window.as_of_month_end as check_month_end,
        'value_revenue_error' as measure,
        cast(null as {{ dbt.type_string() }}) as feature_name,
        value_holdout.revenue_relative_error as measured_value
    from value_holdout
    cross join analysis_window
    where value_holdout.repeat_purchase_days_bucket = 'total'
),

drift as (
    select
        decisions.check_month_end,
        measures.measure,
        measures.feature_name,
        decisions.checked_definition_version,
        decisions.definition_version,
        measures.measured_value,
        case
            when measures.measure = 'feature_psi' then decisions.psi_threshold
            when measures.measure = 'reassigned_share' then decisions.reassigned_threshold
        end as threshold,
        decisions.refit_setting,
        decisions.refit_decision,
        decisions.refit_reason
    from decisions
    left join measures
        on decisions.check_month_end = measures.check_month_end
),

flagged as (
    select
        check_month_end,
        coalesce(measure, 'none') as measure,
        feature_name,
        checked_definition_version,
        definition_version,
        measured_value,
        threshold,
        measured_value > threshold as is_over_threshold,
        refit_setting,
        refit_decision,
        refit_reason
    from drift
)

select * from flagged
