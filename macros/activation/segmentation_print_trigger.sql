{% macro segmentation_print_trigger(pathway_id, trigger_expression) %}
    {#- For dbt run-operation: check one trigger and print the SQL it compiles to, e.g.
        dbt run-operation segmentation_print_trigger --args "{pathway_id: p1, trigger_expression: 'recency_days > 30'}" -#}
    {%- set compiled = segmentation_compile_trigger(pathway_id, trigger_expression) -%}
    {%- do print(compiled) -%}
    {{ return(compiled) }}
{% endmacro %}
