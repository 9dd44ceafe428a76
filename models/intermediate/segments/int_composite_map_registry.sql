{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='check_month_end',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

-- The composite merge map, versioned: for every build's check month (the as-of month end), the
-- map in force after that build's check, from each cell (value tier x lifecycle stage x
-- engagement) to its composite segment and rank, with the definition_version, the month it was
-- decided on, its settings and the refit decision and reason. The map is decided on the current
-- period (a cell under segmentation__min_segment_share of the current customers is merged into
-- its value x lifecycle cell, then into its lifecycle stage, then into "Other customers"; past
-- segmentation__composite_max_segments, the smallest segments are merged into "Other customers"
-- too, and when "Other customers" itself is under the share, the smallest other segment joins
-- it). Ranks mean value: each cell has an order (value tier, then lifecycle, then engagement) and
-- a merged segment is ranked by the customer-weighted mean order of the cells it holds
-- (customer-months of the whole history), not by its best cell.
-- Refit policy (segmentation__refit, shared with the clustering and the value fit): auto decides a
-- new map when none is stored, on --full-refresh, when the settings changed, when the stored map
-- is segmentation__refit_interval_months old, when a map decided today would move more than
-- segmentation__drift_reassigned_share of the current customers to another segment, when a
-- cell with current customers is not in the stored map, or when a segment of the stored map holds
-- current customers but under segmentation__min_segment_share of them (shares drift month by
-- month, and a kept map must still give segments large enough to act on); a new map equal to the
-- stored one keeps its version. Incremental (delete+insert on check_month_end) and kept by --full-refresh.
{%- set min_share = segmentation_setting('min_segment_share') %}
{%- set max_segments = segmentation_setting('composite_max_segments') %}
{%- set refit = segmentation_setting('refit') %}
{%- set interval = segmentation_setting('refit_interval_months') %}
{%- set reassigned_bound = segmentation_setting('drift_reassigned_share') %}
{%- set fingerprint = 'min_segment_share=' ~ min_share ~ ';composite_max_segments=' ~ max_segments
    ~ ';engaged_open_rate=' ~ segmentation_setting('engaged_open_rate')
    ~ ';engaged_sessions_90d=' ~ segmentation_setting('engaged_sessions_90d') %}

with

axes as (
    select * from {{ ref('int_composite_axes_monthly') }}
),

request as (
    select * from {{ ref('int_cluster_refit_request') }}
),

cells as (
    -- every combination seen in any period, with its size in the current period
    select
        value_tier,
        lifecycle_stage,
        engagement_level,
        sum(case when is_current_period then 1 else 0 end) as current_customers,
        count(*) as customer_months
    from axes
    group by 1, 2, 3
),

current_total as (
    select sum(current_customers) as customers from cells
),

level_three as (
    select
        cells.*,
        cells.current_customers >= {{ min_share }} * current_total.customers as keeps_cell
    from cells
    cross join current_total
),

level_two as (
    select
        level_three.*,
        sum(case when not level_three.keeps_cell then level_three.current_customers else 0 end)
            over (partition by level_three.value_tier, level_three.lifecycle_stage)
        >= {{ min_share }} * current_total.customers as keeps_value_lifecycle
    from level_three
    cross join current_total
),

level_one as (
    select
        level_two.*,
        case level_two.value_tier
            when 'high' then 'High value' when 'mid' then 'Mid value' when 'low' then 'Low value'
        end as value_label,
        replace(level_two.lifecycle_stage, '_', ' ') as lifecycle_label,
        sum(
            case when not level_two.keeps_cell and not level_two.keeps_value_lifecycle then level_two.current_customers else 0 end
        ) over (partition by level_two.lifecycle_stage)
        >= {{ min_share }} * current_total.customers as keeps_lifecycle
    from level_two
    cross join current_total
),

