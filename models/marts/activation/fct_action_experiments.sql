-- The experiment of every migration pathway over the whole action history: each customer counted
-- once, at their first action of the pathway (their first exposure), so that the groups are
-- distinct customers and the observations independent; treated against the customer-level
-- control group, with the difference, standard error, 95% interval, p-value, minimum detectable
-- effect and balance check of segmentation_experiment_results. The row to read a pathway's effect
-- from (analyses/experiment_readout.sql).
with

first_outcomes as (
    select * from {{ ref('int_action_outcomes') }}
    where is_first_action
),

history as (
    select
        pathway_id,
        min(period_month_end) as first_month_end,
        max(period_month_end) as last_month_end
    from first_outcomes
    group by 1
),

{{ segmentation_experiment_results('first_outcomes', ['pathway_id']) }},

window_results as (
    select
        experiment_results.*,
        history.first_month_end,
        history.last_month_end
    from experiment_results
    inner join history
        on experiment_results.pathway_id = history.pathway_id
)

select * from window_results
