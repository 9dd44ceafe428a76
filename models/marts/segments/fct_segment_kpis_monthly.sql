-- The measurement framework: per month end M, segmentation and segment, the segment's size at M
-- (customers, orders and revenue of its members at M: these add up to the month's totals) and
-- every rate on the cohort fixed at the start of the month, the customers who held the segment at
-- the previous month end (a cohort analysis: the group is fixed before the outcome is seen, so a
-- segment defined by buying cannot retain 100% by construction).
--   retention_rate        cohort customers with a completed order in month M / cohort customers
--   churn_rate            cohort customers active at the start (a completed order within
--                         segmentation__churn_hiatus_days) who are inactive at the end of M (no
--                         order within the hiatus) or gone from the sources / those active at the
--                         start: the hiatus heuristic (Wuebben & Wangenheim 2008), not the relative
--                         RFM lifecycle, so a customer who bought in M never churned in it and a
--                         high-spending customer who stopped buying does churn. Null until the
--                         segment first held a cohort customer who could reach the hiatus within a
--                         month (a segment of recent buyers, such as new customers, never can: a 0
--                         there would be true by construction); from then on a month in which none
--                         could reaches 0, so that an average over months is not inflated by
--                         leaving out the months nobody churned.
--   upgrade_rate          cohort customers whose move is an upgrade (fct_segment_migrations) / cohort;
--                         null when no segment held at M ranks above the cohort's segment (the
--                         most valuable segment cannot upgrade: a 0 there is true by construction)
--   downgrade_rate        the same for downgrades; null when no segment held at M is a downgrade
--                         from the cohort's segment (none ranks below it, and it is lapsed or no
--                         lapsed segment is held: the directions of fct_segment_migrations), so the
--                         least valuable segment does not read a 0 true by construction
--   revenue_per_customer  cohort net revenue in month M / cohort customers
-- orders, order value, engagement and NPS of the cohort are measured the same way. Each KPI of
-- segmentation_kpi_definitions has a direction; <kpi>_gap is signed so that a positive gap is
-- better than target whatever the direction, and is_<kpi>_on_track says whether it is met.
-- A current month cut short by the as-of date (is_partial_period) keeps its figures but is not
-- judged: its gaps and on-track flags are null.
-- Targets are keyed like the playbook (dim_segment_playbook.playbook_segment), so generated
-- cluster and composite names find their target on any data.
-- Incremental (point in time, like its inputs): a build appends the months after the last stored
-- one and recomputes that one only when it was cut short by the as-of date, reading one month
-- more for the cohort at the previous month end. A finished month keeps the playbook keys and
-- targets it was judged by; --full-refresh judges every month again with today's (after an edit
-- of seeds/kpi_targets.csv, say).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_month_end',
        on_schema_change='fail',
    )
}}
{%- set kpis = segmentation_kpi_definitions() %}
{%- set hiatus = segmentation_setting('churn_hiatus_days') %}
with

customer_segments as (
    select * from {{ ref('fct_customer_segments_monthly') }}
    {%- if is_incremental() %}
    where {{ segmentation_since_previous_month() }}
    {%- endif %}
),

migrations as (
    select * from {{ ref('fct_segment_migrations') }}
    {%- if is_incremental() %}
    where period_month_end >= (select max(stored.period_month_end) from {{ this }} as stored)
    {%- endif %}
),

playbook as (
    select * from {{ ref('dim_segment_playbook') }}
),

kpi_targets as (
    select * from {{ ref('kpi_targets') }}
),

rfm_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

composite_segments as (
    select * from {{ ref('int_composite_segments') }}
),

periods as (
    -- the day each month's figures run to: the month end, or the as-of date for a current month
    -- cut short (a month of 9 days is not judged against monthly targets)
    select
        period_month_end,
        coalesce(max(period_end_date), period_month_end) as period_end_date
    from customer_segments
    group by 1
),

