-- Once a segment's churn has been measured (a cohort customer could pass the hiatus within a
-- month), every later month with customers active at its start has a churn rate, 0 when nobody
-- churned: a null there would leave the month out of an average over months and inflate it (on
-- small data every measured month read above 0). Before that first month churn is null.
with

kpis as (
    select * from {{ ref('fct_segment_kpis_monthly') }}
),

first_measured as (
    select
        segmentation,
        segment,
        min(period_month_end) as first_measured_month_end
    from kpis
    where churn_rate is not null
    group by 1, 2
)

select
    kpis.period_month_end,
    kpis.segmentation,
    kpis.segment,
    kpis.churn_eligible_customers,
    first_measured.first_measured_month_end
from kpis
inner join first_measured
    on
        kpis.segmentation = first_measured.segmentation
        and kpis.segment = first_measured.segment
where
    kpis.period_month_end > first_measured.first_measured_month_end
    and kpis.churn_eligible_customers > 0
    and kpis.churn_rate is null
