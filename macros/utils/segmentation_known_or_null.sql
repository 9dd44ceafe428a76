{% macro segmentation_known_or_null(known, expression) %}
    {#- expression when known, else a null double: a figure whose input the source does not have
        (segmentation_source_has_column) is unknown, not the value its default would give. -#}
    {%- if known -%}{{ expression }}{%- else -%}cast(null as {{ segmentation_type_double() }}){%- endif -%}
{%- endmacro %}
