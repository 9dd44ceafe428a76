-- One row per clustering definition (definition_version): when and why it was fitted, on which
-- features, its k and clusters, the check months it was in force, whether it is in force now,
-- and what happened to the clusters of the definition before it (lineage: kept, born, retired,
-- merged). The registry is segmentation_cluster_model.
with

registry as (
    select * from {{ ref('segmentation_cluster_model') }}
),

fitted as (
    select
        definition_version,
        min(fitted_on_month_end) as fitted_on_month_end,
        max(case when artifact = 'definition' and parameter_name = 'refit_reason' then text_value end)
            as refit_reason,
        max(case when artifact = 'definition' and parameter_name = 'features' then text_value end)
            as cluster_features,
        max(case when artifact = 'definition' and parameter_name = 'config_fingerprint' then text_value end)
            as settings_fingerprint,
        cast(
            max(case when artifact = 'summary' and parameter_name = 'chosen_k' then numeric_value end) as {{ dbt.type_int() }}
        ) as chosen_k,
        cast(
            max(case when artifact = 'summary' and parameter_name = 'clusters' then numeric_value end) as {{ dbt.type_int() }}
        ) as clusters,
        max(case when artifact = 'summary' and parameter_name = 'training_rows' then numeric_value end)
            as training_customers
    from registry
    where artifact <> 'check'
    group by definition_version
),

in_force as (
    select
        definition_version,
        min(check_month_end) as first_check_month_end,
        max(check_month_end) as last_check_month_end,
        count(distinct check_month_end) as check_months
    from registry
    where artifact = 'check'
    group by definition_version
),

lineage_events as (
    select
        definition_version,
        parameter_name || ' ' || cast(cluster_id as {{ dbt.type_string() }})
        || case
            when numeric_value is not null
                then ' into ' || cast(cast(numeric_value as {{ dbt.type_int() }}) as {{ dbt.type_string() }})
            else ''
        end as event,
        cluster_id
    from registry
    where artifact = 'lineage'
),

lineage as (
    select
        definition_version,
        {{ dbt.listagg('event', "'; '", 'order by cluster_id, event') }} as cluster_lineage
    from lineage_events
    group by definition_version
),

newest as (
    -- the definition the latest check names (not the highest number: a definition superseded by
    -- a rerun of its check month is kept, and may carry a higher number)
    select max(definition_version) as definition_version
    from registry
    where
        artifact = 'check'
        and check_month_end = (select max(checks.check_month_end) from registry as checks)
),

definitions as (
    select
        fitted.definition_version,
        fitted.fitted_on_month_end,
        fitted.refit_reason,
        fitted.cluster_features,
        fitted.settings_fingerprint,
        fitted.chosen_k,
        fitted.clusters,
        cast(fitted.training_customers as {{ dbt.type_bigint() }}) as training_customers,
        in_force.first_check_month_end,
        in_force.last_check_month_end,
        cast(coalesce(in_force.check_months, 0) as {{ dbt.type_bigint() }}) as check_months,
        coalesce(lineage.cluster_lineage, 'first definition') as cluster_lineage,
        fitted.definition_version = newest.definition_version as is_in_force
    from fitted
    cross join newest
    left join in_force
        on fitted.definition_version = in_force.definition_version
    left join lineage
        on fitted.definition_version = lineage.definition_version
)

select * from definitions
