{% macro segmentation_unsuccessful_results(results) %}
    {#- The unique ids (with their status) of the run results that are not a success: anything but
        success, pass, warn (a test of severity warn passed the build) or no-op. -#}
    {%- set failed = [] -%}
    {%- for result in results -%}
        {%- if result.status not in ('success', 'pass', 'warn', 'no-op') -%}
            {%- do failed.append(result.node.unique_id ~ ': ' ~ result.status) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(failed) }}
{% endmacro %}