-- size: the members at the month end
members as (
    {{ segmentation_unpivot_segments('customer_segments', [
        'period_month_end', 'completed_orders_in_period', 'net_revenue_in_period',
        'is_active_in_period', 'predicted_value', 'frequency',
    ]) }}
),

sizes as (
    select
        period_month_end,
        segmentation,
        segment,
        count(*) as customers,
        min(segment_rank) as segment_rank,
        -- a segment of customers who never bought (Prospects, value tier none) is entered only
        -- from outside: no buyer can move down into it
        max(case when frequency > 0 then 1 else 0 end) = 1 as has_buyers,
        cast(sum(case when is_active_in_period then 1 else 0 end) as {{ dbt.type_bigint() }}) as active_customers,
        cast(sum(completed_orders_in_period) as {{ dbt.type_bigint() }}) as orders,
        sum(net_revenue_in_period) as net_revenue,
        sum(cast(predicted_value as {{ dbt.type_numeric() }})) as predicted_value
    from members
    group by 1, 2, 3
),

-- the cohort: every customer-month with what the customer did in the month after it
customer_next_months as (
    select
        customer_id,
        period_month_end as cohort_month_end,
        {%- for item in segmentation_segment_columns() %}
        {{ item.segment }},
        {{ item.rank }},
        {%- endfor %}
        recency_days as start_recency_days,
        lead(period_month_end) over customer_months as next_row_month_end,
        lead(completed_orders_in_period) over customer_months as next_completed_orders,
        lead(net_revenue_in_period) over customer_months as next_net_revenue,
        lead(recency_days) over customer_months as next_recency_days,
        -- rates become fixed-point numbers before they are averaged: parallel sums of doubles may
        -- differ in the last bit from run to run, sums of numerics never do
        cast(lead(email_open_rate) over customer_months as {{ dbt.type_numeric() }}) as next_email_open_rate,
        cast(lead(email_click_rate) over customer_months as {{ dbt.type_numeric() }}) as next_email_click_rate,
        cast(lead(probability_alive) over customer_months as {{ dbt.type_numeric() }}) as next_probability_alive,
        lead(latest_nps_score) over customer_months as next_nps_score,
        lead(support_tickets) over customer_months - support_tickets as next_support_contacts
    from customer_segments
    window customer_months as (partition by customer_id order by period_month_end)
),

cohort_outcomes as (
    -- the month M after each cohort month (when M is in the history); a customer absent at M has
    -- left the sources: no purchase, and churned
    select
        customer_next_months.*,
        periods.period_month_end,
        coalesce(customer_next_months.next_row_month_end = periods.period_month_end, false) as is_present,
        coalesce(customer_next_months.start_recency_days <= {{ hiatus }}, false) as is_churn_eligible,
        -- without an order, could the customer pass the hiatus by the end of M?
        coalesce(
            customer_next_months.start_recency_days
            + {{ segmentation_days_between('customer_next_months.cohort_month_end', 'periods.period_end_date') }}
            > {{ hiatus }},
            false
        ) as could_pass_hiatus
    from customer_next_months
    inner join periods
        on
            periods.period_month_end
            = {{ segmentation_month_end(dbt.dateadd('month', 1, 'customer_next_months.cohort_month_end')) }}
),

cohort_members as (
    {{ segmentation_unpivot_segments('cohort_outcomes', [
        'period_month_end', 'is_present', 'is_churn_eligible', 'could_pass_hiatus', 'next_completed_orders',
        'next_net_revenue', 'next_recency_days', 'next_email_open_rate', 'next_email_click_rate',
        'next_probability_alive', 'next_nps_score', 'next_support_contacts',
    ]) }}
),

