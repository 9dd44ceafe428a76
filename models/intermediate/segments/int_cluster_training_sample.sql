-- The customers the clustering model is fitted on: at most segmentation__max_training_rows
-- buyers (customers with a completed order) of the current period, chosen by a hash of the id
-- (deterministic, order-free). Prospects are not clustered: they are a segment of their own.
-- buyer_share (the same on every row) is the buyers' share of all current customers, so that
-- the fit can hold every cluster to segmentation__min_segment_share of all customers.
with

features as (
    select * from {{ ref('int_cluster_features_monthly') }}
),

current_customers as (
    select
        *,
        avg(case when is_buyer then 1.0 else 0.0 end) over () as buyer_share
    from features
    where is_current_period
),

sample as (
    select
        *,
        {{ dbt.hash('customer_id') }} as sample_key
    from current_customers
    where is_buyer
    order by sample_key, customer_id
    limit {{ segmentation_setting('max_training_rows') }}
)

select * from sample
