-- The measurement framework: per month end, segmentation and segment, the customers held then and
-- what they did in that month, with targets from the kpi_targets seed.
-- Retention: of the segment's customers who bought in the previous month, the share who bought
-- again this month. Churn: of the segment's customers with a completed order in the 365 days to
-- this month end, the share with none in the 365 days to the next month end (they lapse during
-- the next month; null for the current period, whose next month has not happened). Engagement and
-- NPS are as of the month end; support contacts are the tickets opened in the month.
{%- set target_kpis = [
    'retention_rate', 'churn_rate', 'orders_per_customer', 'avg_order_value', 'email_open_rate', 'nps_score',
] %}
with

customer_segments as (
    select * from {{ ref('fct_customer_segments_monthly') }}
),

kpi_targets as (
    select * from {{ ref('kpi_targets') }}
),

migrations as (
    select * from {{ ref('fct_segment_migrations') }}
),

movements as (
    -- of the customers in a segment at the previous month end, the share who moved to a better
    -- (upgrade) or worse (downgrade) ranked segment by this month end
    select
        segmentation,
        period_month_end,
        from_segment as segment,
        sum(case when direction = 'upgrade' then customers else 0 end) * 1.0 / sum(customers) as upgrade_rate,
        sum(case when direction = 'downgrade' then customers else 0 end) * 1.0 / sum(customers) as downgrade_rate
    from migrations
    where from_segment != '(new)'
    group by segmentation, period_month_end, from_segment
),

activity as (
    -- months are consecutive per customer (every month end from the first to the as-of month)
    select
        customer_id,
        period_month_end,
        {%- for item in segmentation_segment_columns() %}
        {{ item.segment }},
        {{ item.rank }},
        {%- endfor %}
        is_current_period,
        completed_orders_in_period,
        net_revenue_in_period,
        is_active_in_period,
        coalesce(lag(is_active_in_period) over customer_months, false) as was_active_in_previous_period,
        orders_last_365_days,
        orders_last_365_days > 0 as is_buyer_last_365_days,
        lead(orders_last_365_days) over customer_months = 0 as is_lapsed_next_period,
        -- rates and predictions become fixed-point numbers before they are averaged: parallel
        -- sums of doubles may differ in the last bit from run to run, sums of numerics never do
        cast(email_open_rate as {{ dbt.type_numeric() }}) as email_open_rate,
        cast(email_click_rate as {{ dbt.type_numeric() }}) as email_click_rate,
        cast(probability_alive as {{ dbt.type_numeric() }}) as probability_alive,
        cast(predicted_value as {{ dbt.type_numeric() }}) as predicted_value,
        latest_nps_score,
        support_tickets - coalesce(lag(support_tickets) over customer_months, 0) as support_contacts_in_period
    from customer_segments
    window customer_months as (partition by customer_id order by period_month_end)
),

-- one row per customer-month and segmentation: the wide rows unpivoted, no join
member_activity as (
    {{ segmentation_unpivot_segments('activity', [
        'period_month_end', 'is_current_period', 'completed_orders_in_period', 'net_revenue_in_period',
        'is_active_in_period', 'was_active_in_previous_period', 'orders_last_365_days',
        'is_buyer_last_365_days', 'is_lapsed_next_period', 'email_open_rate', 'email_click_rate',
        'probability_alive', 'predicted_value', 'latest_nps_score', 'support_contacts_in_period',
    ]) }}
),

kpis as (
    select
        -- keys
        period_month_end,
        segmentation,
        segment,
        -- size
        count(*) as customers,
        cast(sum(case when is_active_in_period then 1 else 0 end) as {{ dbt.type_bigint() }}) as active_customers,
        -- value
        cast(sum(completed_orders_in_period) as {{ dbt.type_bigint() }}) as orders,
        sum(net_revenue_in_period) as net_revenue,
        sum(net_revenue_in_period) / nullif(sum(completed_orders_in_period), 0) as avg_order_value,
        sum(completed_orders_in_period) * 1.0 / count(*) as orders_per_customer,
        avg(orders_last_365_days * 1.0) as orders_per_customer_last_365_days,
        -- retention and churn
        cast(sum(case when was_active_in_previous_period then 1 else 0 end) as {{ dbt.type_bigint() }})
            as previously_active_customers,
        sum(case when was_active_in_previous_period and is_active_in_period then 1 else 0 end) * 1.0
        / nullif(sum(case when was_active_in_previous_period then 1 else 0 end), 0) as retention_rate,
        case
            when not max(case when is_current_period then 1 else 0 end) = 1
                then
                    sum(case when is_buyer_last_365_days and is_lapsed_next_period then 1 else 0 end) * 1.0
                    / nullif(sum(case when is_buyer_last_365_days then 1 else 0 end), 0)
        end as churn_rate,
        -- engagement
        avg(email_open_rate) as email_open_rate,
        avg(email_click_rate) as email_click_rate,
        avg(probability_alive) as avg_probability_alive,
        sum(predicted_value) as predicted_value,
        -- satisfaction and service
        count(latest_nps_score) as nps_respondents,
        100.0 * (
            sum(case when latest_nps_score >= 9 then 1 else 0 end)
            - sum(case when latest_nps_score <= 6 then 1 else 0 end)
        ) / nullif(count(latest_nps_score), 0) as nps_score,
        cast(sum(support_contacts_in_period) as {{ dbt.type_bigint() }}) as support_contacts,
        sum(support_contacts_in_period) * 1.0 / count(*) as support_contacts_per_customer
    from member_activity
    group by period_month_end, segmentation, segment
),

targets as (
    select
        segmentation,
        segment,
        {%- for kpi in target_kpis %}
        max(case when kpi = '{{ kpi }}' then target end) as {{ kpi }}_target,
        {%- endfor %}
        count(*) as targets
    from kpi_targets
    group by segmentation, segment
),

kpis_with_targets as (
    select
        kpis.*,
        movements.upgrade_rate,
        movements.downgrade_rate,
        {%- for kpi in target_kpis %}
        targets.{{ kpi }}_target,
        kpis.{{ kpi }} - targets.{{ kpi }}_target as {{ kpi }}_gap,
        {%- endfor %}
        coalesce(targets.targets, 0) > 0 as has_targets
    from kpis
    left join targets
        on
            kpis.segmentation = targets.segmentation
            and kpis.segment = targets.segment
    left join movements
        on
            kpis.segmentation = movements.segmentation
            and kpis.period_month_end = movements.period_month_end
            and kpis.segment = movements.segment
)

select * from kpis_with_targets