cohorts as (
    select
        period_month_end,
        segmentation,
        segment,
        count(*) as cohort_customers,
        min(segment_rank) as cohort_segment_rank,
        sum(case when is_present and next_completed_orders > 0 then 1 else 0 end) as retained_customers,
        sum(case when is_churn_eligible then 1 else 0 end) as churn_eligible_customers,
        sum(case when is_churn_eligible and (could_pass_hiatus or not is_present) then 1 else 0 end) as churn_reachable_customers,
        sum(
            case when is_churn_eligible and (not is_present or next_recency_days > {{ hiatus }}) then 1 else 0 end
        ) as churned_customers,
        sum(case when is_present then next_completed_orders else 0 end) as cohort_orders,
        sum(case when is_present then next_net_revenue else 0 end) as cohort_net_revenue,
        avg(next_email_open_rate) as email_open_rate,
        avg(next_email_click_rate) as email_click_rate,
        avg(next_probability_alive) as avg_probability_alive,
        count(next_nps_score) as nps_respondents,
        100.0 * (
            sum(case when next_nps_score >= 9 then 1 else 0 end)
            - sum(case when next_nps_score <= 6 then 1 else 0 end)
        ) / nullif(count(next_nps_score), 0) as nps_score,
        sum(case when is_present then next_support_contacts else 0 end) as cohort_support_contacts
    from cohort_members
    group by 1, 2, 3
),

stored_churn_segments as (
    -- segments whose churn was measured in a stored month before the months this build reads
    {%- if is_incremental() %}
    select distinct
        stored.segmentation,
        stored.segment
    from {{ this }} as stored
    where
        stored.churn_rate is not null
        and stored.period_month_end < (select max(latest.period_month_end) from {{ this }} as latest)
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as segmentation,
        cast(null as {{ dbt.type_string() }}) as segment
    where 1 = 0
    {%- endif %}
),

churn_measured as (
    -- churn is measured from the first month a cohort customer of the segment could pass the
    -- hiatus within the month (a running flag, continued from the stored months)
    select
        cohorts.period_month_end,
        cohorts.segmentation,
        cohorts.segment,
        max(case when cohorts.churn_reachable_customers > 0 then 1 else 0 end) over (
            partition by cohorts.segmentation, cohorts.segment
            order by cohorts.period_month_end
            rows between unbounded preceding and current row
        ) = 1
        or stored_churn_segments.segment is not null as is_churn_measured
    from cohorts
    left join stored_churn_segments
        on
            cohorts.segmentation = stored_churn_segments.segmentation
            and cohorts.segment = stored_churn_segments.segment
),

segment_kinds as (
    {{ segmentation_segment_kinds('rfm_rules', 'composite_segments') }}
),

month_versions as (
    select
        period_month_end,
        max(composite_definition_version) as composite_definition_version
    from customer_segments
    group by 1
),

held_segments as (
    -- the segments held at each month end, with their rank and whether they are lapsed (by the
    -- composite map of the month)
    select
        sizes.period_month_end,
        sizes.segmentation,
        sizes.segment,
        sizes.segment_rank,
        sizes.has_buyers,
        coalesce(segment_kinds.is_lapsed, false) as is_lapsed
    from sizes
    left join month_versions
        on sizes.period_month_end = month_versions.period_month_end
    left join segment_kinds
        on
            {{ segmentation_segment_kind_matches(
                'segment_kinds', 'sizes.segmentation', 'sizes.segment',
                'month_versions.composite_definition_version',
            ) }}
),

downgrade_targets as (
    -- could a cohort customer have moved down at all? Some segment of buyers held at M ranks
    -- below the cohort's segment, or is lapsed where the cohort's segment is not
    select
        cohort_segments.period_month_end,
        cohort_segments.segmentation,
        cohort_segments.segment,
        max(
            case
                when
                    -- a prospect's only move is to buy: never down
                    cohort_segments.has_buyers
                    and held_segments.has_buyers
                    and (
                        held_segments.segment_rank > cohort_segments.segment_rank
                        or (held_segments.is_lapsed and not cohort_segments.is_lapsed)
                    )
                    then 1
                else 0
            end
        ) = 1 as could_downgrade
    from (
        select
            {{ segmentation_month_end(dbt.dateadd('month', 1, 'previous_month.period_month_end')) }} as period_month_end,
            previous_month.segmentation,
            previous_month.segment,
            previous_month.segment_rank,
            previous_month.has_buyers,
            previous_month.is_lapsed
        from held_segments as previous_month
    ) as cohort_segments
    inner join held_segments
        on
            cohort_segments.period_month_end = held_segments.period_month_end
            and cohort_segments.segmentation = held_segments.segmentation
            and cohort_segments.segment != held_segments.segment
    group by 1, 2, 3
),

