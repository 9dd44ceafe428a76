{% macro segmentation_median(expression) %}
    {#- The median of a numeric expression as an aggregate (portable across adapters). -#}
    {{ return(adapter.dispatch('segmentation_median', 'segmentation')(expression)) }}
{% endmacro %}

{% macro default__segmentation_median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro bigquery__segmentation_median(expression) -%}
    approx_quantiles({{ expression }}, 2)[offset(1)]
{%- endmacro %}

{% macro spark__segmentation_median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
