-- One row per customer: profile, features, RFM scores and segments as of the as-of date.
-- Session and ticket counts are null without an engagement or support source, as the order
-- shares are without the order column they need (int_customer_features_monthly).
{%- set has_engagement = segmentation_source_has_column('engagement_events', 'event_type') %}
{%- set has_support = segmentation_source_has_column('support_tickets', 'ticket_id') %}
with

customers as (
    select * from {{ ref('int_customers_unioned') }}
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    where is_current_period
),

segments as (
    select * from {{ ref('fct_customer_segments_monthly') }}
    where is_current_period
),

top_categories as (
    -- a known category only: 'uncategorised' is never the top category (as in dim_segments)
    select * from {{ ref('int_customer_category_mix') }}
    where category_rank = 1 and category != 'uncategorised'
),

final as (
    select
        -- ids
        customers.customer_id,
        -- profile
        customers.country,
        customers.region,
        customers.acquisition_channel,
        customers.birth_year,
        customers.gender,
        customers.is_in_customer_source,
        customers.signup_at,
        features.period_end_date as as_of_date,
        -- RFM
        features.recency_days,
        features.frequency,
        features.monetary,
        segments.r_score,
        segments.f_score,
        segments.m_score,
        segments.rfm_segment,
        -- clusters
        segments.cluster_id,
        segments.cluster_segment,
        -- composite
        segments.value_tier,
        segments.lifecycle_stage,
        segments.engagement_level,
        segments.composite_segment,
        -- potential (customer-value model)
        segments.potential_tier,
        segments.probability_alive,
        segments.expected_orders,
        segments.expected_order_value,
        segments.predicted_revenue,
        segments.predicted_value,
        -- behaviour
        features.frequency_to_date,
        features.monetary_to_date,
        features.tenure_days,
        features.avg_order_value,
        features.days_between_orders,
        features.discount_share,
        features.return_rate,
        features.orders_last_30_days,
        features.orders_last_90_days,
        features.orders_last_365_days,
        features.net_revenue_last_30_days,
        features.net_revenue_last_90_days,
        features.net_revenue_last_365_days,
        -- needs and channels
        features.categories_bought,
        top_categories.category as top_category,
        top_categories.spend_share as top_category_share,
        features.web_order_share,
        features.app_order_share,
        features.store_order_share,
        -- engagement
        features.email_open_rate,
        features.email_click_rate,
        {% if has_engagement -%}
        features.web_sessions_last_90_days,
        {%- else -%}
        cast(null as {{ dbt.type_bigint() }}) as web_sessions_last_90_days,
        {%- endif %}
        {% if has_engagement -%}
        features.app_sessions_last_90_days,
        {%- else -%}
        cast(null as {{ dbt.type_bigint() }}) as app_sessions_last_90_days,
        {%- endif %}
        features.app_session_share,
        -- service and satisfaction
        {% if has_support -%}
        features.support_tickets,
        {%- else -%}
        cast(null as {{ dbt.type_bigint() }}) as support_tickets,
        {%- endif %}
        {% if has_support -%}
        features.support_tickets_last_365_days,
        {%- else -%}
        cast(null as {{ dbt.type_bigint() }}) as support_tickets_last_365_days,
        {%- endif %}
        features.avg_ticket_satisfaction,
        features.latest_nps_score,
        features.nps_class,
        -- demographics
        case
            when customers.birth_year is null then null
            when extract(year from features.period_end_date) - customers.birth_year < 25 then '18-24'
            when extract(year from features.period_end_date) - customers.birth_year < 35 then '25-34'
            when extract(year from features.period_end_date) - customers.birth_year < 45 then '35-44'
            when extract(year from features.period_end_date) - customers.birth_year < 55 then '45-54'
            when extract(year from features.period_end_date) - customers.birth_year < 65 then '55-64'
            else '65+'
        end as age_band,
        -- dates
        features.first_ordered_date,
        features.last_ordered_date
    from customers
    inner join features
        on customers.customer_id = features.customer_id
    inner join segments
        on customers.customer_id = segments.customer_id
    left join top_categories
        on customers.customer_id = top_categories.customer_id
)

select * from final
