{{ config(materialized='table') }}

-- Every customer at every period end assigned to the nearest cluster centroid (Euclidean
-- distance in the scaled feature space; ties go to the lower cluster_id). Scoring runs here in
-- SQL, so it scales with the warehouse and history uses the same definitions as the fit.
{%- set features = segmentation_setting('cluster_features') %}

with

features as (
    select * from {{ ref('int_cluster_features_monthly') }}
),

scaling as (
    select * from {{ ref('int_cluster_scaling') }}
),

clusters as (
    select * from {{ ref('int_cluster_centroids') }}
),

artifacts as (
    select * from {{ ref('segmentation_cluster_model') }}
),

centroids as (
    -- one row per cluster, one centroid column per feature
    select
        {% for feature in features %}
        max(case when artifacts.feature_name = '{{ feature }}' then artifacts.numeric_value end)
            as {{ feature }}__centroid_z,
        {% endfor %}
        clusters.cluster_id,
        clusters.cluster_name
    from clusters
    inner join artifacts
        on clusters.cluster_id = artifacts.cluster_id
    where artifacts.artifact = 'centroid' and artifacts.parameter_name = 'centroid_z'
    group by clusters.cluster_id, clusters.cluster_name
),

scaling_wide as (
    select
        {% for feature in features %}
        max(case when feature_name = '{{ feature }}' then transform_name end) as {{ feature }}__transform,
        max(case when feature_name = '{{ feature }}' then fill_value end) as {{ feature }}__fill,
        max(case when feature_name = '{{ feature }}' then center end) as {{ feature }}__center,
        max(case when feature_name = '{{ feature }}' then scale end) as {{ feature }}__scale,
        {% endfor %}
        count(*) as scaled_features
    from scaling
),

scaled as (
    select
        {% for feature in features %}
        (
            case
                when scaling_wide.{{ feature }}__transform = 'log1p'
                    then ln(1 + greatest(coalesce(features.{{ feature }}, scaling_wide.{{ feature }}__fill), 0))
                else coalesce(features.{{ feature }}, scaling_wide.{{ feature }}__fill)
            end - scaling_wide.{{ feature }}__center
        ) / scaling_wide.{{ feature }}__scale as {{ feature }}__z,
        {% endfor %}
        features.customer_id,
        features.period_month_end
    from features
    cross join scaling_wide
),

distances as (
    select
        scaled.customer_id,
        scaled.period_month_end,
        centroids.cluster_id,
        centroids.cluster_name,
        (
            0
            {% for feature in features %}
            + (scaled.{{ feature }}__z - centroids.{{ feature }}__centroid_z)
            * (scaled.{{ feature }}__z - centroids.{{ feature }}__centroid_z)
            {% endfor %}
        ) as squared_distance
    from scaled
    cross join centroids
),

ranked as (
    select
        customer_id,
        period_month_end,
        cluster_id,
        cluster_name,
        squared_distance,
        row_number() over (
            partition by customer_id, period_month_end
            order by squared_distance, cluster_id
        ) as distance_rank
    from distances
),

assigned as (
    select
        customer_id,
        period_month_end,
        cluster_id,
        cluster_name as cluster_segment,
        sqrt(squared_distance) as distance_to_centroid
    from ranked
    where distance_rank = 1
)

select * from assigned
