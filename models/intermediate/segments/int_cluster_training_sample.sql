-- The customers the clustering model is fitted on: at most segmentation__max_training_rows
-- customers of the current period, chosen by a hash of the id (deterministic, order-free).
with

features as (
    select * from {{ ref('int_cluster_features_monthly') }}
),

sample as (
    select
        *,
        {{ dbt.hash('customer_id') }} as sample_key
    from features
    where is_current_period
    order by sample_key, customer_id
    limit {{ segmentation_setting('max_training_rows') }}
)

select * from sample
