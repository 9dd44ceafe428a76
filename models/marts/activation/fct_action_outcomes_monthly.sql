-- The experiment of every migration pathway and month end at which it fired: the customers it
-- picked, treated against the customer-level control group, and what they did in the following
-- month (purchase rate, net revenue per customer, share reaching the target segment), with the
-- difference, its standard error, 95% interval, p-value and minimum detectable effect, and the
-- balance check (the same purchase outcome in the month that ended at the trigger). Each customer
-- has one action per month, so the rows of a month are distinct customers. Statistics:
-- segmentation_experiment_results. The current period is left out: its next month has not happened.
with

outcomes as (
    select * from {{ ref('int_action_outcomes') }}
    where is_in_experiment
),

{{ segmentation_experiment_results('outcomes', ['period_month_end', 'pathway_id']) }}

select * from experiment_results
