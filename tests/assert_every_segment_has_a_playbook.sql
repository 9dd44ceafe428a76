-- Every segment a customer holds (in dim_segments now, or at any month end of the history) has a
-- targeting playbook in dim_segment_playbook. A failing row names the segmentation, the segment and
-- the playbook key it was looked up under (add that row to seeds/segment_playbook.csv).
with

current_segments as (
    select
        segmentation,
        segment
    from {{ ref('dim_segments') }}
),

historical_segments as (
    select distinct
        segmentation,
        segment
    from {{ ref('int_segment_memberships_monthly') }}
),

held_segments as (
    select * from current_segments
    union
    select * from historical_segments
),

playbook as (
    select * from {{ ref('dim_segment_playbook') }}
)

select
    held_segments.segmentation,
    held_segments.segment,
    coalesce(playbook.playbook_segment, held_segments.segment) as missing_playbook_segment
from held_segments
left join playbook
    on
        held_segments.segmentation = playbook.segmentation
        and held_segments.segment = playbook.segment
where playbook.objective is null
