{% test equal_row_count(model, compare_model) %}
    {{ return(segmentation_equal_row_count(model, compare_model)) }}
{% endtest %}

{% macro segmentation_equal_row_count(model, compare_model) %}
    {#- One failing row when the two relations hold different numbers of rows. -#}
    {%- if compare_model is none -%}
        {{ exceptions.raise_compiler_error("equal_row_count on " ~ model ~ ": compare_model is required.") }}
    {%- endif %}
    select
        model_rows,
        compare_rows
    from (
        select
            (select count(*) from {{ model }}) as model_rows,
            (select count(*) from {{ compare_model }}) as compare_rows
    ) as counts
    where model_rows <> compare_rows
{% endmacro %}
