{% macro segmentation_raw_record(columns, suffix='') %}
    {#- The raw values of a row as 'column=value; ...' text, kept with quarantined rows; each value
        read from the column <column><suffix>. -#}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("'" ~ column ~ "='") -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ suffix ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last -%}
            {%- do parts.append("'; '") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{% endmacro %}
