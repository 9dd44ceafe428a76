{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_month_end',
        on_schema_change='fail',
    )
}}

-- The cooldown's state: every firing of int_pathway_triggers_monthly that counted, in the closed
-- months (a month whose period ended on its month end). A pathway that fired for a customer does
-- not count again for them within segmentation__action_cooldown_months: the first firing counts,
-- then the first one at least that many months after the last one counted (a chain followed by a
-- recursive CTE). Point in time: a build adds the closed months after the last one stored
-- (delete+insert by month end, so a closed month is written once) and continues each chain from
-- the last counted month stored, so a customer whose trigger holds month after month counts
-- every cooldown_months for as long as it holds, whatever window the triggers are read in. (A
-- chain restarted at the first month of a sliding window changed its phase every month: a trigger
-- held for a year counted in months 1, 4, 7 and 10 of the window and never in the current month.)
-- The open current month is counted in int_customer_actions_monthly.
-- --full-refresh starts the chains again at the first month of the triggers' window.
{%- set cooldown_months = segmentation_setting('action_cooldown_months') %}
with recursive

triggers as (
    select * from {{ ref('int_pathway_triggers_monthly') }}
),

closed_firings as (
    -- the firings of closed months not counted yet
    select
        customer_id,
        pathway_id,
        period_month_end,
        month_index
    from triggers
    where
        period_end_date >= period_month_end
    {%- if is_incremental() %}
        and period_month_end > (
            select coalesce(max(stored.period_month_end), cast('1900-01-31' as date))
            from {{ this }} as stored
        )
    {%- endif %}
),

{%- if is_incremental() %}

last_counted as (
    -- per customer and pathway, the last month index counted in a build before
    select
        customer_id,
        pathway_id,
        max(month_index) as month_index
    from {{ this }}
    group by 1, 2
),

open_firings as (
    -- the firings past the cooldown of the last one counted
    select closed_firings.*
    from closed_firings
    left join last_counted
        on
            closed_firings.customer_id = last_counted.customer_id
            and closed_firings.pathway_id = last_counted.pathway_id
    where
        last_counted.month_index is null
        or closed_firings.month_index >= last_counted.month_index + {{ cooldown_months }}
),
{%- else %}

open_firings as (
    select * from closed_firings
),
{%- endif %}

firing_chain as (
    -- per customer and pathway: each firing with the first month it could count again after it
    select
        customer_id,
        pathway_id,
        period_month_end,
        month_index,
        row_number() over (partition by customer_id, pathway_id order by month_index) as firing_order,
        min(month_index) over (
            partition by customer_id, pathway_id
            order by month_index
            range between {{ cooldown_months }} following and unbounded following
        ) as next_month_index
    from open_firings
),

counted as (
    select
        customer_id,
        pathway_id,
        period_month_end,
        month_index,
        next_month_index
    from firing_chain
    where firing_order = 1
    union all
    select
        firing_chain.customer_id,
        firing_chain.pathway_id,
        firing_chain.period_month_end,
        firing_chain.month_index,
        firing_chain.next_month_index
    from firing_chain
    inner join counted
        on
            firing_chain.customer_id = counted.customer_id
            and firing_chain.pathway_id = counted.pathway_id
            and firing_chain.month_index = counted.next_month_index
),

counted_firings as (
    select
        customer_id,
        pathway_id,
        period_month_end,
        month_index
    from counted
)

select * from counted_firings
