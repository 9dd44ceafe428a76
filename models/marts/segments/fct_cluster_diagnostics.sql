-- Every candidate k of the clustering with its quality scores and smallest segment, which k was
-- chosen and why, the stability of the chosen solution across refits on resamples, and how many
-- of its centroids were merged into a neighbour for holding under segmentation__min_segment_share
-- (with one line per merge), so that no cluster is left under the share.
-- A k bounded by the data, or a clustering that could not be fitted, is a warning of the build.
{{ config(post_hook="{{ segmentation_warn_cluster_fit(this) }}") }}
with

artifacts as (
    select * from {{ ref('int_cluster_definition') }}
),

candidates as (
    select
        k,
        max(case when parameter_name = 'inertia' then numeric_value end) as inertia,
        max(case when parameter_name = 'silhouette' then numeric_value end) as silhouette,
        max(case when parameter_name = 'davies_bouldin' then numeric_value end) as davies_bouldin,
        max(case when parameter_name = 'smallest_segment_share' then numeric_value end) as smallest_segment_share,
        max(case when parameter_name = 'is_eligible' then numeric_value end) = 1 as is_eligible,
        max(case when parameter_name = 'is_chosen' then numeric_value end) = 1 as is_chosen,
        max(case when parameter_name = 'reason' then text_value end) as reason
    from artifacts
    where artifact = 'k_candidate'
    group by 1
),

summary as (
    select
        max(case when parameter_name = 'training_rows' then numeric_value end) as training_rows,
        max(case when parameter_name = 'stability_ari_mean' then numeric_value end) as stability_ari_mean,
        max(case when parameter_name = 'stability_ari_min' then numeric_value end) as stability_ari_min,
        max(case when parameter_name = 'stability_ari_max' then numeric_value end) as stability_ari_max,
        max(case when parameter_name = 'chosen_k_reason' then text_value end) as chosen_k_reason,
        max(case when parameter_name = 'clusters' then numeric_value end) as clusters,
        max(case when parameter_name = 'merged_centroids' then numeric_value end) as merged_centroids,
        max(case when parameter_name = 'smallest_cluster_share' then numeric_value end) as smallest_cluster_share,
        max(case when parameter_name = 'population_share' then numeric_value end) as buyer_share,
        max(case when parameter_name = 'merges' then text_value end) as merge_log
    from artifacts
    where artifact = 'summary'
),

diagnostics as (
    select
        candidates.*,
        summary.training_rows,
        -- the stability was measured for the k in use only: null on the other candidates
        case when candidates.is_chosen then summary.stability_ari_mean end as stability_ari_mean,
        case when candidates.is_chosen then summary.stability_ari_min end as stability_ari_min,
        case when candidates.is_chosen then summary.stability_ari_max end as stability_ari_max,
        summary.chosen_k_reason,
        cast(summary.clusters as {{ dbt.type_int() }}) as clusters_after_merges,
        cast(summary.merged_centroids as {{ dbt.type_int() }}) as merged_centroids,
        summary.smallest_cluster_share,
        summary.buyer_share,
        case when candidates.is_chosen then summary.merge_log end as merge_log
    from candidates
    cross join summary
)

select * from diagnostics