named as (
    select
        value_tier,
        lifecycle_stage,
        engagement_level,
        current_customers,
        customer_months,
        case
            -- an unknown engagement adds no word: the cell is named like its value x lifecycle cell
            when keeps_cell and value_tier = 'none' and engagement_level != 'unknown'
                then {{ dbt.concat(["'Prospects · '", "engagement_level"]) }}
            when keeps_cell and engagement_level != 'unknown'
                then {{ dbt.concat(["value_label", "' · '", "lifecycle_label", "' · '", "engagement_level"]) }}
            when (keeps_cell or keeps_value_lifecycle) and value_tier = 'none'
                then 'Prospects'
            when keeps_cell or keeps_value_lifecycle
                then {{ dbt.concat(["value_label", "' · '", "lifecycle_label"]) }}
            when keeps_lifecycle
                then {{ dbt.concat(["upper(substr(lifecycle_label, 1, 1))", "substr(lifecycle_label, 2)", "' (other)'"]) }}
            else 'Other customers'
        end as merged_segment,
        -- rank inputs: higher value, then healthier lifecycle, then engagement
        case value_tier when 'high' then 1 when 'mid' then 2 when 'low' then 3 else 4 end as value_order,
        case lifecycle_stage
            when 'active' then 1 when 'new' then 2 when 'at_risk' then 3 when 'lapsed' then 4 else 5
        end as lifecycle_order,
        case engagement_level when 'engaged' then 1 else 2 end as engagement_order
    from level_one
),

segment_sizes as (
    select
        merged_segment,
        sum(current_customers) as current_customers,
        min(value_order * 100 + lifecycle_order * 10 + engagement_order) as segment_order
    from named
    group by 1
),

capped as (
    select
        merged_segment,
        case
            when merged_segment = 'Other customers' then 'Other customers'
            when
                row_number() over (order by current_customers desc, segment_order asc, merged_segment asc)
                >= {{ max_segments }}
                and (select count(all_segments.merged_segment) from segment_sizes as all_segments) > {{ max_segments }}
                then 'Other customers'
            else merged_segment
        end as capped_segment,
        current_customers,
        segment_order
    from segment_sizes
),

capped_sizes as (
    select
        capped_segment,
        sum(current_customers) as current_customers,
        min(segment_order) as segment_order
    from capped
    group by 1
),

small_other as (
    -- "Other customers" with current customers but under the share: the smallest other segment
    -- joins it (every other segment holds the share, so one is enough)
    select min(capped_sizes.current_customers) as current_customers
    from capped_sizes
    cross join current_total
    where
        capped_sizes.capped_segment = 'Other customers'
        and capped_sizes.current_customers > 0
        and capped_sizes.current_customers < {{ min_share }} * current_total.customers
),

folded as (
    select
        capped_sizes.capped_segment,
        case
            when
                capped_sizes.capped_segment != 'Other customers'
                and small_other.current_customers is not null
                and row_number() over (
                    order by
                        case when capped_sizes.capped_segment = 'Other customers' then 1 else 0 end,
                        capped_sizes.current_customers asc,
                        capped_sizes.segment_order desc,
                        capped_sizes.capped_segment asc
                ) = 1
                then 'Other customers'
            else capped_sizes.capped_segment
        end as composite_segment
    from capped_sizes
    cross join small_other
),

segment_map as (
    select
        named.value_tier,
        named.lifecycle_stage,
        named.engagement_level,
        named.current_customers,
        named.customer_months,
        named.value_order * 100 + named.lifecycle_order * 10 + named.engagement_order as cell_order,
        folded.composite_segment
    from named
    inner join capped
        on named.merged_segment = capped.merged_segment
    inner join folded
        on capped.capped_segment = folded.capped_segment
),

segment_values as (
    -- a merged segment sits where the customers it holds sit: the customer-weighted mean order
    -- of its cells (the plain mean for a segment no customer-month holds)
    select
        composite_segment,
        coalesce(
            sum(cell_order * customer_months) * 1.0 / nullif(sum(customer_months), 0),
            avg(cell_order * 1.0)
        ) as weighted_order
    from segment_map
    group by 1
),

