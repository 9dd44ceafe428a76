{% macro segmentation_date_literal(iso_date) %}
    {#- A validated YYYY-MM-DD setting as a SQL date. Only pass values from segmentation_setting(). -#}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', iso_date | string) -%}
        {{ exceptions.raise_compiler_error("segmentation_date_literal: not a YYYY-MM-DD date: " ~ iso_date) }}
    {%- endif -%}
    cast('{{ iso_date }}' as date)
{% endmacro %}
