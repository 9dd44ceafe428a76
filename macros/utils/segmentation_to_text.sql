{% macro segmentation_to_text(column) %}
    {#- A raw value as trimmed text; empty strings become null. -#}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{% endmacro %}
