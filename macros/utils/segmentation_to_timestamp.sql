{% macro segmentation_to_timestamp(column) %}
    {#- A raw value (text, date or timestamp, any offset) as a UTC timestamp; null when unparseable.
        ISO 8601 first, then the formats of the var segmentation__timestamp_formats in order. -#}
    {{ return(adapter.dispatch('segmentation_to_timestamp', 'segmentation')(column)) }}
{% endmacro %}

{% macro default__segmentation_to_timestamp(column) %}
    {%- if segmentation_setting('timestamp_formats') | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Var segmentation__timestamp_formats is implemented for DuckDB only (strptime formats"
            ~ " differ between warehouses): leave it empty ([]) and load ISO 8601 timestamps on "
            ~ target.type ~ "."
        ) }}
    {%- endif -%}
    {{ dbt.safe_cast(column, api.Column.translate_type('timestamp')) }}
{% endmacro %}

{% macro duckdb__segmentation_to_timestamp(column) %}
    {#- timestamptz honours an explicit offset; the session time zone is pinned to UTC. A value
        that is not ISO 8601 is tried with each format of segmentation__timestamp_formats (validated:
        directives and separators only); a format without %z reads the time as UTC. -#}
    {%- set formats = segmentation_setting('timestamp_formats') -%}
    {%- if formats | length == 0 -%}
    cast(try_cast({{ column }} as timestamptz) as timestamp)
    {%- else -%}
    coalesce(
        cast(try_cast({{ column }} as timestamptz) as timestamp),
        cast(try_strptime(trim(cast({{ column }} as {{ dbt.type_string() }})), [
            {%- for format in formats %}'{{ format }}'{{ ', ' if not loop.last }}{% endfor -%}
        ]) as timestamp)
    )
    {%- endif -%}
{% endmacro %}
