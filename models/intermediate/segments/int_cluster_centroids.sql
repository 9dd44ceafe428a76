-- One row per cluster: its generated name, description and share of the training sample.
with

artifacts as (
    select * from {{ ref('segmentation_cluster_model') }}
),

clusters as (
    select
        cluster_id,
        max(case when parameter_name = 'cluster_name' then text_value end) as cluster_name,
        max(case when parameter_name = 'cluster_description' then text_value end) as cluster_description,
        max(case when parameter_name = 'training_share' then numeric_value end) as training_share
    from artifacts
    where artifact = 'cluster'
    group by cluster_id
)

select * from clusters
