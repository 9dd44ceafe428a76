{% macro segmentation_expected_order_value(params, repeat_days, repeat_value) %}
    {#- The expected value of a future purchase day under the chosen spend model: Gamma-Gamma's
        weighted mean of the population mean p v / (q - 1) and the customer's mean value per
        repeat purchase day, or the simple estimate (the customer's mean shrunk toward the
        population mean with the weight of one purchase). -#}
    case
        when {{ params }}.is_gamma_gamma = 1
            then
                {{ params }}.gg_p * ({{ params }}.gg_v + {{ repeat_days }} * {{ repeat_value }})
                / ({{ params }}.gg_p * {{ repeat_days }} + {{ params }}.gg_q - 1)
        else ({{ repeat_days }} * {{ repeat_value }} + {{ params }}.population_mean) / ({{ repeat_days }} + 1)
    end
{% endmacro %}
