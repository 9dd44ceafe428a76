-- The clustering diagnostics name exactly one chosen k, within the configured bounds, or below
-- them only when the data supports fewer segments (the reason then says so).
select
    count(*) as chosen_candidates,
    min(k) as chosen_k,
    max(chosen_k_reason) as chosen_k_reason
from {{ ref('fct_cluster_diagnostics') }}
where is_chosen
having
    count(*) <> 1
    or min(k) > {{ segmentation_setting('k_max') }}
    or (
        min(k) < {{ segmentation_setting('k_min') }}
        and max(chosen_k_reason) not like 'k bounded by the data%'
        and max(chosen_k_reason) not like 'not fitted%'
    )
