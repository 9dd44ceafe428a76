{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {{ return(segmentation_accepted_range(model, column_name, min_value, max_value, inclusive)) }}
{% endtest %}

{% macro segmentation_accepted_range(model, column_name, min_value, max_value, inclusive) %}
    {#- Rows whose value falls outside [min_value, max_value] (bounds optional; nulls pass). -#}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error(
            "accepted_range on " ~ model ~ "." ~ column_name ~ ": give min_value, max_value or both."
        ) }}
    {%- endif -%}
    {%- for bound in [min_value, max_value] if bound is not none and bound is not number -%}
        {{ exceptions.raise_compiler_error(
            "accepted_range on " ~ model ~ "." ~ column_name ~ ": bounds must be numbers, got " ~ bound ~ "."
        ) }}
    {%- endfor -%}
    {%- set low = '>=' if inclusive else '>' -%}
    {%- set high = '<=' if inclusive else '<' %}
    select *
    from {{ model }}
    where
        {{ column_name }} is not null
        and not (
            true
            {%- if min_value is not none %}
            and {{ column_name }} {{ low }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            and {{ column_name }} {{ high }} {{ max_value }}
            {%- endif %}
        )
{% endmacro %}
