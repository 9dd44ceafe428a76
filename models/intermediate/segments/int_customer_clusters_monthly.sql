{{ config(materialized='table') }}

-- Every customer at every period end assigned to the nearest cluster centroid (Euclidean
-- distance in the scaled feature space; ties go to the lower cluster_id). Scoring runs here in
-- SQL, so it scales with the warehouse and history uses the same definitions as the fit: one
-- pass over the customer-months with a distance column per cluster, no cross join or window.
{%- set features = segmentation_setting('cluster_features') %}
{#- One distance column per fitted cluster and an arg-min over them, instead of a cross join of
    every customer-month with every centroid ranked by a window. #}
{%- set cluster_ids = segmentation_fitted_cluster_ids() %}
{%- set distance_columns = [] %}
{%- for cluster_id in cluster_ids %}{% do distance_columns.append('squared_distance_' ~ cluster_id) %}{% endfor %}

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

centroids_wide as (
    -- one row: every centroid coordinate as a column
    select
        {% for cluster_id in cluster_ids %}
        {% for feature in features %}
        max(case when cluster_id = {{ cluster_id }} then {{ feature }}__centroid_z end)
            as c{{ cluster_id }}__{{ feature }},
        {% endfor %}
        {% endfor %}
        count(*) as clusters
    from centroids
),

distances as (
    select
        {% for cluster_id in cluster_ids %}
        (
            0
            {% for feature in features %}
            + (scaled.{{ feature }}__z - centroids_wide.c{{ cluster_id }}__{{ feature }})
            * (scaled.{{ feature }}__z - centroids_wide.c{{ cluster_id }}__{{ feature }})
            {% endfor %}
        ) as squared_distance_{{ cluster_id }},
        {% endfor %}
        scaled.customer_id,
        scaled.period_month_end
    from scaled
    cross join centroids_wide
),

nearest as (
    select
        {% for cluster_id in cluster_ids %}
        squared_distance_{{ cluster_id }},
        {% endfor %}
        least({{ distance_columns | join(', ') }})
            as squared_distance,
        customer_id,
        period_month_end
    from distances
),

assigned as (
    -- the nearest centroid; on a tie the lower cluster_id
    select
        nearest.customer_id,
        nearest.period_month_end,
        centroids.cluster_id,
        centroids.cluster_name as cluster_segment,
        sqrt(nearest.squared_distance) as distance_to_centroid
    from nearest
    inner join centroids
        on centroids.cluster_id = case
            {%- for cluster_id in cluster_ids %}
            when nearest.squared_distance_{{ cluster_id }} = nearest.squared_distance then {{ cluster_id }}
            {%- endfor %}
            else {{ cluster_ids[0] }}
        end
)

select * from assigned
