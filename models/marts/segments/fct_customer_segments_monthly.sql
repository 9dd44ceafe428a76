-- One row per customer and period end with the features and every segment held then, with its
-- rank: the wide history that migrations and KPIs read (one window per customer, no joins). The
-- RFM columns come through int_customer_composite_monthly, which has joined them already.
-- Incremental: every input is point in time, so a build recomputes only the last stored month
-- (its is_current_period may have ended) and appends the months after it.
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}
{%- set new_months -%}
{%- if is_incremental() %}
    where period_month_end >= (select max(stored.period_month_end) from {{ this }} as stored)
{%- endif -%}
{%- endset %}
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    {{- new_months }}
),

clusters as (
    select * from {{ ref('int_customer_clusters_monthly') }}
    {{- new_months }}
),

composite as (
    select * from {{ ref('int_customer_composite_monthly') }}
    {{- new_months }}
),

customer_values as (
    select * from {{ ref('int_customer_value_monthly') }}
    {{- new_months }}
),

customer_segments as (
    select
        -- keys
        features.customer_id,
        features.period_month_end,
        features.period_end_date,
        features.is_current_period,
        -- segments, each with its rank (1 = most valuable; clusters by cluster_rank)
        composite.r_score,
        composite.f_score,
        composite.m_score,
        composite.rfm_segment,
        composite.rfm_segment_rank,
        clusters.cluster_id,
        clusters.cluster_segment,
        clusters.definition_version as cluster_definition_version,
        composite.value_tier,
        {{ segmentation_value_tier_rank('composite.value_tier') }} as value_tier_rank,
        composite.lifecycle_stage,
        composite.engagement_level,
        composite.composite_segment,
        composite.composite_segment_rank,
        composite.composite_definition_version,
        customer_values.potential_tier,
        customer_values.potential_rank,
        customer_values.value_definition_version,
        -- predicted value
        customer_values.probability_alive,
        customer_values.expected_orders,
        customer_values.expected_order_value,
        customer_values.predicted_revenue,
        customer_values.predicted_value,
        -- value
        features.recency_days,
        features.frequency,
        features.monetary,
        features.avg_order_value,
        -- activity in the period
        features.orders_in_period,
        features.completed_orders_in_period,
        features.net_revenue_in_period,
        features.completed_orders_in_period > 0 as is_active_in_period,
        features.orders_last_365_days,
        -- engagement, satisfaction and service as of the period end
        features.email_open_rate,
        features.email_click_rate,
        features.latest_nps_score,
        features.support_tickets
    from features
    inner join clusters
        on
            features.customer_id = clusters.customer_id
            and features.period_month_end = clusters.period_month_end
    inner join composite
        on
            features.customer_id = composite.customer_id
            and features.period_month_end = composite.period_month_end
    inner join customer_values
        on
            features.customer_id = customer_values.customer_id
            and features.period_month_end = customer_values.period_month_end
)

select * from customer_segments
