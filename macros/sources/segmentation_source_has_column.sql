{% macro segmentation_source_has_column(source_name, column) %}
    {#- Whether the source file of source_name has the column (false without the file), read from
        its header at compile time, as the landing hook reads it. A column the file lacks is landed
        as null and takes the contract's default (status completed, discount_amount 0), so a figure
        built on it alone (return rate, discount share, channel shares) would be true by
        construction: such figures are null instead. With sources as tables
        (segmentation__source_dir null) the base models already need every column: true. -#}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set source_dir = segmentation_setting('source_dir') -%}
    {%- if source_dir is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set reader = segmentation_source_reader(source_dir, source_name) -%}
    {%- if reader is none -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(column in segmentation_source_file_columns(reader)) }}
{% endmacro %}
