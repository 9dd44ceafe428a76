-- Every migration pathway starts from and aims at a segment that has a playbook row (a known
-- segment of its segmentation), so a typo in seeds/migration_pathways.csv cannot silently fire
-- nothing. A failing row names the pathway and the unknown segment.
with

pathways as (
    select * from {{ ref('dim_migration_pathways') }}
),

playbook as (
    select * from {{ ref('dim_segment_playbook') }}
),

pathway_segments as (
    select
        pathway_id,
        segmentation,
        'from_segment' as pathway_column,
        from_segment as segment
    from pathways
    union all
    select
        pathway_id,
        segmentation,
        'target_segment' as pathway_column,
        target_segment as segment
    from pathways
)

select pathway_segments.*
from pathway_segments
left join playbook
    on
        pathway_segments.segmentation = playbook.segmentation
        and pathway_segments.segment = playbook.segment
where playbook.segment is null
