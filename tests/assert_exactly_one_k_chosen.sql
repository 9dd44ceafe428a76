-- The clustering diagnostics name exactly one chosen k, and it is within the configured bounds.
select
    count(*) as chosen_candidates,
    min(k) as chosen_k
from {{ ref('fct_cluster_diagnostics') }}
where is_chosen
having
    count(*) <> 1
    or min(k) < {{ segmentation_setting('k_min') }}
    or min(k) > {{ segmentation_setting('k_max') }}
