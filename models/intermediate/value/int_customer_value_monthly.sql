{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- Customer value at every customer and period end (int_customer_value_scored_monthly) with the
-- potential tier after small tiers are merged (int_potential_tier_merges). Customers without a
-- completed order are Prospects with null values.
-- Point in time (incremental, like int_customer_value_scored_monthly): a past month keeps its
-- values and tiers; a build computes only the months after the last stored one, and that one
-- when it was an open period.
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    {%- if is_incremental() %}
    where {{ segmentation_new_months() }}
    {%- endif %}
),

scored as (
    select scored.*
    from {{ ref('int_customer_value_scored_monthly') }} as scored
    {%- if is_incremental() %}
    where {{ segmentation_new_months('scored.period_month_end') }}
    {%- endif %}
),

tier_merges as (
    select tier_merges.*
    from {{ ref('int_potential_tier_merges') }} as tier_merges
    {%- if is_incremental() %}
    where {{ segmentation_new_months('tier_merges.period_month_end') }}
    {%- endif %}
),

customer_values as (
    select
        features.customer_id,
        features.period_month_end,
        features.period_end_date,
        scored.value_definition_version,
        scored.probability_alive,
        scored.expected_orders,
        scored.expected_order_value,
        scored.predicted_revenue,
        scored.predicted_value,
        scored.predicted_value_percentile,
        scored.is_lapsed_one_time_buyer,
        coalesce(tier_merges.merged_potential_tier, 'Prospects') as potential_tier,
        coalesce(tier_merges.merged_potential_rank, 6) as potential_rank
    from features
    left join scored
        on
            features.customer_id = scored.customer_id
            and features.period_month_end = scored.period_month_end
    left join tier_merges
        on
            scored.period_month_end = tier_merges.period_month_end
            and scored.potential_rank = tier_merges.potential_rank
)

select * from customer_values