best_ranks as (
    -- the most valuable rank held at each month end: a cohort of that rank or better cannot upgrade
    select
        period_month_end,
        segmentation,
        min(segment_rank) as best_segment_rank
    from sizes
    group by 1, 2
),

movements as (
    -- the direction of every move is decided once, in fct_segment_migrations
    select
        segmentation,
        period_month_end,
        from_segment as segment,
        sum(case when direction = 'upgrade' then customers else 0 end) as upgraded_customers,
        sum(case when direction = 'downgrade' then customers else 0 end) as downgraded_customers
    from migrations
    where from_segment != '(new)'
    group by 1, 2, 3
),

segment_months as (
    select
        period_month_end,
        segmentation,
        segment
    from sizes
    union
    select
        period_month_end,
        segmentation,
        segment
    from cohorts
),

kpis as (
    select
        -- keys
        segment_months.period_month_end,
        segment_months.segmentation,
        segment_months.segment,
        periods.period_end_date,
        periods.period_end_date < segment_months.period_month_end as is_partial_period,
        -- size at the month end
        cast(coalesce(sizes.customers, 0) as {{ dbt.type_bigint() }}) as customers,
        cast(coalesce(sizes.active_customers, 0) as {{ dbt.type_bigint() }}) as active_customers,
        cast(coalesce(sizes.orders, 0) as {{ dbt.type_bigint() }}) as orders,
        coalesce(sizes.net_revenue, 0) as net_revenue,
        sizes.predicted_value,
        -- the cohort: members at the previous month end
        cast(coalesce(cohorts.cohort_customers, 0) as {{ dbt.type_bigint() }}) as cohort_customers,
        cast(coalesce(cohorts.retained_customers, 0) as {{ dbt.type_bigint() }}) as retained_customers,
        cast(coalesce(cohorts.churn_eligible_customers, 0) as {{ dbt.type_bigint() }}) as churn_eligible_customers,
        cast(coalesce(cohorts.churned_customers, 0) as {{ dbt.type_bigint() }}) as churned_customers,
        cast(coalesce(movements.upgraded_customers, 0) as {{ dbt.type_bigint() }}) as upgraded_customers,
        cast(coalesce(movements.downgraded_customers, 0) as {{ dbt.type_bigint() }}) as downgraded_customers,
        cast(coalesce(cohorts.cohort_orders, 0) as {{ dbt.type_bigint() }}) as cohort_orders,
        coalesce(cohorts.cohort_net_revenue, 0) as cohort_net_revenue,
        -- rates on the cohort
        cohorts.retained_customers * 1.0 / nullif(cohorts.cohort_customers, 0) as retention_rate,
        case
            when churn_measured.is_churn_measured
                then cohorts.churned_customers * 1.0 / nullif(cohorts.churn_eligible_customers, 0)
        end as churn_rate,
        case
            when cohorts.cohort_segment_rank > best_ranks.best_segment_rank
                then coalesce(movements.upgraded_customers, 0) * 1.0 / nullif(cohorts.cohort_customers, 0)
        end as upgrade_rate,
        case
            when downgrade_targets.could_downgrade
                then coalesce(movements.downgraded_customers, 0) * 1.0 / nullif(cohorts.cohort_customers, 0)
        end as downgrade_rate,
        cohorts.cohort_net_revenue * 1.0 / nullif(cohorts.cohort_customers, 0) as revenue_per_customer,
        cohorts.cohort_orders * 1.0 / nullif(cohorts.cohort_customers, 0) as orders_per_customer,
        cohorts.cohort_net_revenue * 1.0 / nullif(cohorts.cohort_orders, 0) as avg_order_value,
        cast(cohorts.email_open_rate as {{ segmentation_type_double() }}) as email_open_rate,
        cast(cohorts.email_click_rate as {{ segmentation_type_double() }}) as email_click_rate,
        cast(cohorts.avg_probability_alive as {{ segmentation_type_double() }}) as avg_probability_alive,
        cast(coalesce(cohorts.nps_respondents, 0) as {{ dbt.type_bigint() }}) as nps_respondents,
        cohorts.nps_score,
        cohorts.cohort_support_contacts * 1.0 / nullif(cohorts.cohort_customers, 0) as support_contacts_per_customer
    from segment_months
    left join sizes
        on
            segment_months.period_month_end = sizes.period_month_end
            and segment_months.segmentation = sizes.segmentation
            and segment_months.segment = sizes.segment
    left join cohorts
        on
            segment_months.period_month_end = cohorts.period_month_end
            and segment_months.segmentation = cohorts.segmentation
            and segment_months.segment = cohorts.segment
    left join movements
        on
            segment_months.period_month_end = movements.period_month_end
            and segment_months.segmentation = movements.segmentation
            and segment_months.segment = movements.segment
    left join churn_measured
        on
            segment_months.period_month_end = churn_measured.period_month_end
            and segment_months.segmentation = churn_measured.segmentation
            and segment_months.segment = churn_measured.segment
    left join downgrade_targets
        on
            segment_months.period_month_end = downgrade_targets.period_month_end
            and segment_months.segmentation = downgrade_targets.segmentation
            and segment_months.segment = downgrade_targets.segment
    left join best_ranks
        on
            segment_months.period_month_end = best_ranks.period_month_end
            and segment_months.segmentation = best_ranks.segmentation
    inner join periods
        on segment_months.period_month_end = periods.period_month_end
),

