{% test expression_is_true(model, expression, where_clause=none) %}
    {{ return(segmentation_expression_is_true(model, expression, where_clause)) }}
{% endtest %}

{% macro segmentation_expression_is_true(model, expression, where_clause) %}
    {#- Rows for which a boolean SQL expression is false or null. -#}
    {%- if expression is not string or expression | trim == '' -%}
        {{ exceptions.raise_compiler_error("expression_is_true on " ~ model ~ ": expression must be a non-empty SQL string.") }}
    {%- endif %}
    select *
    from {{ model }}
    where
        not coalesce({{ expression }}, false)
        {%- if where_clause %}
        and ({{ where_clause }})
        {%- endif %}
{% endmacro %}