ranked_map as (
    select
        segment_map.value_tier,
        segment_map.lifecycle_stage,
        segment_map.engagement_level,
        segment_map.composite_segment,
        segment_map.current_customers,
        segment_map.customer_months,
        dense_rank() over (order by segment_values.weighted_order, segment_map.composite_segment)
            as composite_segment_rank
    from segment_map
    inner join segment_values
        on segment_map.composite_segment = segment_values.composite_segment
),

candidate as (
    select * from ranked_map
),

stored as (
    {%- if is_incremental() %}
    select stored.*
    from {{ this }} as stored
    where
        stored.check_month_end = (
            select max(earlier.check_month_end)
            from {{ this }} as earlier
            cross join request
            where earlier.check_month_end != request.as_of_month_end
        )
        and stored.refit_decision != 'superseded'
    {%- else %}
    -- a first build: nothing stored
    select
        cast(null as date) as check_month_end,
        cast(null as {{ dbt.type_bigint() }}) as definition_version,
        cast(null as date) as fitted_on_month_end,
        cast(null as {{ dbt.type_string() }}) as config_fingerprint,
        cast(null as {{ dbt.type_string() }}) as value_tier,
        cast(null as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(null as {{ dbt.type_string() }}) as engagement_level,
        cast(null as {{ dbt.type_string() }}) as composite_segment,
        cast(null as {{ dbt.type_bigint() }}) as composite_segment_rank,
        cast(null as {{ dbt.type_bigint() }}) as current_customers,
        cast(null as {{ dbt.type_bigint() }}) as customer_months
    where 1 = 0
    {%- endif %}
),

replaced as (
    -- the maps decided in this check month by an earlier build (a rerun replaces its rows)
    {%- if is_incremental() %}
    select this_month.*
    from {{ this }} as this_month
    cross join request
    where
        this_month.check_month_end = request.as_of_month_end
        and this_month.fitted_on_month_end = request.as_of_month_end
    {%- else %}
    select stored.* from stored
    {%- endif %}
),

replaced_matches as (
    -- a replaced map equal to the one decided today, cell for cell: a rerun keeps its number
    select min(replaced_maps.definition_version) as definition_version
    from (
        select
            replaced.definition_version,
            count(*) as cells,
            sum(
                case
                    when
                        candidate.composite_segment = replaced.composite_segment
                        and candidate.composite_segment_rank = replaced.composite_segment_rank
                        then 1
                    else 0
                end
            ) as same_cells
        from replaced
        left join candidate
            on
                replaced.value_tier = candidate.value_tier
                and replaced.lifecycle_stage = candidate.lifecycle_stage
                and replaced.engagement_level = candidate.engagement_level
        group by 1
    ) as replaced_maps
    where
        replaced_maps.cells = replaced_maps.same_cells
        and replaced_maps.cells = (select count(*) from candidate)
),

numbered as (
    -- a new map's number: the replaced one it equals, else one past every number stored, so a
    -- number always means one map (a rerun after a code change never reuses a number the history
    -- already holds)
    select
        coalesce(
            (select replaced_matches.definition_version from replaced_matches),
            {%- if is_incremental() %}
            (select max(everything.definition_version) from {{ this }} as everything),
            {%- endif %}
            0
        ) as max_version,
        (select replaced_matches.definition_version from replaced_matches) is not null as is_replaced_map
),

stored_meta as (
    select
        count(*) as cells,
        max(definition_version) as definition_version,
        max(fitted_on_month_end) as fitted_on_month_end,
        max(config_fingerprint) as config_fingerprint
    from stored
),

cell_maps as (
    -- each cell of today's map beside its segment and rank in the stored map (null when the stored
    -- map lacks the cell)
    select
        candidate.current_customers,
        candidate.composite_segment,
        candidate.composite_segment_rank,
        stored.composite_segment as stored_segment,
        stored.composite_segment_rank as stored_segment_rank
    from candidate
    left join stored
        on
            candidate.value_tier = stored.value_tier
            and candidate.lifecycle_stage = stored.lifecycle_stage
            and candidate.engagement_level = stored.engagement_level
),

