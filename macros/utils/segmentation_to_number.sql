{% macro segmentation_to_number(column) %}
    {#- A raw value as a double precision number; null when it is not a number. -#}
    {{ return(adapter.dispatch('segmentation_to_number', 'segmentation')(column)) }}
{% endmacro %}

{% macro default__segmentation_to_number(column) %}
    {{ dbt.safe_cast(column, api.Column.translate_type('float')) }}
{% endmacro %}

{% macro duckdb__segmentation_to_number(column) %}
    try_cast({{ column }} as double)
{% endmacro %}
