{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- One row per customer and month end, from the customer's first month to the as-of month: the
-- customer's state as of that period end (the last period ends on the as-of date itself).
-- Each figure is an as-of lookup into int_customer_daily_running_totals (orders, categories,
-- service) or int_customer_daily_engagement_totals (emails, sessions): "to date" is the running
-- total at the period end, "last N days" the difference with the total N days earlier; "in the
-- period" comes from the orders of the month (an equi-join). No range join of raw rows.
-- Incremental: a build recomputes the last stored month (it may have ended on an earlier as-of
-- date) and appends the months after it; --full-refresh gives the same rows.
{%- set lookback_days = segmentation_setting('lookback_days') %}
{%- set totals = [
    'completed_orders', 'returned_orders', 'net_revenue', 'gross_revenue', 'discount_amount',
    'web_orders', 'app_orders', 'store_orders', 'categories_bought', 'support_tickets',
    'satisfaction_sum', 'satisfaction_ratings', 'first_ordered_date', 'last_ordered_date',
    'latest_nps_score',
] %}
{%- set running_totals = ref('int_customer_daily_running_totals') %}
{%- set engagement_totals = ref('int_customer_daily_engagement_totals') %}
{#- Every further as-of lookup: its probe date, the history table and the few totals it needs (a
    narrow payload keeps the as-of joins cheap); the columns come out as <prefix><column>. #}
{%- set lookups = [
    {'name': 'engagement_at_end', 'prefix': 'end_', 'probe': 'period_end_date', 'history': engagement_totals,
     'columns': ['emails_delivered', 'emails_opened', 'emails_clicked', 'web_sessions', 'app_sessions']},
    {'name': 'orders_at_d30', 'prefix': 'd30_', 'probe': 'date_30_days_before', 'history': running_totals,
     'columns': ['completed_orders', 'net_revenue']},
    {'name': 'orders_at_d90', 'prefix': 'd90_', 'probe': 'date_90_days_before', 'history': running_totals,
     'columns': ['completed_orders', 'net_revenue']},
    {'name': 'engagement_at_d90', 'prefix': 'd90_', 'probe': 'date_90_days_before', 'history': engagement_totals,
     'columns': ['web_sessions', 'app_sessions']},
    {'name': 'orders_at_d365', 'prefix': 'd365_', 'probe': 'date_365_days_before', 'history': running_totals,
     'columns': ['completed_orders', 'net_revenue', 'support_tickets']},
] %}
{%- if lookback_days is not none %}
    {%- do lookups.append({'name': 'orders_at_lookback', 'prefix': 'lookback_', 'probe': 'lookback_start_date',
                           'history': running_totals, 'columns': ['completed_orders', 'net_revenue']}) %}
{%- endif %}
{#- the windows: "last N days" = total at the end - total N days earlier #}
{%- set windows = {
    '30_days': {'prefix': 'd30_', 'columns': ['completed_orders', 'net_revenue']},
    '90_days': {'prefix': 'd90_', 'columns': ['completed_orders', 'net_revenue', 'web_sessions', 'app_sessions']},
    '365_days': {'prefix': 'd365_', 'columns': ['completed_orders', 'net_revenue', 'support_tickets']},
} %}

{%- if is_incremental() and execute %}
    {%- set stored = run_query(
        'select max(period_month_end) from ' ~ this
        ~ ' having max(period_month_end) > (select as_of_month_end from ' ~ ref('int_analysis_window') ~ ')'
    ) %}
    {%- if stored.rows | length > 0 %}
        {{ exceptions.raise_compiler_error(
            "int_customer_features_monthly holds months after the as-of month (up to "
            ~ stored.columns[0].values()[0] ~ "); rebuild it with --full-refresh to move the as-of date back."
        ) }}
    {%- endif %}
{%- endif %}

with

customers as (
    select * from {{ ref('int_customers_unioned') }}
),

orders as (
    select * from {{ ref('int_orders_netted') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

month_numbers as (
    {{ dbt.generate_series(1200) }}
),

first_month as (
    select
        cast(
            {{ dbt.date_trunc('month', 'least(min(customers.first_seen_at), min(analysis_window.first_month_end))') }}
            as date
        ) as first_month_start
    from customers
    cross join analysis_window
),

months as (
    select
        {{ segmentation_month_end(dbt.dateadd('month', 'month_numbers.generated_number - 1', 'first_month.first_month_start')) }}
            as period_month_end
    from first_month
    cross join month_numbers
),

customer_months as (
    select
        customers.customer_id,
        months.period_month_end,
        least(months.period_month_end, analysis_window.as_of_date) as period_end_date,
        months.period_month_end = analysis_window.as_of_month_end as is_current_period,
        cast(customers.signup_at as date) as signup_date,
        {%- if lookback_days is not none %}
        cast(
            {{ dbt.dateadd('day', -lookback_days, 'least(months.period_month_end, analysis_window.as_of_date)') }}
            as date
        ) as lookback_start_date,
        {%- endif %}
        cast({{ dbt.dateadd('day', -30, 'least(months.period_month_end, analysis_window.as_of_date)') }} as date)
            as date_30_days_before,
        cast({{ dbt.dateadd('day', -90, 'least(months.period_month_end, analysis_window.as_of_date)') }} as date)
            as date_90_days_before,
        cast({{ dbt.dateadd('day', -365, 'least(months.period_month_end, analysis_window.as_of_date)') }} as date)
            as date_365_days_before
    from customers
    cross join analysis_window
    inner join months
        on
            {{ segmentation_month_end('coalesce(customers.first_seen_at, analysis_window.as_of_date)') }}
            <= months.period_month_end
            and analysis_window.as_of_month_end >= months.period_month_end
    where
        coalesce(cast(customers.first_seen_at as date), analysis_window.as_of_date) <= analysis_window.as_of_date
    {% if is_incremental() %}
        and months.period_month_end >= (
            select coalesce(max(stored.period_month_end), cast('1900-01-31' as date))
            from {{ this }} as stored
        )
    {% endif %}
),

order_months as (
    -- the orders of each customer and month: "in the period" is an equi-join, not an as-of lookup
    select
        customer_id,
        period_month_end,
        count(*) as orders_placed,
        sum(case when is_completed then 1 else 0 end) as completed_orders,
        sum(net_revenue) as net_revenue
    from orders
    group by 1, 2
),

{# The running totals are read from the tables in each as-of join, not through import CTEs: a
    CTE read several times is materialised again by DuckDB. #}
at_period_end as (
    {{ segmentation_as_of_join(
        'customer_months', 'customer_months.period_end_date',
        running_totals, 'activity_date', 'customer_id', totals, 'end_'
    ) }}
),
{# One narrow as-of join per further lookup (only the keys travel through it), joined back 1:1 on
    the customer-month key: chaining the joins would drag every earlier column through each sort. #}
{%- for lookup in lookups %}

{{ lookup.name }}_probes as (
    select
        customer_id,
        period_month_end,
        {{ lookup.probe }} as probe_date
    from customer_months
),

{{ lookup.name }} as (
    {{ segmentation_as_of_join(
        lookup.name ~ '_probes', lookup.name ~ '_probes.probe_date',
        lookup.history, 'activity_date', 'customer_id', lookup.columns, lookup.prefix
    ) }}
),
{%- endfor %}

looked_up as (
    select
        at_period_end.*,
        {%- for lookup in lookups %}
        {%- for column in lookup.columns %}
        {{ lookup.name }}.{{ lookup.prefix }}{{ column }},
        {%- endfor %}
        {%- endfor %}
        coalesce(order_months.orders_placed, 0) as orders_placed_in_period,
        coalesce(order_months.completed_orders, 0) as completed_orders_in_period,
        coalesce(order_months.net_revenue, 0) as net_revenue_in_period
    from at_period_end
    {% for lookup in lookups -%}
    inner join {{ lookup.name }}
        on
            at_period_end.customer_id = {{ lookup.name }}.customer_id
            and at_period_end.period_month_end = {{ lookup.name }}.period_month_end
    {% endfor -%}
    left join order_months
        on
            at_period_end.customer_id = order_months.customer_id
            and at_period_end.period_month_end = order_months.period_month_end
),

zeroed as (
    -- a missing as-of row means nothing had happened yet: totals are 0
    select
        *,
        {%- for days, window in windows.items() %}
        {%- for column in window.columns %}
        coalesce(end_{{ column }}, 0) - coalesce({{ window.prefix }}{{ column }}, 0) as {{ column }}_last_{{ days }},
        {%- endfor %}
        {%- endfor %}
        coalesce(end_completed_orders, 0) as frequency_to_date,
        coalesce(end_net_revenue, 0) as monetary_to_date
    from looked_up
),

features as (
    select
        -- keys
        customer_id,
        period_month_end,
        period_end_date,
        is_current_period,
        -- value (RFM): recency always from the last completed order; frequency and monetary
        -- within segmentation__lookback_days when it is set, else over all history
        {{ segmentation_days_between('end_last_ordered_date', 'period_end_date') }} as recency_days,
        {%- if lookback_days is not none %}
        coalesce(end_completed_orders, 0) - coalesce(lookback_completed_orders, 0) as frequency,
        coalesce(end_net_revenue, 0) - coalesce(lookback_net_revenue, 0) as monetary,
        {%- else %}
        frequency_to_date as frequency,
        monetary_to_date as monetary,
        {%- endif %}
        frequency_to_date,
        monetary_to_date,
        -- behaviour
        {{ segmentation_days_between('signup_date', 'period_end_date') }} as tenure_days,
        monetary_to_date / nullif(frequency_to_date, 0) as avg_order_value,
        case
            when frequency_to_date > 1
                then
                    {{ segmentation_days_between('end_first_ordered_date', 'end_last_ordered_date') }}
                    * 1.0 / (frequency_to_date - 1)
        end as days_between_orders,
        end_discount_amount / nullif(end_gross_revenue, 0) as discount_share,
        end_returned_orders * 1.0 / nullif(frequency_to_date + end_returned_orders, 0) as return_rate,
        orders_placed_in_period as orders_in_period,
        completed_orders_in_period,
        net_revenue_in_period,
        completed_orders_last_30_days as orders_last_30_days,
        completed_orders_last_90_days as orders_last_90_days,
        completed_orders_last_365_days as orders_last_365_days,
        net_revenue_last_30_days,
        net_revenue_last_90_days,
        net_revenue_last_365_days,
        -- needs and channels
        coalesce(end_categories_bought, 0) as categories_bought,
        end_web_orders * 1.0 / nullif(frequency_to_date, 0) as web_order_share,
        end_app_orders * 1.0 / nullif(frequency_to_date, 0) as app_order_share,
        end_store_orders * 1.0 / nullif(frequency_to_date, 0) as store_order_share,
        -- engagement
        end_emails_opened * 1.0 / nullif(end_emails_delivered, 0) as email_open_rate,
        end_emails_clicked * 1.0 / nullif(end_emails_delivered, 0) as email_click_rate,
        web_sessions_last_90_days,
        app_sessions_last_90_days,
        end_app_sessions * 1.0 / nullif(end_web_sessions + end_app_sessions, 0) as app_session_share,
        -- service and satisfaction
        coalesce(end_support_tickets, 0) as support_tickets,
        support_tickets_last_365_days,
        end_satisfaction_sum * 1.0 / nullif(end_satisfaction_ratings, 0) as avg_ticket_satisfaction,
        end_latest_nps_score as latest_nps_score,
        case
            when end_latest_nps_score >= 9 then 'promoter'
            when end_latest_nps_score >= 7 then 'passive'
            when end_latest_nps_score >= 0 then 'detractor'
        end as nps_class,
        -- dates
        end_first_ordered_date as first_ordered_date,
        end_last_ordered_date as last_ordered_date
    from zeroed
)

select * from features
