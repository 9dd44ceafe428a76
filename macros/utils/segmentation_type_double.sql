{% macro segmentation_type_double() %}
    {#- An 8-byte floating-point type (dbt.type_float() is 4-byte REAL on DuckDB). -#}
    {{ return(adapter.dispatch('segmentation_type_double', 'segmentation')()) }}
{% endmacro %}

{% macro default__segmentation_type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__segmentation_type_double() -%}
    double
{%- endmacro %}

{% macro bigquery__segmentation_type_double() -%}
    float64
{%- endmacro %}
