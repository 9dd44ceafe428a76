-- Reading an experiment as a marketer would: for every migration pathway, over the whole action
-- history (each customer once, at their first action), the lift of the treated customers'
-- next-month purchase rate over the control group, in points, with its 95% interval and the number
-- of customers, e.g. "lift 3.2 points, 95% interval 1.1 to 5.3, n = 4,210". The verdict says
-- whether to read it at all (too small), whether the interval excludes zero, and whether the
-- groups bought alike before the trigger (balance). While comparison_basis is
-- would_have_been_sent nothing was sent: every lift is chance, and about 1 pathway in 20 shows an
-- interval that excludes zero by chance alone.
with

experiments as (
    select * from {{ ref('fct_action_experiments') }}
),

readout as (
    select
        pathway_id,
        comparison_basis,
        treated_customers,
        control_customers,
        100 * purchase_rate_difference as lift_points,
        100 * purchase_rate_ci_low as ci_low_points,
        100 * purchase_rate_ci_high as ci_high_points,
        100 * purchase_rate_minimum_detectable_effect as minimum_detectable_effect_points,
        purchase_rate_p_value,
        {{ dbt.concat([
            "'lift '", segmentation_format_number('100 * purchase_rate_difference', 1),
            "' points, 95% interval '", segmentation_format_number('100 * purchase_rate_ci_low', 1),
            "' to '", segmentation_format_number('100 * purchase_rate_ci_high', 1),
            "', n = '", segmentation_format_number('treated_customers + control_customers'),
        ]) }} as readout,
        case
            when is_too_small_to_read then 'too small to read'
            when not is_pre_period_balanced then 'groups differed before the trigger: do not trust'
            when is_purchase_rate_difference_significant then 'the interval excludes zero'
            else 'no effect detected (smaller than the minimum detectable effect?)'
        end as verdict
    from experiments
)

select * from readout
order by pathway_id
