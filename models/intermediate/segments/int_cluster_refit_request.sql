-- One row: what this build asks of the clustering definitions (segmentation.definitions): the
-- as-of month end the current definition is checked (and, if refitted, fitted) on, and whether
-- the build runs with --full-refresh (segmentation__refit auto then refits). The other policy
-- settings reach the Python model through its config.
with

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
)

select
    as_of_month_end,
    {{ 'true' if flags.FULL_REFRESH else 'false' }} as is_full_refresh
from analysis_window
