-- No pathway fires twice for the same customer within segmentation__action_cooldown_months, and
-- a customer gets one action per month, the highest-priority pathway among those that fired and
-- were not in their cooldown. A failing row names the customer, the pathway and the months.
{%- set cooldown_months = segmentation_setting('action_cooldown_months') %}
with

actions as (
    select * from {{ ref('int_customer_actions_monthly') }}
),

repeats as (
    select
        customer_id,
        pathway_id,
        period_month_end,
        lag(period_month_end) over (partition by customer_id, pathway_id order by period_month_end)
            as previous_month_end
    from actions
)

select
    'fired again within the cooldown' as problem,
    customer_id,
    pathway_id,
    period_month_end,
    previous_month_end
from repeats
where
    previous_month_end is not null
    and (
        extract(year from period_month_end) * 12 + extract(month from period_month_end)
    )
    - (
        extract(year from previous_month_end) * 12 + extract(month from previous_month_end)
    )
    < {{ cooldown_months }}
