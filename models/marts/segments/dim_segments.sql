-- The segment summary: one row per segmentation and segment as of the as-of date with size and
-- shares, averages and medians of value and behaviour, engagement, satisfaction, the top
-- categories, the dominant channel and region, and a persona sentence (segment_personas: what
-- sets the segment apart from all customers, with the count behind every figure). Session and
-- ticket averages are null without an engagement or support source (a 0 would be true by
-- construction).
{%- set has_engagement = segmentation_source_has_column('engagement_events', 'event_type') %}
{%- set has_support = segmentation_source_has_column('support_tickets', 'ticket_id') %}
with

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

memberships as (
    -- the current period only: the filter reaches every table under the memberships view
    select * from {{ ref('int_segment_memberships_monthly') }}
    where period_month_end = (select analysis_window.as_of_month_end from analysis_window)
),

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    where is_current_period
),

customers as (
    select * from {{ ref('int_customers_unioned') }}
),

category_mix as (
    select * from {{ ref('int_customer_category_mix') }}
),

customer_values as (
    select * from {{ ref('int_customer_value_monthly') }}
    where period_month_end = (select analysis_window.as_of_month_end from analysis_window)
),

rfm_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

centroids as (
    select * from {{ ref('int_cluster_centroids') }}
),

potential_rules as (
    select * from {{ ref('potential_tier_rules') }}
),

current_members as (
    select
        memberships.segmentation,
        memberships.segment,
        memberships.segment_rank,
        features.customer_id,
        features.recency_days,
        features.frequency,
        features.monetary,
        features.tenure_days,
        -- doubles become fixed-point numbers before they are aggregated: parallel sums of
        -- doubles may differ in the last bit from run to run, sums of numerics never do
        cast(features.email_open_rate as {{ dbt.type_numeric() }}) as email_open_rate,
        cast(features.email_click_rate as {{ dbt.type_numeric() }}) as email_click_rate,
        {% if has_engagement -%}
        coalesce(features.web_sessions_last_90_days, 0)
        + coalesce(features.app_sessions_last_90_days, 0)
        {%- else %}cast(null as {{ dbt.type_bigint() }}){% endif %} as sessions_last_90_days,
        {% if has_support -%}
        features.support_tickets_last_365_days,
        {%- else -%}
        cast(null as {{ dbt.type_bigint() }}) as support_tickets_last_365_days,
        {%- endif %}
        features.latest_nps_score,
        features.nps_class,
        cast(round(features.web_order_share * features.frequency) as {{ dbt.type_bigint() }}) as web_orders,
        cast(round(features.app_order_share * features.frequency) as {{ dbt.type_bigint() }}) as app_orders,
        cast(round(features.store_order_share * features.frequency) as {{ dbt.type_bigint() }}) as store_orders,
        {{ segmentation_region_or_country('customers') }} as region,
        cast(customer_values.probability_alive as {{ dbt.type_numeric() }}) as probability_alive,
        cast(customer_values.predicted_value as {{ dbt.type_numeric() }}) as predicted_value
    from memberships
    inner join features
        on
            memberships.customer_id = features.customer_id
            and memberships.period_month_end = features.period_month_end
    inner join customers
        on memberships.customer_id = customers.customer_id
    inner join customer_values
        on
            memberships.customer_id = customer_values.customer_id
            and memberships.period_month_end = customer_values.period_month_end
),

sized as (
    select
        segmentation,
        segment,
        min(segment_rank) as segment_rank,
        count(*) as customers,
        sum(monetary) as net_revenue,
        avg(recency_days) as avg_recency_days,
        {{ segmentation_median('recency_days') }} as median_recency_days,
        avg(frequency) as avg_frequency,
        {{ segmentation_median('frequency') }} as median_frequency,
        avg(monetary) as avg_monetary,
        {{ segmentation_median('monetary') }} as median_monetary,
        sum(monetary) / nullif(sum(frequency), 0) as avg_order_value,
        avg(tenure_days) as avg_tenure_days,
        avg(email_open_rate) as avg_email_open_rate,
        avg(email_click_rate) as avg_email_click_rate,
        avg(sessions_last_90_days) as avg_sessions_last_90_days,
        avg(support_tickets_last_365_days) as avg_support_tickets_last_365_days,
        avg(latest_nps_score) as avg_nps_score,
        100.0 * (
            sum(case when nps_class = 'promoter' then 1 else 0 end)
            - sum(case when nps_class = 'detractor' then 1 else 0 end)
        ) / nullif(count(nps_class), 0) as net_promoter_score,
        sum(web_orders) as web_orders,
        sum(app_orders) as app_orders,
        sum(store_orders) as store_orders,
        avg(probability_alive) as avg_probability_alive,
        avg(predicted_value) as avg_predicted_value,
        sum(predicted_value) as predicted_value
    from current_members
    group by segmentation, segment
),

overall as (
    select
        segmentation,
        sum(customers) as all_customers,
        sum(net_revenue) as all_net_revenue
    from sized
    group by segmentation
),

