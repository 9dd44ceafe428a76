-- Every input row is either staged or quarantined: nothing is silently dropped.
select
    source_name,
    rows_read,
    rows_staged,
    rows_quarantined
from {{ ref('fct_source_row_counts') }}
where rows_read <> rows_staged + rows_quarantined
