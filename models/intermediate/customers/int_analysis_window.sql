-- One row: the as-of date the current segments describe, and the first month of history. An
-- as-of date before the first order's month stops the build with a message naming the var
-- (post-hook segmentation_check_analysis_window).
{{ config(post_hook="{{ segmentation_check_analysis_window(this) }}") }}
{%- set as_of_date = segmentation_setting('as_of_date') %}

with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

bounds as (
    select
        {%- if as_of_date is none %}
        max(cast(ordered_at as date)) as as_of_date,
        {%- else %}
        {{ segmentation_date_literal(as_of_date) }} as as_of_date,
        {%- endif %}
        min(cast(ordered_at as date)) as first_order_date
    from orders
),

analysis_window as (
    select
        as_of_date,
        {{ segmentation_month_end('as_of_date') }} as as_of_month_end,
        {{ segmentation_month_end('first_order_date') }} as first_month_end
    from bounds
)

select * from analysis_window
