{% macro segmentation_check_settings(values) %}
    {#- For dbt run-operation: try every value of `values` on every var of the settings spec and
        print, as one JSON line, which were accepted and the message of each rejection, e.g.
        dbt run-operation segmentation_check_settings --args "{values: ['1; drop table x', 0]}"
        Checks many candidates in one run (tests/python/test_settings_injection.py). -#}
    {%- set results = [] -%}
    {%- for name, rule in segmentation_settings_spec().items() -%}
        {%- for value in values -%}
            {%- set checked = segmentation_check_setting(name, value, rule) -%}
            {%- do results.append({
                'var': 'segmentation__' ~ name,
                'value': value,
                'accepted': checked.problem is none,
                'problem': checked.problem,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do print('segmentation_check_settings: ' ~ tojson(results)) -%}
    {{ return(results) }}
{% endmacro %}

{% macro segmentation_print_settings_spec() %}
    {#- For dbt run-operation: print the settings spec as one JSON line (what each var accepts). -#}
    {%- do print('segmentation_settings_spec: ' ~ tojson(segmentation_settings_spec())) -%}
{% endmacro %}
