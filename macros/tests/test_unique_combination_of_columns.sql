{% test unique_combination_of_columns(model, combination_of_columns) %}
    {{ return(segmentation_unique_combination_of_columns(model, combination_of_columns)) }}
{% endtest %}

{% macro segmentation_unique_combination_of_columns(model, combination_of_columns) %}
    {%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "unique_combination_of_columns on " ~ model ~ ": combination_of_columns must be a non-empty list of column names."
        ) }}
    {%- endif -%}
    {%- set columns = combination_of_columns | join(', ') %}
    select
        {{ columns }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endmacro %}
