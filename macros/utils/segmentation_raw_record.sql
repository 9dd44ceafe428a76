{% macro segmentation_raw_record(columns, suffix='', masked=[]) %}
    {#- The raw values of a row as 'column=value; ...' text, kept with quarantined rows; each value
        read from the column <column><suffix>. The columns in masked (personal data) show
        segmentation_mask_pii of their value instead: a salted hash or <redacted>. -#}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("'" ~ column ~ "='") -%}
        {%- set value = "cast(" ~ column ~ suffix ~ " as " ~ dbt.type_string() ~ ")" -%}
        {%- if column in masked -%}
            {%- set value = segmentation_mask_pii(value) -%}
        {%- endif -%}
        {%- do parts.append("coalesce(" ~ value ~ ", '<null>')") -%}
        {%- if not loop.last -%}
            {%- do parts.append("'; '") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{% endmacro %}
