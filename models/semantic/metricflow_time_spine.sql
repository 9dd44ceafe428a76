-- The time spine MetricFlow joins metrics to: one row per day from segmentation__min_valid_date
-- (validated as a date) to the end of 2100, a few tens of thousands of rows.
{{ config(materialized='table', schema='marts') }}

with

days as (
    {{ dbt.date_spine(
        datepart='day',
        start_date="cast('" ~ segmentation_setting('min_valid_date') ~ "' as date)",
        end_date="cast('2101-01-01' as date)",
    ) }}
),

time_spine as (
    select cast(date_day as date) as date_day
    from days
)

select * from time_spine
