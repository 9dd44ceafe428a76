{{ config(materialized='table') }}

-- One row per customer and month end, from the customer's first month to the as-of month: the
-- customer's state as of that period end (the last period ends on the as-of date itself).
-- Cumulative figures are running sums over monthly activity: no range join of raw rows.
with

customers as (
    select * from {{ ref('int_customers_unioned') }}
),

activity as (
    select * from {{ ref('int_customer_activity_monthly') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

month_numbers as (
    {{ dbt.generate_series(1200) }}
),

first_month as (
    -- History starts at the earliest signup or first order month.
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
    where coalesce(cast(customers.first_seen_at as date), analysis_window.as_of_date) <= analysis_window.as_of_date
),

filled as (
    select
        customer_months.*,
        coalesce(activity.orders_placed, 0) as orders_placed,
        coalesce(activity.completed_orders, 0) as completed_orders,
        coalesce(activity.returned_orders, 0) as returned_orders,
        coalesce(activity.net_revenue, 0) as net_revenue,
        coalesce(activity.gross_revenue, 0) as gross_revenue,
        coalesce(activity.discount_amount, 0) as discount_amount,
        activity.first_completed_order_at,
        activity.last_completed_order_at,
        coalesce(activity.emails_delivered, 0) as emails_delivered,
        coalesce(activity.emails_opened, 0) as emails_opened,
        coalesce(activity.emails_clicked, 0) as emails_clicked,
        coalesce(activity.web_sessions, 0) as web_sessions,
        coalesce(activity.app_sessions, 0) as app_sessions,
        coalesce(activity.support_tickets, 0) as support_tickets,
        activity.nps_score
    from customer_months
    left join activity
        on
            customer_months.customer_id = activity.customer_id
            and customer_months.period_month_end = activity.period_month_end
),

running as (
    select
        customer_id,
        period_month_end,
        period_end_date,
        is_current_period,
        signup_date,
        orders_placed as orders_in_period,
        completed_orders as completed_orders_in_period,
        net_revenue as net_revenue_in_period,
        sum(completed_orders) over customer_history as frequency,
        sum(net_revenue) over customer_history as monetary,
        sum(gross_revenue) over customer_history as gross_revenue_to_date,
        sum(discount_amount) over customer_history as discount_amount_to_date,
        sum(returned_orders) over customer_history as returned_orders_to_date,
        min(first_completed_order_at) over customer_history as first_ordered_at,
        max(last_completed_order_at) over customer_history as last_ordered_at,
        sum(completed_orders) over last_3_months as orders_last_3_months,
        sum(net_revenue) over last_3_months as net_revenue_last_3_months,
        sum(web_sessions) over last_3_months as web_sessions_last_3_months,
        sum(app_sessions) over last_3_months as app_sessions_last_3_months,
        sum(web_sessions) over customer_history as web_sessions_to_date,
        sum(app_sessions) over customer_history as app_sessions_to_date,
        sum(emails_delivered) over customer_history as emails_delivered_to_date,
        sum(emails_opened) over customer_history as emails_opened_to_date,
        sum(emails_clicked) over customer_history as emails_clicked_to_date,
        sum(support_tickets) over customer_history as support_tickets,
        last_value(nps_score ignore nulls) over customer_history as latest_nps_score
    from filled
    window
        customer_history as (
            partition by customer_id order by period_month_end
            rows between unbounded preceding and current row
        ),
        last_3_months as (
            partition by customer_id order by period_month_end
            rows between 2 preceding and current row
        )
),

features as (
    select
        -- keys
        customer_id,
        period_month_end,
        period_end_date,
        is_current_period,
        -- value (RFM)
        {{ segmentation_days_between('cast(last_ordered_at as date)', 'period_end_date') }} as recency_days,
        frequency,
        monetary,
        -- behaviour
        {{ segmentation_days_between('signup_date', 'period_end_date') }} as tenure_days,
        monetary / nullif(frequency, 0) as avg_order_value,
        case
            when frequency > 1
                then
                    {{ segmentation_days_between('cast(first_ordered_at as date)', 'cast(last_ordered_at as date)') }}
                    * 1.0 / (frequency - 1)
        end as days_between_orders,
        discount_amount_to_date / nullif(gross_revenue_to_date, 0) as discount_share,
        returned_orders_to_date * 1.0 / nullif(frequency + returned_orders_to_date, 0) as return_rate,
        orders_in_period,
        completed_orders_in_period,
        net_revenue_in_period,
        orders_last_3_months,
        net_revenue_last_3_months,
        -- engagement
        emails_opened_to_date * 1.0 / nullif(emails_delivered_to_date, 0) as email_open_rate,
        emails_clicked_to_date * 1.0 / nullif(emails_delivered_to_date, 0) as email_click_rate,
        web_sessions_last_3_months as web_sessions,
        app_sessions_last_3_months as app_sessions,
        app_sessions_to_date * 1.0 / nullif(web_sessions_to_date + app_sessions_to_date, 0) as app_session_share,
        -- service
        support_tickets,
        latest_nps_score,
        -- timestamps
        first_ordered_at,
        last_ordered_at
    from running
)

select * from features
