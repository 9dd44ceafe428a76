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
-- Every "to date" and "last N days" figure is a running sum, over the customer's months, of the
-- monthly deltas in int_customer_activity_monthly (windows enter and leave on exact days there);
-- "in the period" is the month's own delta. One window pass, no as-of join, no range join of raw
-- rows. Incremental: a build recomputes the last stored month (it may have ended on an earlier
-- as-of date) and appends the months after it. Its running sums start from the stored month
-- before (the *_to_date totals and window sums kept in every row, added as one row of deltas), so
-- it reads only the deltas of the months it computes; a customer with no stored row then starts
-- from all of their earlier deltas. Totals are exact (integers and decimals), so --full-refresh
-- gives the same rows (tested).
{%- set lookback_days = segmentation_setting('lookback_days') %}
{#- a figure built on an order column the source file lacks (landed as null, then its default)
    would be true by construction: null instead #}
{%- set has_status = segmentation_source_has_column('orders', 'status') %}
{%- set has_discounts = segmentation_source_has_column('orders', 'discount_amount') %}
{%- set has_channels = segmentation_source_has_column('orders', 'sales_channel') %}
{%- set windows = segmentation_feature_windows() %}
{#- running sums stay 64-bit: counts bigint, money segmentation_type_amount #}
{%- set money = ['net_revenue', 'gross_revenue', 'discount_amount'] %}
{%- set totals = [
    'completed_orders', 'returned_orders', 'net_revenue', 'gross_revenue', 'discount_amount',
    'web_orders', 'app_orders', 'store_orders', 'new_categories', 'emails_delivered', 'emails_opened',
    'emails_clicked', 'web_sessions', 'app_sessions', 'support_tickets', 'satisfaction_sum',
    'satisfaction_ratings',
] %}
{%- set type_of = {} %}
{%- for m in totals %}{% do type_of.update({m: segmentation_type_amount() if m in money else dbt.type_bigint()}) %}{% endfor %}
{#- where each running sum is kept in a row: the stored column a build continues from #}
{%- set stored_total = {
    'completed_orders': 'frequency_to_date', 'net_revenue': 'monetary_to_date',
    'new_categories': 'categories_bought', 'support_tickets': 'support_tickets',
} %}
{%- for m in totals %}{% do stored_total.setdefault(m, m ~ '_to_date') %}{% endfor %}
{%- set stored_window = {'completed_orders_lookback': 'frequency', 'net_revenue_lookback': 'monetary'} %}
{%- for window in windows %}{% for m in window.measures %}
{%- do stored_window.setdefault(m ~ '_' ~ window.name, m.replace('completed_orders', 'orders') ~ '_' ~ window.name) %}
{%- endfor %}{% endfor %}

{{- segmentation_check_stored_months(ref('int_analysis_window')) }}

with

customers as (
    select * from {{ ref('int_customers_unioned') }}
),

{%- if is_incremental() %}

recompute_start as (
    -- the first month end this build computes: the last stored one
    select coalesce(max(stored.period_month_end), cast('1900-01-31' as date)) as first_month_end
    from {{ this }} as stored
),

stored_base as (
    -- each customer's running sums at the month end before it, as one row of deltas
    select
        stored.customer_id,
        stored.period_month_end,
        false as is_period,
        cast(null as date) as period_end_date,
        cast(null as boolean) as is_current_period,
        cast(null as date) as signup_date,
        {%- for measure in totals %}
        stored.{{ stored_total[measure] }} as {{ measure }},
        {%- endfor %}
        {%- for window in windows %}
        {%- for measure in window.measures %}
        stored.{{ stored_window[measure ~ '_' ~ window.name] }} as {{ measure }}_{{ window.name }}_change,
        {%- endfor %}
        {%- endfor %}
        cast(null as {{ dbt.type_int() }}) as orders_placed,
        stored.first_ordered_date,
        stored.last_ordered_date,
        stored.latest_nps_score
    from {{ this }} as stored
    where stored.period_month_end = (
        select {{ segmentation_month_end(dbt.dateadd('month', -1, 'recompute_start.first_month_end')) }}
        from recompute_start
    )
),
{%- endif %}

activity as (
    select all_activity.* from {{ ref('int_customer_activity_monthly') }} as all_activity
    {%- if is_incremental() %}
    -- the months computed, and every month of a customer the stored month before does not hold
    where
        all_activity.period_month_end >= (select recompute_start.first_month_end from recompute_start)
        or not exists (
            select 1 from stored_base
            where stored_base.customer_id = all_activity.customer_id
        )
    {%- endif %}
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
        cast(customers.signup_at as date) as signup_date
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
        and months.period_month_end >= (select recompute_start.first_month_end from recompute_start)
    {% endif %}
),

with_activity as (
    -- every period of the grid, and every month with activity (also before the customer's first
    -- period, or before the months an incremental build recomputes: their deltas still count)
    select
        coalesce(customer_months.customer_id, activity.customer_id) as customer_id,
        coalesce(customer_months.period_month_end, activity.period_month_end) as period_month_end,
        customer_months.customer_id is not null as is_period,
        customer_months.period_end_date,
        customer_months.is_current_period,
        customer_months.signup_date,
        {%- for measure in totals %}
        activity.{{ measure }},
        {%- endfor %}
        {%- for window in windows %}
        {%- for measure in window.measures %}
        activity.{{ measure }}_{{ window.name }}_change,
        {%- endfor %}
        {%- endfor %}
        activity.orders_placed,
        activity.first_ordered_date,
        activity.last_ordered_date,
        activity.latest_nps_score
    from customer_months
    full outer join activity
        on
            customer_months.customer_id = activity.customer_id
            and customer_months.period_month_end = activity.period_month_end
    {%- if is_incremental() %}
    union all
    select * from stored_base
    {%- endif %}
),

running as (
    select
        customer_id,
        period_month_end,
        is_period,
        period_end_date,
        is_current_period,
        signup_date,
        {%- for measure in totals %}
        cast(sum({{ measure }}) over customer_months as {{ type_of[measure] }}) as end_{{ measure }},
        {%- endfor %}
        {%- for window in windows %}
        {%- for measure in window.measures %}
        cast(coalesce(sum({{ measure }}_{{ window.name }}_change) over customer_months, 0) as {{ type_of[measure] }})
            as {{ measure }}_{{ window.name }},
        {%- endfor %}
        {%- endfor %}
        min(first_ordered_date) over customer_months as end_first_ordered_date,
        max(last_ordered_date) over customer_months as end_last_ordered_date,
        last_value(latest_nps_score ignore nulls) over customer_months as end_latest_nps_score,
        coalesce(orders_placed, 0) as orders_placed_in_period,
        coalesce(completed_orders, 0) as completed_orders_in_period,
        coalesce(net_revenue, 0) as net_revenue_in_period
    from with_activity
    window customer_months as (
        partition by customer_id order by period_month_end
        rows between unbounded preceding and current row
    )
),

zeroed as (
    -- no activity yet means totals of 0
    select
        *,
        coalesce(end_completed_orders, 0) as frequency_to_date,
        coalesce(end_net_revenue, 0) as monetary_to_date
    from running
    where is_period
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
        completed_orders_lookback as frequency,
        net_revenue_lookback as monetary,
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
        {{ segmentation_known_or_null(has_discounts, 'end_discount_amount / nullif(end_gross_revenue, 0)') }} as discount_share,
        {{ segmentation_known_or_null(
            has_status, 'end_returned_orders * 1.0 / nullif(frequency_to_date + end_returned_orders, 0)'
        ) }} as return_rate,
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
        -- null when no category is known (no categorised product bought): unknown, not 1 or 0
        case when end_new_categories > 0 then end_new_categories end as categories_bought,
        {{ segmentation_known_or_null(has_channels, 'end_web_orders * 1.0 / nullif(frequency_to_date, 0)') }} as web_order_share,
        {{ segmentation_known_or_null(has_channels, 'end_app_orders * 1.0 / nullif(frequency_to_date, 0)') }} as app_order_share,
        {{ segmentation_known_or_null(
            has_channels, 'end_store_orders * 1.0 / nullif(frequency_to_date, 0)'
        ) }} as store_order_share,
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
        -- running totals to date not kept above: where an incremental build continues from
        {%- for measure in totals if stored_total[measure] == measure ~ '_to_date' %}
        cast(coalesce(end_{{ measure }}, 0) as {{ type_of[measure] }}) as {{ measure }}_to_date,
        {%- endfor %}
        -- dates
        end_first_ordered_date as first_ordered_date,
        end_last_ordered_date as last_ordered_date
    from zeroed
)

select * from features
