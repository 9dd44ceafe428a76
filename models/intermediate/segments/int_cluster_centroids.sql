-- One row per cluster: its generated name and description and its centroid in scaled space,
-- one column per clustering feature.
with

artifacts as (
    select * from {{ ref('segmentation_cluster_model') }}
),

clusters as (
    select
        {% for feature in segmentation_setting('cluster_features') %}
        max(
            case when parameter_name = 'centroid_z' and feature_name = '{{ feature }}' then numeric_value end
        ) as {{ feature }}__centroid_z,
        {% endfor %}
        cluster_id,
        max(case when parameter_name = 'cluster_name' then text_value end) as cluster_name,
        max(case when parameter_name = 'cluster_description' then text_value end) as cluster_description,
        max(case when parameter_name = 'training_share' then numeric_value end) as training_share
    from artifacts
    where artifact in ('cluster', 'centroid')
    group by cluster_id
)

select * from clusters
