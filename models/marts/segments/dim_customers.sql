-- One row per customer: profile, features, RFM scores and segments as of the as-of date.
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
        -- behaviour
        features.tenure_days,
        features.avg_order_value,
        features.days_between_orders,
        features.discount_share,
        features.return_rate,
        features.orders_last_3_months,
        features.net_revenue_last_3_months,
        -- engagement and service
        features.email_open_rate,
        features.email_click_rate,
        features.web_sessions,
        features.app_sessions,
        features.app_session_share,
        features.support_tickets,
        features.latest_nps_score,
        -- timestamps
        features.first_ordered_at,
        features.last_ordered_at
    from customers
    inner join features
        on customers.customer_id = features.customer_id
    inner join segments
        on customers.customer_id = segments.customer_id
)

select * from final
