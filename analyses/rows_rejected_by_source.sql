-- How much of each input did the build use, and what did it reject and why? Rows read, staged and
-- quarantined per source, with the most common quarantine reason.
with

counts as (
    select * from {{ ref('fct_source_row_counts') }}
),

quarantined as (
    select * from {{ ref('fct_quarantined_rows') }}
),

reasons as (
    select
        source_name,
        quarantine_reason,
        count(*) as reason_rows,
        row_number() over (partition by source_name order by count(*) desc, quarantine_reason) as reason_rank
    from quarantined
    group by source_name, quarantine_reason
),

report as (
    select
        counts.source_name,
        counts.rows_read,
        counts.rows_staged,
        counts.rows_quarantined,
        reasons.quarantine_reason as top_quarantine_reason,
        reasons.reason_rows as top_reason_rows
    from counts
    left join reasons
        on counts.source_name = reasons.source_name and reasons.reason_rank = 1
)

select * from report
order by rows_quarantined desc, source_name asc
