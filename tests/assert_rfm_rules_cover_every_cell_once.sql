-- Each of the 125 R/F/M score cells matches exactly one rule of rfm_segment_rules (whose ranges are
-- on R and on the combined score FM = round-half-up((F + M) / 2), macro segmentation_fm_score).
-- A failing row names the cell, how many rules match it and which: 0 is a gap, 2+ an overlap.
with

rules as (
    select * from {{ ref('rfm_segment_rules') }}
    where r_score_min is not null
),

scores as (
    select generated_number as score
    from ({{ dbt.generate_series(5) }}) as numbers
),

cells as (
    select
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from scores as r
    cross join scores as f
    cross join scores as m
),

matches as (
    select
        cells.r_score,
        cells.f_score,
        cells.m_score,
        count(rules.segment_name) as matching_rules,
        coalesce({{ dbt.listagg('rules.segment_name', "', '", "order by rules.segment_name") }}, '(none)')
            as matching_segments
    from cells
    left join rules
        on
            cells.r_score between rules.r_score_min and rules.r_score_max
            and {{ segmentation_fm_score('cells.f_score', 'cells.m_score') }}
            between rules.fm_score_min and rules.fm_score_max
    group by 1, 2, 3
)

select
    r_score,
    f_score,
    m_score,
    matching_rules,
    matching_segments,
    case when matching_rules = 0 then 'gap' else 'overlap' end as problem
from matches
where matching_rules <> 1
