-- The targeting playbook: one row per segmentation and segment that occurs at any month end (or
-- has a playbook row of its own), with the objective and the marketing, product, service, pricing,
-- channel and offer that apply. Which playbook row applies (playbook_segment):
--   rfm, value_tier, potential: the segment name itself;
--   composite: the segment's lifecycle stage (composite names are generated, but the merge keeps
--     lifecycle as its last level, so every composite segment has one lifecycle stage except the
--     catch-all mixes: those use 'mixed');
--   cluster: the cluster's defining trait (the defining_trait of the newest definition holding
--     the segment's name, segmentation_cluster_model: the catalog trait
--     of the feature that sets the cluster apart most, 'typical' when none, 'prospect' for the
--     prospects segment), so clusters with different defining traits get different rows.
-- A segment without a playbook row has null objective and has_playbook false, and the test
-- assert_every_segment_has_a_playbook fails naming it.
with

playbook as (
    select * from {{ ref('segment_playbook') }}
),

memberships as (
    select * from {{ ref('int_segment_memberships_monthly') }}
),

composite as (
    select * from {{ ref('int_customer_composite_monthly') }}
),

cluster_registry as (
    select * from {{ ref('segmentation_cluster_model') }}
),

cluster_definitions as (
    -- every cluster of every definition: the history holds the segments of past definitions too
    select
        definition_version,
        cluster_id,
        max(case when parameter_name = 'cluster_name' then text_value end) as cluster_name,
        max(case when parameter_name = 'defining_trait' then text_value end) as defining_trait
    from cluster_registry
    where artifact = 'cluster'
    group by 1, 2
),

clusters as (
    -- one row per cluster name: a name kept across definitions takes the newest one's trait
    select
        cluster_name,
        defining_trait
    from (
        select
            cluster_name,
            defining_trait,
            row_number() over (partition by cluster_name order by definition_version desc) as recency
        from cluster_definitions
    ) as named
    where recency = 1
),

observed_segments as (
    select
        segmentation,
        segment,
        min(segment_rank) as segment_rank
    from memberships
    group by 1, 2
),

composite_lifecycles as (
    select
        composite_segment,
        count(distinct lifecycle_stage) as lifecycle_stages,
        min(lifecycle_stage) as lifecycle_stage
    from composite
    group by 1
),

keyed_segments as (
    select
        observed_segments.segmentation,
        observed_segments.segment,
        cast(observed_segments.segment_rank as {{ dbt.type_int() }}) as segment_rank,
        true as is_observed,
        case
            when observed_segments.segmentation = 'composite'
                then
                    case
                        when composite_lifecycles.lifecycle_stages = 1 then composite_lifecycles.lifecycle_stage
                        else 'mixed'
                    end
            when observed_segments.segmentation = 'cluster' then clusters.defining_trait
            else observed_segments.segment
        end as playbook_segment
    from observed_segments
    left join clusters
        on
            observed_segments.segmentation = 'cluster'
            and observed_segments.segment = clusters.cluster_name
    left join composite_lifecycles
        on
            observed_segments.segmentation = 'composite'
            and observed_segments.segment = composite_lifecycles.composite_segment
),

unobserved_segments as (
    -- playbook rows keyed on a segment name that no customer holds (yet)
    select
        playbook.segmentation,
        playbook.segment,
        cast(null as {{ dbt.type_int() }}) as segment_rank,
        false as is_observed,
        playbook.segment as playbook_segment
    from playbook
    left join observed_segments
        on
            playbook.segmentation = observed_segments.segmentation
            and playbook.segment = observed_segments.segment
    where
        playbook.segmentation not in ('composite', 'cluster')
        and observed_segments.segment is null
),

all_segments as (
    select * from keyed_segments
    union all
    select * from unobserved_segments
),

playbook_applied as (
    select
        -- keys
        all_segments.segmentation,
        all_segments.segment,
        all_segments.segment_rank,
        all_segments.playbook_segment,
        all_segments.is_observed,
        playbook.segment is not null as has_playbook,
        -- the playbook
        playbook.objective,
        playbook.marketing_approach,
        playbook.product_approach,
        playbook.service_approach,
        playbook.pricing_approach,
        playbook.channel,
        playbook.offer,
        playbook.priority
    from all_segments
    left join playbook
        on
            all_segments.segmentation = playbook.segmentation
            and all_segments.playbook_segment = playbook.segment
)

select * from playbook_applied
