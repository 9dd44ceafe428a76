{% macro segmentation_value_spend_params(fit_relation, fit_period) %}
    {#- One row: the chosen spend model of a value_model_fit fit period, pivoted to columns
        (is_gamma_gamma, gg_p, gg_q, gg_v, population_mean). -#}
    select
        max(case when model = 'gamma_gamma' then 1 else 0 end) as is_gamma_gamma,
        max(case when model = 'gamma_gamma' and parameter_name = 'p' then parameter_value end) as gg_p,
        max(case when model = 'gamma_gamma' and parameter_name = 'q' then parameter_value end) as gg_q,
        max(case when model = 'gamma_gamma' and parameter_name = 'v' then parameter_value end) as gg_v,
        max(case when parameter_name = 'population_mean' then parameter_value end) as population_mean
    from {{ fit_relation }}
    where fit_period = '{{ fit_period }}' and is_chosen and model in ('gamma_gamma', 'simple_spend')
{% endmacro %}
