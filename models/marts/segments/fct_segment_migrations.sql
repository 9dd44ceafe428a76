-- Customers moving between segments from one month end to the next, per segmentation: how many,
-- their net revenue in the month they left and in the month they arrived, the share of the
-- from-segment that made the move, and its direction. Entries and exits are states of their own:
-- from_segment '(new)' holds customers who were not customers yet at the previous month end,
-- to_segment '(exit)' customers who were and are no longer (they left the sources; a lapsed or
-- churned customer stays a customer, in a lapsed segment such as Lost). Direction compares
-- segment_rank (1 = most valuable): a lower rank is an upgrade, a higher one a downgrade, with two
-- exceptions: a move from a segment that is not lapsed into a lapsed one (RFM lifecycle stage
-- lapsed; composite segments of lapsed customers only) is a downgrade whatever the ranks, and a
-- move into a composite catch-all (merged across value tiers) is never an upgrade ('lateral').
-- Rows leaving a segment add up to its size at the previous month end; rows arriving, to its size
-- now (tested in assert_migrations_conserve_segment_sizes). Built from the wide segment history
-- with one lag/lead window per customer and then unpivoted, instead of joining the long
-- memberships (customers x months x segmentations) with themselves: no join of the big tables.
-- A composite move is judged by the merge maps its two months were assigned with
-- (int_composite_segments per definition_version). Incremental (point in time, like its input): a
-- build recomputes the last stored month and the months after it, reading one month more for the
-- previous month end.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_month_end',
        on_schema_change='fail',
    )
}}
{%- set segmentations = segmentation_segment_columns() %}
with

customer_segments as (
    select * from {{ ref('fct_customer_segments_monthly') }}
    {%- if is_incremental() %}
    where {{ segmentation_since_previous_month() }}
    {%- endif %}
),

month_versions as (
    select
        period_month_end,
        max(composite_definition_version) as composite_definition_version
    from customer_segments
    group by 1
),

rfm_rules as (
    select * from {{ ref('rfm_segment_rules') }}
),

composite_segments as (
    select * from {{ ref('int_composite_segments') }}
),

periods as (
    select distinct period_month_end from customer_segments
),

segment_kinds as (
    -- the segments whose moves are not read from their ranks alone
    {{ segmentation_segment_kinds('rfm_rules', 'composite_segments') }}
),

neighbours as (
    -- one window over the wide history: each customer-month with the row before and after it
    select
        customer_id,
        period_month_end,
        net_revenue_in_period,
        {%- for item in segmentations %}
        {{ item.segment }},
        {{ item.rank }},
        lag({{ item.segment }}) over customer_months as previous_{{ item.segment }},
        lag({{ item.rank }}) over customer_months as previous_{{ item.rank }},
        {%- endfor %}
        lag(net_revenue_in_period) over customer_months as previous_net_revenue_in_period,
        lag(period_month_end) over customer_months as previous_row_month_end,
        lead(period_month_end) over customer_months as next_row_month_end
    from customer_segments
    window customer_months as (partition by customer_id order by period_month_end)
),

arrivals as (
    -- every customer-month: from the segment at the previous month end, or '(new)' when the
    -- customer was not a customer then
    select
        period_month_end,
        {%- for item in segmentations %}
        {{ item.segment }} as to_{{ item.segment }},
        {{ item.rank }} as to_{{ item.rank }},
        case when is_consecutive then previous_{{ item.segment }} else '(new)' end as from_{{ item.segment }},
        case when is_consecutive then previous_{{ item.rank }} end as from_{{ item.rank }},
        {%- endfor %}
        case when is_consecutive then previous_net_revenue_in_period else 0 end as from_period_net_revenue,
        net_revenue_in_period as to_period_net_revenue
    from (
        select
            *,
            coalesce(
                previous_row_month_end = {{ segmentation_month_end(dbt.dateadd('month', -1, 'period_month_end')) }},
                false
            ) as is_consecutive
        from neighbours
    ) as flagged
),