compared as (
    -- today's customers under the stored map and under a map decided today
    select
        sum(case when stored_segment is null then 0 else current_customers end) as covered_customers,
        sum(case when stored_segment is null and current_customers > 0 then 1 else 0 end) as uncovered_cells,
        sum(
            case
                when stored_segment is not null and stored_segment != composite_segment then current_customers
                else 0
            end
        ) * 1.0 / nullif(sum(current_customers), 0) as reassigned_share,
        sum(
            case
                when
                    stored_segment is null
                    or stored_segment != composite_segment
                    or stored_segment_rank != composite_segment_rank
                    then 1
                else 0
            end
        ) as changed_cells
    from cell_maps
),

stored_segment_sizes as (
    -- today's customers in each segment of the stored map that holds any
    select
        stored_segment,
        sum(current_customers) as current_customers
    from cell_maps
    where stored_segment is not null
    group by 1
    having sum(current_customers) > 0
),

stored_segment_shares as (
    -- a kept map must leave every segment with current customers at
    -- segmentation__min_segment_share of them (one segment alone is exempt)
    select
        sum(
            case when stored_segment_sizes.current_customers < {{ min_share }} * current_total.customers then 1 else 0 end
        ) as small_segments,
        min(stored_segment_sizes.current_customers * 1.0 / current_total.customers) as smallest_share,
        count(*) as segments
    from stored_segment_sizes
    cross join current_total
),

checked as (
    select
        request.as_of_month_end,
        stored_meta.cells as stored_cells,
        stored_meta.definition_version as stored_version,
        stored_meta.fitted_on_month_end as stored_fitted_on,
        case when stored_meta.cells > 0 then compared.reassigned_share end as reassigned_share,
        compared.changed_cells = 0 and stored_meta.cells = (select count(*) from candidate) as is_same_map,
        case
            when stored_meta.cells = 0 then 'first fit: no stored definition'
            when '{{ refit }}' = 'always' then 'segmentation__refit is always'
            when '{{ refit }}' = 'never' then null
            when request.is_full_refresh then '--full-refresh with segmentation__refit auto'
            when stored_meta.config_fingerprint != '{{ fingerprint }}'
                then 'the composite settings (min_segment_share, composite_max_segments, engagement thresholds) changed'
            when
                {{ dbt.datediff('stored_meta.fitted_on_month_end', 'request.as_of_month_end', 'month') }}
                >= {{ interval }}
                then {{ dbt.concat([
                    "'definition '", segmentation_to_text('stored_meta.definition_version'), "' is '",
                    segmentation_to_text(dbt.datediff('stored_meta.fitted_on_month_end', 'request.as_of_month_end', 'month')),
                    "' months old (segmentation__refit_interval_months=" ~ interval ~ ")'",
                ]) }}
            when compared.reassigned_share > {{ reassigned_bound }}
                then {{ dbt.concat([
                    "'segment drift: a map decided today would move '",
                    segmentation_to_text('round(compared.reassigned_share, 3)'),
                    "' of the current customers > segmentation__drift_reassigned_share=" ~ reassigned_bound ~ "'",
                ]) }}
            when compared.uncovered_cells > 0
                then 'a cell with current customers is not in the stored map'
            when stored_segment_shares.small_segments > 0 and stored_segment_shares.segments > 1
                then {{ dbt.concat([
                    "'a segment of the stored map holds '",
                    segmentation_to_text('round(stored_segment_shares.smallest_share, 3)'),
                    "' of the current customers < segmentation__min_segment_share=" ~ min_share ~ "'",
                ]) }}
        end as refit_reason
    from request
    cross join stored_meta
    cross join compared
    cross join stored_segment_shares
),

