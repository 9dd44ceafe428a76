{% macro segmentation_difference_and_error(metric) %}
    {#- For one metric of an experiment row with treated_<metric>_mean, control_<metric>_mean,
        treated_<metric>_variance, control_<metric>_variance and treated_n / control_n (customers):
        the difference treated - control and its standard error, unpooled,
        sqrt(var_t / n_t + var_c / n_c) (Kohavi, Tang & Xu 2020, "Trustworthy Online Controlled
        Experiments", ch. 17-18; for a proportion var = p (1 - p), for a mean the sample variance:
        the Welch standard error). Plain Jinja (no dbt context), so the pytest renders the same text. -#}
    treated_{{ metric }}_mean - control_{{ metric }}_mean as {{ metric }}_difference,
        case
            when treated_n > 1 and control_n > 1
                then sqrt(treated_{{ metric }}_variance / treated_n + control_{{ metric }}_variance / control_n)
        end as {{ metric }}_standard_error
{%- endmacro %}

{% macro segmentation_interval_and_test(metric) %}
    {#- From <metric>_difference and <metric>_standard_error: the 95% interval
        (difference +- 1.959964 SE), the two-sided p-value of z = difference / SE (normal
        approximation: two-sample z for proportions, Welch's statistic with the normal reference
        for means at these sizes), and the minimum detectable effect at the current sizes for a
        two-sided test at alpha 0.05 with power 0.8, (z_0.975 + z_0.8) SE = 2.801585 SE. -#}
    {{ metric }}_difference - 1.959964 * {{ metric }}_standard_error as {{ metric }}_ci_low,
        {{ metric }}_difference + 1.959964 * {{ metric }}_standard_error as {{ metric }}_ci_high,
        case
            when {{ metric }}_standard_error > 0
                then {{ segmentation_two_sided_p_value(metric ~ '_difference / ' ~ metric ~ '_standard_error') }}
        end as {{ metric }}_p_value,
        2.801585 * {{ metric }}_standard_error as {{ metric }}_minimum_detectable_effect
{%- endmacro %}
