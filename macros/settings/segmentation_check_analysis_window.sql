{% macro segmentation_check_analysis_window(relation) %}
    {#- post-hook of int_analysis_window: an as-of date before the month of the first valid order
        leaves no month to segment, so the build stops here naming the var, its value and the
        dates the data allows, instead of failing later in a test named after an expression.
        Returns a no-op statement. -#}
    {%- if not execute -%}
        {{ return('select 1 as analysis_window_checked') }}
    {%- endif -%}
    {%- set window = run_query(
        'select as_of_date, first_month_end, as_of_month_end from ' ~ relation
    ) -%}
    {%- for row in window.rows -%}
        {%- if row[1] is not none and row[2] is not none and row[1] > row[2] -%}
            {{ exceptions.raise_compiler_error(
                "segmentation__as_of_date (now " ~ tojson(segmentation_setting('as_of_date'))
                ~ ") is before the month of the first valid order ("
                ~ row[1].strftime('%Y-%m') ~ "): nothing happened by then to segment. Set it to a date in "
                ~ row[1].strftime('%Y-%m') ~ " or later (YYYY-MM-DD), or leave it unset to use the date"
                ~ " of the last order."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('select 1 as analysis_window_checked') }}
{% endmacro %}
