-- One row per cluster: its generated name, description, defining trait (the playbook key) and
-- share of the training sample. The last cluster_id is the prospects segment (customers without
-- a completed order, not clustered).
with

artifacts as (
    select * from {{ ref('segmentation_cluster_model') }}
),

clusters as (
    select
        cluster_id,
        max(case when parameter_name = 'cluster_name' then text_value end) as cluster_name,
        max(case when parameter_name = 'cluster_description' then text_value end) as cluster_description,
        max(case when parameter_name = 'defining_trait' then text_value end) as defining_trait,
        max(case when parameter_name = 'defining_trait' then feature_name end) as defining_feature,
        max(case when parameter_name = 'training_share' then numeric_value end) as training_share,
        max(case when parameter_name = 'training_customers' then numeric_value end) as training_customers
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