decided as (
    select
        *,
        case
            when refit_reason is null then 'kept'
            when stored_cells > 0 and is_same_map then 'refit reproduced the stored definition'
            else 'refit'
        end as refit_decision
    from checked
),

written as (
    select
        decided.as_of_month_end as check_month_end,
        cast(
            case when numbered.is_replaced_map then numbered.max_version else numbered.max_version + 1 end
            as {{ dbt.type_bigint() }}
        ) as definition_version,
        decided.as_of_month_end as fitted_on_month_end,
        '{{ fingerprint }}' as config_fingerprint,
        candidate.value_tier,
        candidate.lifecycle_stage,
        candidate.engagement_level,
        candidate.composite_segment,
        cast(candidate.composite_segment_rank as {{ dbt.type_bigint() }}) as composite_segment_rank,
        cast(candidate.current_customers as {{ dbt.type_bigint() }}) as current_customers,
        cast(candidate.customer_months as {{ dbt.type_bigint() }}) as customer_months,
        cast(decided.stored_version as {{ dbt.type_bigint() }}) as checked_definition_version,
        '{{ refit }}' as refit_setting,
        decided.refit_decision,
        decided.refit_reason,
        decided.reassigned_share,
        {{ reassigned_bound }} as reassigned_threshold
    from candidate
    cross join decided
    cross join numbered
    where decided.refit_decision = 'refit'

    union all

    select
        decided.as_of_month_end as check_month_end,
        stored.definition_version,
        stored.fitted_on_month_end,
        stored.config_fingerprint,
        stored.value_tier,
        stored.lifecycle_stage,
        stored.engagement_level,
        stored.composite_segment,
        stored.composite_segment_rank,
        stored.current_customers,
        stored.customer_months,
        decided.stored_version as checked_definition_version,
        '{{ refit }}' as refit_setting,
        decided.refit_decision,
        coalesce(
            decided.refit_reason,
            {{ dbt.concat([
                "'definition '", segmentation_to_text('decided.stored_version'),
                "case when '" ~ refit ~ "' = 'never' then ' kept: segmentation__refit is never' else ' kept: drift within bounds' end",
            ]) }}
        ) as refit_reason,
        decided.reassigned_share,
        {{ reassigned_bound }} as reassigned_threshold
    from stored
    cross join decided
    where decided.refit_decision != 'refit'
),

{%- if is_incremental() %}

in_force_version as (
    select max(definition_version) as definition_version from written
),
{%- endif %}

superseded as (
    -- maps decided in this month by an earlier build and no longer in force: the history built
    -- with them keeps their number, so they are written again
    {%- if is_incremental() %}
    select
        replaced.check_month_end,
        replaced.definition_version,
        replaced.fitted_on_month_end,
        replaced.config_fingerprint,
        replaced.value_tier,
        replaced.lifecycle_stage,
        replaced.engagement_level,
        replaced.composite_segment,
        replaced.composite_segment_rank,
        replaced.current_customers,
        replaced.customer_months,
        replaced.checked_definition_version,
        replaced.refit_setting,
        'superseded' as refit_decision,
        {{ dbt.concat([
            "'definition '", segmentation_to_text('replaced.definition_version'),
            "' was superseded by a rerun of its check month (definition '",
            segmentation_to_text('in_force_version.definition_version'),
            "' is in force); the history built with it keeps its number'",
        ]) }} as refit_reason,
        replaced.reassigned_share,
        replaced.reassigned_threshold
    from replaced
    cross join in_force_version
    where replaced.definition_version != in_force_version.definition_version
    {%- else %}
    select * from written
    where 1 = 0
    {%- endif %}
)

select * from written
union all
select * from superseded
