{% macro segmentation_format_number(expression, decimals=0) %}
    {#- A number rounded to `decimals` places, as text for generated sentences (portable). -#}
    {{ segmentation_to_text('round(' ~ expression ~ ', ' ~ decimals ~ ')' if decimals > 0 else 'cast(round(' ~ expression ~ ', 0) as ' ~ dbt.type_bigint() ~ ')') }}
{% endmacro %}
