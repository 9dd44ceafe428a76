{% macro segmentation_days_between(start_date, end_date) %}
    {#- Whole days from one date to another (portable: dbt.datediff). -#}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{% endmacro %}
