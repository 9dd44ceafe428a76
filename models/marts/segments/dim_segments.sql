-- One row per segmentation and segment as of the as-of date: size, share of customers and of
-- net revenue, average R/F/M and value.
with

memberships as (
    select * from {{ ref('int_segment_memberships_monthly') }}
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    where is_current_period
),

rfm_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

centroids as (
    select * from {{ ref('int_cluster_centroids') }}
),

potential_rules as (
    select * from {{ ref('potential_tier_rules') }}
),

customer_values as (
    select * from {{ ref('int_customer_value_monthly') }}
),

current_members as (
    select
        memberships.segmentation,
        memberships.segment,
        memberships.segment_rank,
        features.customer_id,
        features.recency_days,
        features.frequency,
        features.monetary,
        customer_values.probability_alive,
        customer_values.predicted_value
    from memberships
    inner join features
        on
            memberships.customer_id = features.customer_id
            and memberships.period_month_end = features.period_month_end
    inner join customer_values
        on
            memberships.customer_id = customer_values.customer_id
            and memberships.period_month_end = customer_values.period_month_end
),

sized as (
    select
        segmentation,
        segment,
        min(segment_rank) as segment_rank,
        count(*) as customers,
        sum(monetary) as net_revenue,
        avg(recency_days) as avg_recency_days,
        avg(frequency) as avg_frequency,
        avg(monetary) as avg_monetary,
        sum(monetary) / nullif(sum(frequency), 0) as avg_order_value,
        avg(probability_alive) as avg_probability_alive,
        avg(predicted_value) as avg_predicted_value,
        sum(predicted_value) as predicted_value
    from current_members
    group by 1, 2
),

shares as (
    select
        sized.*,
        sized.customers * 1.0 / sum(sized.customers) over (partition by sized.segmentation) as customer_share,
        sized.net_revenue / nullif(sum(sized.net_revenue) over (partition by sized.segmentation), 0) as revenue_share
    from sized
),

described as (
    select
        -- keys
        shares.segmentation,
        shares.segment,
        shares.segment_rank,
        coalesce(rfm_rules.description, centroids.cluster_description, potential_rules.description) as segment_description,
        -- size and value
        shares.customers,
        shares.customer_share,
        shares.net_revenue,
        shares.revenue_share,
        -- averages
        shares.avg_recency_days,
        shares.avg_frequency,
        shares.avg_monetary,
        shares.avg_order_value,
        -- potential
        shares.avg_probability_alive,
        shares.avg_predicted_value,
        shares.predicted_value
    from shares
    left join rfm_rules
        on
            shares.segmentation = 'rfm'
            and shares.segment = rfm_rules.segment_name
    left join centroids
        on
            shares.segmentation = 'cluster'
            and shares.segment_rank = centroids.cluster_id
    left join potential_rules
        on
            shares.segmentation = 'potential'
            and shares.segment = potential_rules.potential_tier
)

select * from described
