{{ config(materialized='table') }}

-- One row per customer and day with any engagement event up to the as-of date, holding running
-- totals of the customer's emails and sessions up to and including that day. Looked up like
-- int_customer_daily_running_totals; a table of its own because events are most of the activity
-- days and need only five running sums.
with

events as (
    select * from {{ ref('stg_shop__engagement_events') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

event_days as (
    select
        events.customer_id,
        cast(events.occurred_at as date) as activity_date,
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

running as (
    select
        customer_id,
        activity_date,
        sum(emails_delivered) over customer_days as emails_delivered,
        sum(emails_opened) over customer_days as emails_opened,
        sum(emails_clicked) over customer_days as emails_clicked,
        sum(web_sessions) over customer_days as web_sessions,
        sum(app_sessions) over customer_days as app_sessions
    from event_days
    window customer_days as (
        partition by customer_id order by activity_date
        rows between unbounded preceding and current row
    )
)

select * from running
