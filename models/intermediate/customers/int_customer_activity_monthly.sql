{{ config(materialized='table') }}

-- What each customer did in each calendar month (UTC) up to the as-of date: orders, revenue,
-- email, sessions, support and NPS. Only months with activity have a row.
with

orders as (
    select * from {{ ref('int_orders_netted') }}
),

events as (
    select * from {{ ref('stg_shop__engagement_events') }}
),

tickets as (
    select * from {{ ref('stg_shop__support_tickets') }}
),

responses as (
    select * from {{ ref('stg_shop__nps_responses') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

order_activity as (
    select
        customer_id,
        period_month_end,
        count(*) as orders_placed,
        sum(case when is_completed then 1 else 0 end) as completed_orders,
        sum(case when is_returned then 1 else 0 end) as returned_orders,
        sum(net_revenue) as net_revenue,
        sum(gross_revenue) as gross_revenue,
        sum(discount_amount) as discount_amount,
        min(case when is_completed then ordered_at end) as first_completed_order_at,
        max(case when is_completed then ordered_at end) as last_completed_order_at
    from orders
    group by 1, 2
),

event_activity as (
    select
        events.customer_id,
        {{ segmentation_month_end('events.occurred_at') }} as period_month_end,
        sum(case when events.event_type = 'email_delivered' then 1 else 0 end) as emails_delivered,
        sum(case when events.event_type = 'email_opened' then 1 else 0 end) as emails_opened,
        sum(case when events.event_type = 'email_clicked' then 1 else 0 end) as emails_clicked,
        sum(case when events.event_type = 'web_session' then 1 else 0 end) as web_sessions,
        sum(case when events.event_type = 'app_session' then 1 else 0 end) as app_sessions
    from events
    cross join analysis_window
    where cast(events.occurred_at as date) <= analysis_window.as_of_date
    group by 1, 2
),

ticket_activity as (
    select
        tickets.customer_id,
        {{ segmentation_month_end('tickets.opened_at') }} as period_month_end,
        count(*) as support_tickets,
        sum(tickets.satisfaction) as satisfaction_sum,
        count(tickets.satisfaction) as satisfaction_responses
    from tickets
    cross join analysis_window
    where cast(tickets.opened_at as date) <= analysis_window.as_of_date
    group by 1, 2
),

responses_ranked as (
    select
        responses.customer_id,
        responses.score,
        {{ segmentation_month_end('responses.responded_at') }} as period_month_end,
        row_number() over (
            partition by responses.customer_id, {{ segmentation_month_end('responses.responded_at') }}
            order by responses.responded_at desc, responses.response_id desc
        ) as response_recency_rank
    from responses
    cross join analysis_window
    where cast(responses.responded_at as date) <= analysis_window.as_of_date
),

nps_activity as (
    select
        customer_id,
        period_month_end,
        score as nps_score
    from responses_ranked
    where response_recency_rank = 1
),

keys as (
    select
        customer_id,
        period_month_end
    from order_activity
    union
    select
        customer_id,
        period_month_end
    from event_activity
    union
    select
        customer_id,
        period_month_end
    from ticket_activity
    union
    select
        customer_id,
        period_month_end
    from nps_activity
),

combined as (
    select
        -- keys
        keys.customer_id,
        keys.period_month_end,
        -- orders
        coalesce(order_activity.orders_placed, 0) as orders_placed,
        coalesce(order_activity.completed_orders, 0) as completed_orders,
        coalesce(order_activity.returned_orders, 0) as returned_orders,
        coalesce(order_activity.net_revenue, 0) as net_revenue,
        coalesce(order_activity.gross_revenue, 0) as gross_revenue,
        coalesce(order_activity.discount_amount, 0) as discount_amount,
        order_activity.first_completed_order_at,
        order_activity.last_completed_order_at,
        -- engagement
        coalesce(event_activity.emails_delivered, 0) as emails_delivered,
        coalesce(event_activity.emails_opened, 0) as emails_opened,
        coalesce(event_activity.emails_clicked, 0) as emails_clicked,
        coalesce(event_activity.web_sessions, 0) as web_sessions,
        coalesce(event_activity.app_sessions, 0) as app_sessions,
        -- service
        coalesce(ticket_activity.support_tickets, 0) as support_tickets,
        coalesce(ticket_activity.satisfaction_sum, 0) as satisfaction_sum,
        coalesce(ticket_activity.satisfaction_responses, 0) as satisfaction_responses,
        nps_activity.nps_score
    from keys
    left join order_activity
        on
            keys.customer_id = order_activity.customer_id
            and keys.period_month_end = order_activity.period_month_end
    left join event_activity
        on
            keys.customer_id = event_activity.customer_id
            and keys.period_month_end = event_activity.period_month_end
    left join ticket_activity
        on
            keys.customer_id = ticket_activity.customer_id
            and keys.period_month_end = ticket_activity.period_month_end
    left join nps_activity
        on
            keys.customer_id = nps_activity.customer_id
            and keys.period_month_end = nps_activity.period_month_end
)

select * from combined
