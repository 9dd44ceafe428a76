{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- Every customer at every period end in one cluster segment: a buyer (a completed order to date)
-- in the cluster of the nearest fitted centroid (Euclidean distance in the scaled feature
-- space; ties go to the lower centroid_id; a centroid merged into a neighbour for being too
-- small belongs to that neighbour's cluster), a customer without a completed order in the
-- prospects segment (not clustered). Scoring runs here in SQL, so it scales with the warehouse
-- and history uses the same definitions as the fit: one pass over the customer-months with a
-- distance column per centroid, no cross join or window.
-- Point in time (incremental): each month end is scored once, with the definition in force when
-- it is first built (int_cluster_definition), and keeps its definition_version; a normal build
-- rescores the last stored month only when it was an open period (the last build's as-of date
-- fell before its month end) and appends the months after it, so a refit changes no past
-- month; --full-refresh rescores every month with the definition in force now.
{%- set features = segmentation_setting('cluster_features') %}
{#- One distance column per fitted centroid and an arg-min over them, instead of a cross join of
    every customer-month with every centroid ranked by a window. #}
{%- set centroid_ids = segmentation_fitted_centroid_ids() %}
{%- set distance_columns = [] %}
{%- for centroid_id in centroid_ids %}{% do distance_columns.append('squared_distance_' ~ centroid_id) %}{% endfor %}

with

features as (
    select * from {{ ref('int_cluster_features_monthly') }}
    {%- if is_incremental() %}
    -- the months after the last stored one, and the last stored one itself when it was an open
    -- period (it ended on an as-of date before its month end)
    where period_month_end > (select max(stored.period_month_end) from {{ this }} as stored)
        or period_month_end = (
            select max(stored.period_month_end) from {{ this }} as stored
            where stored.period_end_date < stored.period_month_end
        )
    {%- endif %}
),

scaling as (
    select * from {{ ref('int_cluster_scaling') }}
),

clusters as (
    select * from {{ ref('int_cluster_centroids') }}
),

artifacts as (
    select * from {{ ref('int_cluster_definition') }}
),

centroids as (
    -- one row per fitted centroid: one coordinate column per feature, and its cluster
    select
        {% for feature in features %}
        max(case when feature_name = '{{ feature }}' then numeric_value end)
            as {{ feature }}__centroid_z,
        {% endfor %}
        centroid_id,
        max(cluster_id) as cluster_id
    from artifacts
    where artifact = 'centroid' and parameter_name = 'centroid_z'
    group by centroid_id
),

prospect_segment as (
    select
        cluster_id,
        cluster_name
    from clusters
    where is_prospect_segment
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
        features.period_month_end,
        features.period_end_date,
        features.is_buyer
    from features
    cross join scaling_wide
),

centroids_wide as (
    -- one row: every centroid coordinate as a column
    select
        {% for centroid_id in centroid_ids %}
        {% for feature in features %}
        max(case when centroid_id = {{ centroid_id }} then {{ feature }}__centroid_z end)
            as c{{ centroid_id }}__{{ feature }},
        {% endfor %}
        {% endfor %}
        count(*) as fitted_centroids
    from centroids
),

distances as (
    select
        {% for centroid_id in centroid_ids %}
        (
            0
            {% for feature in features %}
            + (scaled.{{ feature }}__z - centroids_wide.c{{ centroid_id }}__{{ feature }})
            * (scaled.{{ feature }}__z - centroids_wide.c{{ centroid_id }}__{{ feature }})
            {% endfor %}
        ) as squared_distance_{{ centroid_id }},
        {% endfor %}
        scaled.customer_id,
        scaled.period_month_end,
        scaled.period_end_date,
        scaled.is_buyer
    from scaled
    cross join centroids_wide
),

nearest as (
    select
        customer_id,
        period_month_end,
        period_end_date,
        is_buyer,
        sqrt(least({{ distance_columns | join(', ') }})) as distance_to_centroid,
        -- the nearest centroid; on a tie the lower centroid_id
        case
            {%- for centroid_id in centroid_ids %}
            when squared_distance_{{ centroid_id }} = least({{ distance_columns | join(', ') }}) then {{ centroid_id }}
            {%- endfor %}
            else {{ centroid_ids[0] }}
        end as centroid_id
    from distances
),

assigned as (
    select
        nearest.customer_id,
        nearest.period_month_end,
        nearest.period_end_date,
        clusters.cluster_id,
        clusters.cluster_name as cluster_segment,
        clusters.cluster_rank,
        case when nearest.is_buyer then nearest.distance_to_centroid end as distance_to_centroid,
        clusters.definition_version
    from nearest
    inner join centroids
        on nearest.centroid_id = centroids.centroid_id
    cross join prospect_segment
    inner join clusters
        on clusters.cluster_id = case
            when nearest.is_buyer then centroids.cluster_id
            else prospect_segment.cluster_id
        end
)

select * from assigned
