{% macro segmentation_experiment_metrics() %}
    {#- The outcomes of an experiment (columns of int_action_outcomes): name, column and kind
        (proportion: a 0/1 outcome; mean: an amount). pre_purchase is the balance check: the same
        outcome as purchase, in the month that ended at the trigger, before anything was sent. -#}
    {{ return([
        {'name': 'purchase_rate', 'column': 'bought_next_month', 'kind': 'proportion'},
        {'name': 'revenue_per_customer', 'column': 'revenue_next_month', 'kind': 'mean'},
        {'name': 'target_reached_rate', 'column': 'reached_target', 'kind': 'proportion'},
        {'name': 'pre_purchase_rate', 'column': 'bought_in_trigger_month', 'kind': 'proportion'},
    ]) }}
{% endmacro %}

{% macro segmentation_experiment_aggregates(metrics) %}
    {#- The select list of an experiment's group sums over customer rows with is_control:
        treated_n, control_n, and per metric the sum and sum of squares of each group (exact
        numeric sums, so the variance is the same on every run). -#}
    sum(case when is_control then 0 else 1 end) as treated_n,
        sum(case when is_control then 1 else 0 end) as control_n,
        {%- for metric in metrics %}
        sum(case when not is_control then {{ metric.column }} end) as treated_{{ metric.name }}_sum,
        sum(case when is_control then {{ metric.column }} end) as control_{{ metric.name }}_sum,
        sum(case when not is_control then {{ metric.column }} * {{ metric.column }} end) as treated_{{ metric.name }}_sum_squares,
        sum(case when is_control then {{ metric.column }} * {{ metric.column }} end) as control_{{ metric.name }}_sum_squares{{ ',' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{% macro segmentation_experiment_moments(metrics) %}
    {#- From the group sums: per metric and group the mean and the variance of one customer's
        outcome, p (1 - p) for a proportion (Bernoulli), the sample variance
        (sum of squares - n mean^2) / (n - 1) for a mean. -#}
    {%- for metric in metrics %}
        {%- for group in ['treated', 'control'] %}
        cast({{ group }}_{{ metric.name }}_sum as {{ segmentation_type_double() }}) / nullif({{ group }}_n, 0)
            as {{ group }}_{{ metric.name }}_mean,
        {%- if metric.kind == 'proportion' %}
        (cast({{ group }}_{{ metric.name }}_sum as {{ segmentation_type_double() }}) / nullif({{ group }}_n, 0))
        * (1 - cast({{ group }}_{{ metric.name }}_sum as {{ segmentation_type_double() }}) / nullif({{ group }}_n, 0))
            as {{ group }}_{{ metric.name }}_variance{{ ',' if not (loop.last and metric is sameas metrics[-1]) }}
        {%- else %}
        greatest(
            cast({{ group }}_{{ metric.name }}_sum_squares as {{ segmentation_type_double() }})
            - cast({{ group }}_{{ metric.name }}_sum as {{ segmentation_type_double() }})
            * cast({{ group }}_{{ metric.name }}_sum as {{ segmentation_type_double() }}) / nullif({{ group }}_n, 0),
            0
        ) / nullif({{ group }}_n - 1, 0) as {{ group }}_{{ metric.name }}_variance{{ ',' if not (loop.last and metric is sameas metrics[-1]) }}
        {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}
