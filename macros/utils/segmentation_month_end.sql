{% macro segmentation_month_end(expression) %}
    {#- The last day of the calendar month (UTC) that holds a date or timestamp. -#}
    cast({{ dbt.last_day(dbt.date_trunc('month', expression), 'month') }} as date)
{% endmacro %}