exits as (
    -- a customer-month whose customer is gone at the next month end, when that month is in the history
    select
        periods.period_month_end,
        {%- for item in segmentations %}
        '(exit)' as to_{{ item.segment }},
        cast(null as {{ dbt.type_int() }}) as to_{{ item.rank }},
        neighbours.{{ item.segment }} as from_{{ item.segment }},
        neighbours.{{ item.rank }} as from_{{ item.rank }},
        {%- endfor %}
        neighbours.net_revenue_in_period as from_period_net_revenue,
        0 as to_period_net_revenue
    from neighbours
    inner join periods
        on periods.period_month_end = {{ segmentation_month_end(dbt.dateadd('month', 1, 'neighbours.period_month_end')) }}
    where
        neighbours.next_row_month_end is null
        or neighbours.next_row_month_end != periods.period_month_end
),

wide_transitions as (
    select * from arrivals
    union all
    select * from exits
),

transitions as (
    -- long form: one row per customer-month and segmentation
    select *
    from (
        select
            segmentations.segmentation,
            wide_transitions.period_month_end,
            {{ segmentation_segment_case('wide_transitions', 'segment', 'from_') }} as from_segment,
            {{ segmentation_segment_case('wide_transitions', 'segment', 'to_') }} as to_segment,
            {{ segmentation_segment_case('wide_transitions', 'rank', 'from_') }} as from_segment_rank,
            {{ segmentation_segment_case('wide_transitions', 'rank', 'to_') }} as to_segment_rank,
            wide_transitions.from_period_net_revenue,
            wide_transitions.to_period_net_revenue
        from wide_transitions
        cross join {{ segmentation_segmentation_rows() }} as segmentations
    ) as long_transitions
    -- a segmentation that assigned no segment (only in unit-test fixtures) has no transition
    where from_segment is not null and to_segment is not null
),

counted as (
    select
        segmentation,
        period_month_end,
        from_segment,
        to_segment,
        min(from_segment_rank) as from_segment_rank,
        min(to_segment_rank) as to_segment_rank,
        count(*) as customers,
        sum(from_period_net_revenue) as from_period_net_revenue,
        sum(to_period_net_revenue) as to_period_net_revenue
    from transitions
    group by 1, 2, 3, 4
),

kinded as (
    select
        counted.*,
        coalesce(from_kinds.is_lapsed, false) as is_from_lapsed,
        coalesce(to_kinds.is_lapsed, false) as is_to_lapsed,
        coalesce(to_kinds.is_catch_all, false) as is_to_catch_all
    from counted
    left join month_versions as to_versions
        on counted.period_month_end = to_versions.period_month_end
    left join month_versions as from_versions
        on {{ segmentation_month_end(dbt.dateadd('month', -1, 'counted.period_month_end')) }} = from_versions.period_month_end
    left join segment_kinds as from_kinds
        on
            {{ segmentation_segment_kind_matches(
                'from_kinds', 'counted.segmentation', 'counted.from_segment',
                'from_versions.composite_definition_version',
            ) }}
    left join segment_kinds as to_kinds
        on
            {{ segmentation_segment_kind_matches(
                'to_kinds', 'counted.segmentation', 'counted.to_segment',
                'to_versions.composite_definition_version',
            ) }}
),

rated as (
    select
        -- keys
        segmentation,
        period_month_end,
        from_segment,
        to_segment,
        -- direction
        from_segment_rank,
        to_segment_rank,
        case
            when from_segment = '(new)' then 'entry'
            when to_segment = '(exit)' then 'exit'
            when from_segment = to_segment then 'same'
            when is_to_lapsed and not is_from_lapsed then 'downgrade'
            when is_to_catch_all and to_segment_rank <= from_segment_rank then 'lateral'
            when to_segment_rank < from_segment_rank then 'upgrade'
            when to_segment_rank > from_segment_rank then 'downgrade'
            else 'lateral'
        end as direction,
        from_segment = to_segment as is_same_segment,
        -- measures
        customers,
        cast(sum(customers) over (partition by segmentation, period_month_end, from_segment) as {{ dbt.type_bigint() }})
            as from_segment_customers,
        customers * 1.0
        / sum(customers) over (partition by segmentation, period_month_end, from_segment) as transition_rate,
        from_period_net_revenue,
        to_period_net_revenue
    from kinded
),

written as (
    select * from rated
    {%- if is_incremental() %}
    where period_month_end >= (select max(stored.period_month_end) from {{ this }} as stored)
    {%- endif %}
)

select * from written
