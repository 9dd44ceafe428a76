-- The potential tiers of each period after small ones are merged: a tier holding fewer than
-- segmentation__min_segment_share of the period's customers (prospects included) is merged into
-- a neighbour in rank order, the smallest first, until every remaining tier reaches the share or
-- one tier is left. The neighbour is the one of the same kind (accepts_lapsed_one_time_buyers, so
-- that a merge never puts lapsed one-time buyers in a high-potential tier) when only one is,
-- else the larger one (on a tie, the lower-ranked one). One row per period and original
-- tier; merged_potential_tier is the tier its customers end up in.
-- Point in time (incremental, like int_customer_value_scored_monthly): a past month keeps its
-- merges; a build recomputes only the months it values.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_month_end',
        on_schema_change='fail',
    )
}}
{%- set share = segmentation_setting('min_segment_share') %}
{%- set passes = 9 %}

with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
    {%- if is_incremental() %}
    where {{ segmentation_new_months() }}
    {%- endif %}
),

scored as (
    select scored.*
    from {{ ref('int_customer_value_scored_monthly') }} as scored
    {%- if is_incremental() %}
    where {{ segmentation_new_months('scored.period_month_end') }}
    {%- endif %}
),

tier_rules as (
    select * from {{ ref('potential_tier_rules') }}
),

period_customers as (
    select
        period_month_end,
        max(period_end_date) as period_end_date,
        count(*) as customers
    from features
    group by period_month_end
),

tier_counts as (
    select
        period_month_end,
        potential_rank,
        count(*) as customers
    from scored
    group by period_month_end, potential_rank
),

map_0 as (
    select
        period_month_end,
        potential_rank as original_rank,
        potential_rank as group_rank,
        customers
    from tier_counts
),
{%- for i in range(1, passes + 1) %}

groups_{{ i }} as (
    select
        map_{{ i - 1 }}.period_month_end,
        map_{{ i - 1 }}.group_rank,
        sum(map_{{ i - 1 }}.customers) as customers,
        max(period_customers.customers) as period_customers,
        max(case when tier_rules.accepts_lapsed_one_time_buyers then 1 else 0 end) as accepts_lapsed
    from map_{{ i - 1 }}
    inner join period_customers
        on map_{{ i - 1 }}.period_month_end = period_customers.period_month_end
    inner join tier_rules
        on map_{{ i - 1 }}.group_rank = tier_rules.potential_rank
    group by map_{{ i - 1 }}.period_month_end, map_{{ i - 1 }}.group_rank
),

neighbours_{{ i }} as (
    select
        *,
        count(*) over (partition by period_month_end) as group_count,
        row_number() over (partition by period_month_end order by customers, group_rank) as smallness,
        lag(group_rank) over (partition by period_month_end order by group_rank) as previous_rank,
        lag(customers) over (partition by period_month_end order by group_rank) as previous_customers,
        lead(group_rank) over (partition by period_month_end order by group_rank) as next_rank,
        lead(customers) over (partition by period_month_end order by group_rank) as next_customers,
        lag(accepts_lapsed) over (partition by period_month_end order by group_rank) as previous_accepts,
        lead(accepts_lapsed) over (partition by period_month_end order by group_rank) as next_accepts
    from groups_{{ i }}
),

merge_{{ i }} as (
    select
        period_month_end,
        group_rank as from_rank,
        case
            when next_rank is null then previous_rank
            when previous_rank is null then next_rank
            when previous_accepts = accepts_lapsed and next_accepts != accepts_lapsed then previous_rank
            when next_accepts = accepts_lapsed and previous_accepts != accepts_lapsed then next_rank
            when next_customers >= previous_customers then next_rank
            else previous_rank
        end as to_rank
    from neighbours_{{ i }}
    where
        smallness = 1
        and group_count > 1
        and customers < {{ share }} * period_customers
),

map_{{ i }} as (
    select
        map_{{ i - 1 }}.period_month_end,
        map_{{ i - 1 }}.original_rank,
        coalesce(merge_{{ i }}.to_rank, map_{{ i - 1 }}.group_rank) as group_rank,
        map_{{ i - 1 }}.customers
    from map_{{ i - 1 }}
    left join merge_{{ i }}
        on
            map_{{ i - 1 }}.period_month_end = merge_{{ i }}.period_month_end
            and map_{{ i - 1 }}.group_rank = merge_{{ i }}.from_rank
),
{%- endfor %}

tier_merges as (
    select
        map_{{ passes }}.period_month_end,
        period_customers.period_end_date,
        original_tiers.potential_tier,
        map_{{ passes }}.original_rank as potential_rank,
        merged_tiers.potential_tier as merged_potential_tier,
        map_{{ passes }}.group_rank as merged_potential_rank,
        cast(map_{{ passes }}.customers as {{ dbt.type_bigint() }}) as customers,
        cast(period_customers.customers as {{ dbt.type_bigint() }}) as period_customers,
        map_{{ passes }}.original_rank != map_{{ passes }}.group_rank as is_merged
    from map_{{ passes }}
    inner join period_customers
        on map_{{ passes }}.period_month_end = period_customers.period_month_end
    inner join tier_rules as original_tiers
        on map_{{ passes }}.original_rank = original_tiers.potential_rank
    inner join tier_rules as merged_tiers
        on map_{{ passes }}.group_rank = merged_tiers.potential_rank
)

select * from tier_merges
