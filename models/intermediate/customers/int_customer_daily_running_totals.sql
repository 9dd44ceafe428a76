{{ config(materialized='table') }}

-- One row per customer and day with any order, first purchase in a category, support ticket or
-- NPS answer up to the as-of date, holding running totals of all of them up to and including that
-- day. Engagement events, most of the activity days, have their own narrower table
-- (int_customer_daily_engagement_totals), so that this window runs over far fewer rows. A feature
-- "as of date d" is the row of the latest day on or before d; "in the last N days" is that minus
-- the row as of d - N.
{%- set activity_parts = {
    'order_days': ['completed_orders', 'returned_orders', 'net_revenue', 'gross_revenue',
                   'discount_amount', 'web_orders', 'app_orders', 'store_orders'],
    'category_days': ['new_categories'],
    'ticket_days': ['support_tickets', 'satisfaction_sum', 'satisfaction_ratings'],
    'response_days': ['nps_score'],
} %}
{%- set activity_measures = activity_parts.values() | sum(start=[]) %}

with

orders as (
    select * from {{ ref('int_orders_netted') }}
),

order_items as (
    select * from {{ ref('stg_shop__order_items') }}
),

products as (
    select * from {{ ref('stg_shop__products') }}
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

order_days as (
    select
        customer_id,
        ordered_date as activity_date,
        sum(case when is_completed then 1 else 0 end) as completed_orders,
        sum(case when is_returned then 1 else 0 end) as returned_orders,
        sum(net_revenue) as net_revenue,
        sum(gross_revenue) as gross_revenue,
        sum(discount_amount) as discount_amount,
        sum(case when is_completed and sales_channel = 'web' then 1 else 0 end) as web_orders,
        sum(case when is_completed and sales_channel = 'app' then 1 else 0 end) as app_orders,
        sum(case when is_completed and sales_channel = 'store' then 1 else 0 end) as store_orders
    from orders
    group by 1, 2
),

category_firsts as (
    -- the day each customer first completed an order in each category
    select
        orders.customer_id,
        coalesce(products.category, 'uncategorised') as category,
        min(orders.ordered_date) as first_bought_date
    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    left join products
        on order_items.product_id = products.product_id
    where orders.is_completed
    group by 1, 2
),

category_days as (
    select
        customer_id,
        first_bought_date as activity_date,
        count(*) as new_categories
    from category_firsts
    group by 1, 2
),

ticket_days as (
    select
        tickets.customer_id,
        cast(tickets.opened_at as date) as activity_date,
        count(*) as support_tickets,
        sum(tickets.satisfaction) as satisfaction_sum,
        count(tickets.satisfaction) as satisfaction_ratings
    from tickets
    cross join analysis_window
    where cast(tickets.opened_at as date) <= analysis_window.as_of_date
    group by 1, 2
),

responses_ranked as (
    select
        responses.customer_id,
        responses.score,
        cast(responses.responded_at as date) as activity_date,
        row_number() over (
            partition by responses.customer_id, cast(responses.responded_at as date)
            order by responses.responded_at desc, responses.response_id desc
        ) as response_rank
    from responses
    cross join analysis_window
    where cast(responses.responded_at as date) <= analysis_window.as_of_date
),

response_days as (
    select
        customer_id,
        activity_date,
        score as nps_score
    from responses_ranked
    where response_rank = 1
),

activity as (
    -- every kind of activity in one stream, zeros where a kind did not happen
    {%- for part, measures in activity_parts.items() %}
    select
        {%- for measure in activity_measures %}
        {%- if measure in measures %}
        {{ measure }},
        {%- elif measure == 'nps_score' %}
        cast(null as integer) as nps_score,
        {%- else %}
        0 as {{ measure }},
        {%- endif %}
        {%- endfor %}
        customer_id,
        activity_date
    from {{ part }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

days as (
    select
        customer_id,
        activity_date,
        sum(completed_orders) as completed_orders,
        sum(returned_orders) as returned_orders,
        sum(net_revenue) as net_revenue,
        sum(gross_revenue) as gross_revenue,
        sum(discount_amount) as discount_amount,
        sum(web_orders) as web_orders,
        sum(app_orders) as app_orders,
        sum(store_orders) as store_orders,
        sum(new_categories) as new_categories,
        sum(support_tickets) as support_tickets,
        sum(satisfaction_sum) as satisfaction_sum,
        sum(satisfaction_ratings) as satisfaction_ratings,
        max(nps_score) as nps_score
    from activity
    group by 1, 2
),

running as (
    select
        customer_id,
        activity_date,
        sum(completed_orders) over customer_days as completed_orders,
        sum(returned_orders) over customer_days as returned_orders,
        sum(net_revenue) over customer_days as net_revenue,
        sum(gross_revenue) over customer_days as gross_revenue,
        sum(discount_amount) over customer_days as discount_amount,
        sum(web_orders) over customer_days as web_orders,
        sum(app_orders) over customer_days as app_orders,
        sum(store_orders) over customer_days as store_orders,
        sum(new_categories) over customer_days as categories_bought,
        sum(support_tickets) over customer_days as support_tickets,
        sum(satisfaction_sum) over customer_days as satisfaction_sum,
        sum(satisfaction_ratings) over customer_days as satisfaction_ratings,
        min(case when completed_orders > 0 then activity_date end) over customer_days as first_ordered_date,
        max(case when completed_orders > 0 then activity_date end) over customer_days as last_ordered_date,
        last_value(nps_score ignore nulls) over customer_days as latest_nps_score
    from days
    window customer_days as (
        partition by customer_id order by activity_date
        rows between unbounded preceding and current row
    )
)

select * from running
