-- How far today's customers have drifted from the definitions in force (the clustering and the
-- customer-value fit, the composite merge map), one row per build check month, definition and measure, with the refit
-- decision that build took for that definition: "re-assess the segments" is a query on this
-- table. Measures (segmentation.definitions):
--   feature_psi       population stability index of one clustering feature: today's buyers in
--                     the fit sample's decile bins against the fit sample (a significant shift
--                     above segmentation__drift_psi_threshold, or above the PSI sampling alone
--                     reaches 1 time in 100 on samples of these sizes when that is higher);
--   reassigned_share  share of today's sample whose cluster changes when k-means is refitted at
--                     the same k from the stored centroids (segmentation__drift_reassigned_share);
--   value_holdout_error  the stored customer-value calibration fit's relative error on the
--                     check's holdout purchase days (value_model_registry; the threshold is
--                     the fit's error on its own holdout + segmentation__drift_value_holdout_error);
--   composite_reassigned_share  share of the current customers a composite merge map decided
--                     today would put in another segment (int_composite_map_registry;
--                     segmentation__drift_reassigned_share).
-- A check month that fitted a first definition has one row per definition, measure none.
with

registry as (
    select * from {{ ref('segmentation_cluster_model') }}
),

value_registry as (
    select * from {{ ref('value_model_registry') }}
),

composite_registry as (
    select * from {{ ref('int_composite_map_registry') }}
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
        psi.check_month_end,
        'feature_psi' as measure,
        psi.feature_name,
        psi.numeric_value as measured_value,
        floors.numeric_value as sampling_floor
    from checks as psi
    -- what sampling alone gives 1 time in 100 on samples of these sizes (checks made before it
    -- was recorded have none)
    left join checks as floors
        on
            psi.check_month_end = floors.check_month_end
            and psi.feature_name = floors.feature_name
            and floors.parameter_name = 'psi_sampling_floor'
    where psi.parameter_name = 'psi'

    union all

    select
        check_month_end,
        'reassigned_share' as measure,
        cast(null as {{ dbt.type_string() }}) as feature_name,
        numeric_value as measured_value,
        cast(null as {{ segmentation_type_double() }}) as sampling_floor
    from checks
    where parameter_name = 'reassigned_share'
),

drift as (
    select
        decisions.check_month_end,
        'clustering' as definition,
        measures.measure,
        measures.feature_name,
        decisions.checked_definition_version,
        decisions.definition_version,
        measures.measured_value,
        case
            when measures.measure = 'feature_psi' and measures.sampling_floor > decisions.psi_threshold
                then measures.sampling_floor
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

value_checks as (
    select distinct
        check_month_end,
        'customer_value' as definition,
        case when holdout_error is not null then 'value_holdout_error' end as measure,
        cast(null as {{ dbt.type_string() }}) as feature_name,
        checked_definition_version,
        definition_version,
        holdout_error as measured_value,
        holdout_error_threshold as threshold,
        refit_setting,
        refit_decision,
        refit_reason
    from value_registry
    where refit_decision != 'superseded'
),

composite_checks as (
    select distinct
        check_month_end,
        'composite' as definition,
        case when reassigned_share is not null then 'composite_reassigned_share' end as measure,
        cast(null as {{ dbt.type_string() }}) as feature_name,
        checked_definition_version,
        definition_version,
        reassigned_share as measured_value,
        reassigned_threshold as threshold,
        refit_setting,
        refit_decision,
        refit_reason
    from composite_registry
    where refit_decision != 'superseded'
),

checked as (
    select * from drift
    union all
    select * from value_checks
    union all
    select * from composite_checks
),

flagged as (
    select
        check_month_end,
        definition,
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
    from checked
)

select * from flagged
