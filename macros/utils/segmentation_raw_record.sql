{% macro segmentation_raw_record(columns) %}
    {#- The raw values of a row as 'column=value; ...' text, kept with quarantined rows. -#}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("'" ~ column ~ "='") -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last -%}
            {%- do parts.append("'; '") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{% endmacro %}
