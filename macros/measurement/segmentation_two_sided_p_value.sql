{% macro segmentation_two_sided_p_value(z) %}
    {#- Two-sided p-value of a standard normal statistic z, 2 * (1 - Phi(|z|)) = erfc(|z| / sqrt 2),
        with the erfc approximation 7.1.26 of Abramowitz & Stegun (1964), absolute error under
        1.5e-7: plain arithmetic, exp and abs, so every warehouse computes it (SQL engines have no
        normal distribution function). Null when z is null. Plain Jinja (no dbt context), so the
        pytest renders the same text. -#}
    (
        (
            0.254829592 * (1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)))
            - 0.284496736 * power(1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)), 2)
            + 1.421413741 * power(1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)), 3)
            - 1.453152027 * power(1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)), 4)
            + 1.061405429 * power(1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)), 5)
        )
        * exp(-({{ z }}) * ({{ z }}) / 2.0)
    )
{%- endmacro %}
