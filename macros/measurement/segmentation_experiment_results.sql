{% macro segmentation_experiment_results(relation, keys) %}
    {#- The CTEs of an experiment summary over the customer rows of relation (int_action_outcomes
        or a filter of it), grouped by keys: group sizes, per metric of
        segmentation_experiment_metrics the group means, the difference with its standard error,
        95% interval, p-value and minimum detectable effect, and the flags. Ends with a CTE named
        experiment_results; rendered for a call after "with" at the top of a model. -#}
    {%- set metrics = segmentation_experiment_metrics() %}
experiment_sums as (
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        min(segmentation) as segmentation,
        min(from_segment) as from_segment,
        min(target_segment) as target_segment,
        min(comparison_basis) as comparison_basis,
        {{ segmentation_experiment_aggregates(metrics) }}
    from {{ relation }}
    group by {{ keys | join(', ') }}
),

experiment_moments as (
    select
        *,
        {{ segmentation_experiment_moments(metrics) }}
    from experiment_sums
),

experiment_errors as (
    select
        *,
        {%- for metric in metrics %}
        {{ segmentation_difference_and_error(metric.name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from experiment_moments
),

experiment_tests as (
    select
        *,
        {%- for metric in metrics %}
        {{ segmentation_interval_and_test(metric.name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from experiment_errors
),

experiment_results as (
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        segmentation,
        from_segment,
        target_segment,
        cast(treated_n as {{ dbt.type_bigint() }}) as treated_customers,
        cast(control_n as {{ dbt.type_bigint() }}) as control_customers,
        {%- for metric in metrics %}
        treated_{{ metric.name }}_mean as treated_{{ metric.name }},
        control_{{ metric.name }}_mean as control_{{ metric.name }},
        {{ metric.name }}_difference,
        {{ metric.name }}_standard_error,
        {{ metric.name }}_ci_low,
        {{ metric.name }}_ci_high,
        {{ metric.name }}_p_value,
        {{ metric.name }}_minimum_detectable_effect,
        {%- endfor %}
        {%- set too_small %}
        coalesce(
            treated_n < 30 or control_n < 30
            or treated_purchase_rate_sum < 5 or treated_n - treated_purchase_rate_sum < 5
            or control_purchase_rate_sum < 5 or control_n - control_purchase_rate_sum < 5,
            true
        )
        {%- endset %}
        -- the normal approximation needs 30 customers and 5 buyers and 5 non-buyers per group
        {{ too_small }} as is_too_small_to_read,
        -- significant only where the approximation holds: with 13 controls who all did not buy, the
        -- control variance is 0 and the interval of an A/A comparison excludes 0 far too often
        coalesce(not {{ too_small }} and (purchase_rate_ci_low > 0 or purchase_rate_ci_high < 0), false)
            as is_purchase_rate_difference_significant,
        coalesce(pre_purchase_rate_ci_low <= 0 and pre_purchase_rate_ci_high >= 0, false) as is_pre_period_balanced,
        comparison_basis
    from experiment_tests
)
{%- endmacro %}
