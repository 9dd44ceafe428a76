{% macro segmentation_percentile(expression, fraction) %}
    {#- A percentile (0..1) of a numeric expression as an aggregate (portable across adapters). -#}
    {{ return(adapter.dispatch('segmentation_percentile', 'segmentation')(expression, fraction)) }}
{% endmacro %}

{% macro default__segmentation_percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro bigquery__segmentation_percentile(expression, fraction) -%}
    approx_quantiles({{ expression }}, 100)[offset({{ (fraction * 100) | int }})]
{%- endmacro %}

{% macro spark__segmentation_percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
