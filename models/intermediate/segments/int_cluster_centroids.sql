-- One row per cluster: its generated name, description, defining trait (the playbook key) and
-- share of the training sample, in the definition in force: cluster_id is stable across refits,
-- cluster_rank the value order (1 = highest value; the prospects segment, customers without
-- a completed order and not clustered, last).
with

artifacts as (
    select * from {{ ref('int_cluster_definition') }}
),

clusters as (
    select
        cluster_id,
        max(case when parameter_name = 'cluster_name' then text_value end) as cluster_name,
        max(case when parameter_name = 'cluster_description' then text_value end) as cluster_description,
        max(case when parameter_name = 'defining_trait' then text_value end) as defining_trait,
        max(case when parameter_name = 'defining_trait' then feature_name end) as defining_feature,
        max(case when parameter_name = 'training_share' then numeric_value end) as training_share,
        max(case when parameter_name = 'training_customers' then numeric_value end) as training_customers,
        cast(max(case when parameter_name = 'cluster_rank' then numeric_value end) as {{ dbt.type_int() }})
            as cluster_rank,
        max(definition_version) as definition_version
    from artifacts
    where artifact = 'cluster'
    group by cluster_id
),

flagged as (
    select
        *,
        defining_trait = 'prospect' as is_prospect_segment
    from clusters
)

select * from flagged
