-- Upgrade and downgrade rate by RFM segment over the last 12 months: of the customers in a
-- segment at a month end, the share who moved to a better (upgrade) or worse (downgrade) segment
-- by the next month end.
with

migrations as (
    select * from {{ ref('fct_segment_migrations') }}
    where
        segmentation = 'rfm'
        and from_segment <> '(new)'
),

last_months as (
    select max(period_month_end) as last_month_end
    from migrations
),

recent as (
    select migrations.*
    from migrations
    cross join last_months
    where migrations.period_month_end > {{ dbt.dateadd('month', -12, 'last_months.last_month_end') }}
),

rates as (
    select
        from_segment,
        min(from_segment_rank) as from_segment_rank,
        sum(customers) as customer_months,
        sum(case when direction = 'upgrade' then customers else 0 end) * 1.0 / sum(customers) as upgrade_rate,
        sum(case when direction = 'downgrade' then customers else 0 end) * 1.0 / sum(customers) as downgrade_rate,
        sum(case when direction = 'same' then customers else 0 end) * 1.0 / sum(customers) as stay_rate
    from recent
    group by from_segment
)

select * from rates
order by from_segment_rank