segment_categories as (
    select
        current_members.segmentation,
        current_members.segment,
        category_mix.category,
        sum(category_mix.category_spend) as category_spend
    from current_members
    inner join category_mix
        on current_members.customer_id = category_mix.customer_id
    group by current_members.segmentation, current_members.segment, category_mix.category
),

category_ranked as (
    -- shares of all the segment's spend; 'uncategorised' (no product or no category) ranks last
    -- and is never a top category, so a source without categories gives null, not a finding
    select
        *,
        category_spend / nullif(sum(category_spend) over (partition by segmentation, segment), 0)
            as category_share,
        row_number() over (
            partition by segmentation, segment
            order by case when category = 'uncategorised' then 1 else 0 end asc, category_spend desc, category asc
        ) as category_rank
    from segment_categories
),

top_categories as (
    select
        segmentation,
        segment,
        max(case when category_rank = 1 then category end) as top_category,
        max(case when category_rank = 1 then category_share end) as top_category_share,
        {{ dbt.listagg(
            measure=dbt.concat(['category', "' ('", segmentation_format_number('100 * category_share'), "'%)'"]),
            delimiter_text="', '",
            order_by_clause='order by category_rank asc',
        ) }} as top_categories
    from category_ranked
    where category_rank <= 3 and category != 'uncategorised'
    group by segmentation, segment
),

region_ranked as (
    -- known regions only: a segment whose customers have no region has no dominant region
    select
        segmentation,
        segment,
        region,
        count(*) as region_customers,
        row_number() over (
            partition by segmentation, segment order by count(*) desc, region asc
        ) as region_rank
    from current_members
    where region is not null
    group by segmentation, segment, region
),

channels as (
    select
        segmentation,
        segment,
        case
            when coalesce(web_orders + app_orders + store_orders, 0) = 0 then null
            when web_orders >= app_orders and web_orders >= store_orders then 'web'
            when app_orders >= store_orders then 'app'
            else 'store'
        end as dominant_channel,
        greatest(web_orders, app_orders, store_orders)
        / nullif(web_orders + app_orders + store_orders, 0) as dominant_channel_share
    from sized
),

shares as (
    select
        sized.*,
        sized.customers * 1.0 / overall.all_customers as customer_share,
        sized.net_revenue / nullif(overall.all_net_revenue, 0) as revenue_share
    from sized
    inner join overall
        on sized.segmentation = overall.segmentation
),

described as (
    select
        -- keys
        shares.segmentation,
        shares.segment,
        shares.segment_rank,
        coalesce(rfm_rules.description, centroids.cluster_description, potential_rules.description)
            as segment_description,
        -- size and value
        shares.customers,
        shares.customer_share,
        -- segments too small to act on (reported for every segmentation; the named RFM segments
        -- keep their names, the fitted and merged segmentations merge them away)
        shares.customer_share < {{ segmentation_setting('min_segment_share') }} as is_below_min_share,
        shares.net_revenue,
        shares.revenue_share,
        -- recency, frequency, monetary
        shares.avg_recency_days,
        shares.median_recency_days,
        shares.avg_frequency,
        shares.median_frequency,
        shares.avg_monetary,
        shares.median_monetary,
        shares.avg_order_value,
        shares.avg_tenure_days,
        -- engagement and satisfaction
        shares.avg_email_open_rate,
        shares.avg_email_click_rate,
        shares.avg_sessions_last_90_days,
        shares.avg_support_tickets_last_365_days,
        shares.avg_nps_score,
        shares.net_promoter_score,
        -- needs, channel and geography
        top_categories.top_category,
        top_categories.top_category_share,
        top_categories.top_categories,
        channels.dominant_channel,
        channels.dominant_channel_share,
        region_ranked.region as dominant_region,
        -- of all the segment's customers, those without a region included
        region_ranked.region_customers * 1.0 / shares.customers as dominant_region_share,
        -- potential
        shares.avg_probability_alive,
        shares.avg_predicted_value,
        shares.predicted_value
    from shares
    inner join channels
        on
            shares.segmentation = channels.segmentation
            and shares.segment = channels.segment
    left join region_ranked
        on
            shares.segmentation = region_ranked.segmentation
            and shares.segment = region_ranked.segment
            and region_ranked.region_rank = 1
    left join top_categories
        on
            shares.segmentation = top_categories.segmentation
            and shares.segment = top_categories.segment
    left join rfm_rules
        on
            shares.segmentation = 'rfm'
            and shares.segment = rfm_rules.segment_name
    left join centroids
        on
            shares.segmentation = 'cluster'
            and shares.segment_rank = centroids.cluster_rank
    left join potential_rules
        on
            shares.segmentation = 'potential'
            and shares.segment = potential_rules.potential_tier
),

segment_personas as (
    select * from {{ ref('segment_personas') }}
),

personas as (
    select
        described.*,
        coalesce(segment_personas.persona, '') as persona
    from described
    left join segment_personas
        on
            described.segmentation = segment_personas.segmentation
            and described.segment = segment_personas.segment
)

select * from personas
