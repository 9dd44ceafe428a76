-- No composite segment holds fewer than segmentation__min_segment_share of the customers at the
-- as-of date (issue 14: small cells are merged, and a small "Other customers" takes in the
-- smallest other segment; a stored map that would leave a segment under the share is refitted
-- under segmentation__refit auto). A failing row names the segment, its customers and its share.
-- Under segmentation__refit never the stored map is kept whatever the shares: the test warns.
{{ config(severity='warn' if segmentation_setting('refit') == 'never' else 'error') }}
{%- set min_share = segmentation_setting('min_segment_share') %}
with

composite as (
    select * from {{ ref('int_customer_composite_monthly') }}
),

current_sizes as (
    select
        composite_segment,
        count(*) as customers
    from composite
    where period_month_end = (select max(all_months.period_month_end) from composite as all_months)
    group by 1
),

shares as (
    select
        composite_segment,
        customers,
        customers * 1.0 / sum(customers) over () as customer_share,
        count(*) over () as segments
    from current_sizes
)

select * from shares
where customer_share < {{ min_share }} and segments > 1
