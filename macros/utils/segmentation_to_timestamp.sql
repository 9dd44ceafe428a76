{% macro segmentation_to_timestamp(column) %}
    {#- A raw value (text, date or timestamp, any offset) as a UTC timestamp; null when unparseable. -#}
    {{ return(adapter.dispatch('segmentation_to_timestamp', 'segmentation')(column)) }}
{% endmacro %}

{% macro default__segmentation_to_timestamp(column) %}
    {{ dbt.safe_cast(column, api.Column.translate_type('timestamp')) }}
{% endmacro %}

{% macro duckdb__segmentation_to_timestamp(column) %}
    {#- timestamptz honours an explicit offset; the session time zone is pinned to UTC. -#}
    cast(try_cast({{ column }} as timestamptz) as timestamp)
{% endmacro %}
