{{ config(materialized='table') }}

-- What sets each segment apart, as of the as-of date: one row per segmentation, segment and
-- trait (and level, for region and category) with the segment's value, all customers' value, the
-- standardised difference between them and the customers behind the segment's figure. The
-- persona model (segment_personas) writes its sentences from these rows.
-- Standardised difference: (segment mean - mean of all customers) / standard deviation of all
-- customers for a per-customer figure; (p_segment - p_all) / sqrt(p_all * (1 - p_all)) for a
-- share (of customers in a region, of spend in a category), the same formula applied to the 0/1
-- indicator. "All customers" are every customer with a value (rates such as the discount share
-- exist for buyers only, the open rate for customers who received email). Sums are taken on
-- fixed-point numbers, so every run gives the same figures.
{%- set numeric_traits = [
    'recency_days', 'frequency', 'monetary', 'avg_order_value', 'tenure_days', 'discount_share',
    'return_rate', 'email_open_rate', 'sessions_last_90_days', 'app_session_share',
    'support_tickets_last_365_days', 'latest_nps_score', 'web_order_share', 'app_order_share',
    'store_order_share',
] %}

with

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

memberships as (
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
    -- one row per customer: every per-customer trait as a fixed-point number
    select
        features.customer_id,
        {{ segmentation_region_or_country('customers') }} as region,
        features.nps_class,
        cast(features.monetary as {{ dbt.type_numeric() }}) as revenue,
        cast(
            coalesce(features.web_sessions_last_90_days, 0) + coalesce(features.app_sessions_last_90_days, 0)
            as {{ dbt.type_numeric() }}
        ) as sessions_last_90_days,
        {% for trait in numeric_traits if trait != 'sessions_last_90_days' %}
        cast(features.{{ trait }} as {{ dbt.type_numeric() }}) as {{ trait }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from features
    left join customers
        on features.customer_id = customers.customer_id
),

members as (
    select
        memberships.segmentation,
        memberships.segment,
        customer_values.*
    from memberships
    inner join customer_values
        on memberships.customer_id = customer_values.customer_id
),

segment_sizes as (
    select
        segmentation,
        segment,
        count(*) as segment_customers,
        sum(revenue) as segment_revenue,
        sum(count(*)) over (partition by segmentation) as all_customers,
        sum(sum(revenue)) over (partition by segmentation) as all_revenue
    from members
    group by segmentation, segment
),

segment_sums as (
    select
        segmentation,
        segment,
        {% for trait in numeric_traits %}
        count({{ trait }}) as {{ trait }}__n,
        sum({{ trait }}) as {{ trait }}__sum,
        {% endfor %}
        count(nps_class) as nps__n,
        sum(case when nps_class = 'promoter' then 1 when nps_class = 'detractor' then -1 else 0 end) as nps__net
    from members
    group by segmentation, segment
),

population_sums as (
    select
        {% for trait in numeric_traits %}
        count({{ trait }}) as {{ trait }}__n,
        sum({{ trait }}) as {{ trait }}__sum,
        sum({{ trait }} * {{ trait }}) as {{ trait }}__sum_squares,
        {% endfor %}
        count(nps_class) as nps__n,
        sum(case when nps_class = 'promoter' then 1 when nps_class = 'detractor' then -1 else 0 end) as nps__net
    from customer_values
),

population_stats as (
    -- mean and variance (mean of squares - square of the mean) of every trait among all customers
    select
        {% for trait in numeric_traits %}
        cast({{ trait }}__sum / nullif({{ trait }}__n, 0) as {{ segmentation_type_double() }}) as {{ trait }}__mean,
        cast(
            {{ trait }}__sum_squares / nullif({{ trait }}__n, 0)
            - ({{ trait }}__sum / nullif({{ trait }}__n, 0)) * ({{ trait }}__sum / nullif({{ trait }}__n, 0))
            as {{ segmentation_type_double() }}
        ) as {{ trait }}__variance,
        {% endfor %}
        cast(100.0 * nps__net / nullif(nps__n, 0) as {{ segmentation_type_double() }}) as nps__score
    from population_sums
),

numeric_rows as (
    {% for trait in numeric_traits %}
    select
        segment_sums.segmentation,
        segment_sums.segment,
        '{{ trait }}' as trait,
        cast(null as {{ dbt.type_string() }}) as level,
        segment_sums.{{ trait }}__n as measured_customers,
        cast(segment_sums.{{ trait }}__sum / nullif(segment_sums.{{ trait }}__n, 0) as {{ segmentation_type_double() }})
            as segment_value,
        population_stats.{{ trait }}__mean as population_value,
        sqrt(greatest(population_stats.{{ trait }}__variance, 0)) as population_sd
    from segment_sums
    cross join population_stats
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

nps_rows as (
    -- net promoter score: reported with its answers, not ranked as a trait
    select
        segment_sums.segmentation,
        segment_sums.segment,
        'net_promoter_score' as trait,
        cast(null as {{ dbt.type_string() }}) as level,
        segment_sums.nps__n as measured_customers,
        cast(100.0 * segment_sums.nps__net / nullif(segment_sums.nps__n, 0) as {{ segmentation_type_double() }}) as segment_value,
        population_stats.nps__score as population_value,
        cast(null as {{ segmentation_type_double() }}) as population_sd
    from segment_sums
    cross join population_stats
),

region_counts as (
    select
        segmentation,
        segment,
        region,
        count(*) as region_customers,
        sum(count(*)) over (partition by segmentation, segment) as segment_with_region,
        sum(count(*)) over (partition by segmentation, region) as all_in_region,
        sum(count(*)) over (partition by segmentation) as all_with_region
    from members
    where region is not null
    group by segmentation, segment, region
),

category_spend as (
    select
        members.segmentation,
        members.segment,
        category_mix.category,
        sum(category_mix.category_spend) as category_spend,
        count(*) as category_customers
    from members
    inner join category_mix
        on members.customer_id = category_mix.customer_id
    group by members.segmentation, members.segment, category_mix.category
),

category_shares as (
    select
        *,
        cast(
            sum(category_spend) over (partition by segmentation, category)
            / nullif(sum(category_spend) over (partition by segmentation), 0)
            as {{ segmentation_type_double() }}
        ) as all_category_share,
        cast(
            category_spend / nullif(sum(category_spend) over (partition by segmentation, segment), 0)
            as {{ segmentation_type_double() }}
        ) as segment_category_share
    from category_spend
),

segment_buyers as (
    select
        members.segmentation,
        members.segment,
        count(distinct members.customer_id) as spending_customers
    from members
    inner join category_mix
        on members.customer_id = category_mix.customer_id
    group by members.segmentation, members.segment
),

share_rows as (
    select
        segmentation,
        segment,
        'region' as trait,
        region as level,
        segment_with_region as measured_customers,
        cast(1.0 * region_customers / segment_with_region as {{ segmentation_type_double() }}) as segment_value,
        cast(1.0 * all_in_region / all_with_region as {{ segmentation_type_double() }}) as population_value,
        sqrt(
            cast(1.0 * all_in_region / all_with_region as {{ segmentation_type_double() }})
            * (1 - cast(1.0 * all_in_region / all_with_region as {{ segmentation_type_double() }}))
        ) as population_sd
    from region_counts

    union all

    select
        category_shares.segmentation,
        category_shares.segment,
        'category' as trait,
        category_shares.category as level,
        segment_buyers.spending_customers as measured_customers,
        category_shares.segment_category_share as segment_value,
        category_shares.all_category_share as population_value,
        sqrt(category_shares.all_category_share * (1 - category_shares.all_category_share)) as population_sd
    from category_shares
    inner join segment_buyers
        on
            category_shares.segmentation = segment_buyers.segmentation
            and category_shares.segment = segment_buyers.segment
),

all_rows as (
    select * from numeric_rows
    union all
    select * from nps_rows
    union all
    select * from share_rows
),

traits as (
    select
        all_rows.segmentation,
        all_rows.segment,
        all_rows.trait,
        all_rows.level,
        segment_sizes.segment_customers,
        cast(1.0 * segment_sizes.segment_customers / segment_sizes.all_customers as {{ segmentation_type_double() }})
            as segment_customer_share,
        cast(segment_sizes.segment_revenue / nullif(segment_sizes.all_revenue, 0) as {{ segmentation_type_double() }})
            as segment_revenue_share,
        all_rows.measured_customers,
        all_rows.segment_value,
        all_rows.population_value,
        all_rows.population_sd,
        case
            when all_rows.population_sd > 0
                then (all_rows.segment_value - all_rows.population_value) / all_rows.population_sd
        end as standardized_difference
    from all_rows
    inner join segment_sizes
        on
            all_rows.segmentation = segment_sizes.segmentation
            and all_rows.segment = segment_sizes.segment
)

select * from traits
