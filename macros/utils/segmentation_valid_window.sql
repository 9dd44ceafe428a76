{% macro segmentation_valid_window_start() %}
    {#- First valid instant of the data window (inclusive). -#}
    cast({{ segmentation_date_literal(segmentation_setting('min_valid_date')) }} as {{ dbt.type_timestamp() }})
{% endmacro %}

{% macro segmentation_valid_window_end() %}
    {#- First instant after the data window (exclusive): the day after max_valid_date, or tomorrow (UTC). -#}
    {%- set max_valid_date = segmentation_setting('max_valid_date') -%}
    {%- if max_valid_date is none -%}
        cast({{ dbt.dateadd('day', 1, 'cast(' ~ dbt.current_timestamp() ~ ' as date)') }} as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast({{ dbt.dateadd('day', 1, segmentation_date_literal(max_valid_date)) }} as {{ dbt.type_timestamp() }})
    {%- endif -%}
{% endmacro %}
