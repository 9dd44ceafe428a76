{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- The clustering features of every customer at every period end, with nulls replaced by what
-- they mean: a customer who never ordered has recency = tenure, zero spend, zero rates.
-- Training (Python) and assignment (SQL) both read this model, so they see the same values.
-- Only buyers (is_buyer: a completed order to date) are clustered; the others are Prospects.
-- Incremental: a row depends only on its own customer-month, so a build recomputes the last
-- stored month (it may have been an open period) and adds the months after it.
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    {%- if is_incremental() %}
    where period_month_end >= (select max(stored.period_month_end) from {{ this }} as stored)
    {%- endif %}
),

imputed as (
    select
        customer_id,
        period_month_end,
        period_end_date,
        is_current_period,
        frequency_to_date > 0 as is_buyer,
        coalesce(recency_days, tenure_days, 0) as recency_days,
        frequency_to_date as frequency,
        greatest(monetary_to_date, 0) as monetary,
        coalesce(greatest(avg_order_value, 0), 0) as avg_order_value,
        coalesce(tenure_days, 0) as tenure_days,
        coalesce(days_between_orders, tenure_days, 0) as days_between_orders,
        coalesce(discount_share, 0) as discount_share,
        coalesce(return_rate, 0) as return_rate,
        coalesce(email_open_rate, 0) as email_open_rate,
        coalesce(email_click_rate, 0) as email_click_rate,
        web_sessions_last_90_days,
        app_sessions_last_90_days,
        coalesce(app_session_share, 0) as app_session_share,
        orders_last_90_days,
        greatest(net_revenue_last_90_days, 0) as net_revenue_last_90_days,
        support_tickets,
        categories_bought,
        coalesce(app_order_share, 0) as app_order_share
    from features
)

select * from imputed