targets as (
    select
        segmentation,
        playbook_segment,
        {%- for item in kpis %}
        max(case when kpi = '{{ item.kpi }}' then target end) as {{ item.kpi }}_target,
        {%- endfor %}
        count(*) as targets
    from kpi_targets
    group by 1, 2
),

kpis_with_targets as (
    select
        kpis.*,
        playbook.playbook_segment,
        {%- for item in kpis %}
        targets.{{ item.kpi }}_target,
        case
            when not kpis.is_partial_period
                then {{ '' if item.direction == 'higher' else '-' }}(kpis.{{ item.kpi }} - targets.{{ item.kpi }}_target)
        end as {{ item.kpi }}_gap,
        case
            when not kpis.is_partial_period
                then kpis.{{ item.kpi }} {{ '>=' if item.direction == 'higher' else '<=' }} targets.{{ item.kpi }}_target
        end as is_{{ item.kpi }}_on_track,
        {%- endfor %}
        coalesce(targets.targets, 0) > 0 as has_targets
    from kpis
    left join playbook
        on
            kpis.segmentation = playbook.segmentation
            and kpis.segment = playbook.segment
    left join targets
        on
            playbook.segmentation = targets.segmentation
            and playbook.playbook_segment = targets.playbook_segment
),

on_track as (
    select
        *,
        -- every KPI with a target and a value is on track; null when none can be judged
        case
            when
                coalesce(
                    {%- for item in kpis %}
                    is_{{ item.kpi }}_on_track{{ ',' if not loop.last }}
                    {%- endfor %}
                ) is null
                then null
            -- nullif(x, true) keeps only the KPIs off track
            when
                coalesce(
                    {%- for item in kpis %}
                    nullif(is_{{ item.kpi }}_on_track, true){{ ',' if not loop.last }}
                    {%- endfor %}
                ) is null
                then true
            else false
        end as is_on_track
    from kpis_with_targets
),

written as (
    select * from on_track
    {%- if is_incremental() %}
    where {{ segmentation_new_months() }}
    {%- endif %}
)

select * from written
