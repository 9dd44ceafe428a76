{#- The where-condition of a point-in-time incremental model that also reads the month before
    the last stored one (a cohort or a move needs the previous month end): period_month_end on or
    after the month end before the last stored period_month_end of the model's table. -#}
{% macro segmentation_since_previous_month(column='period_month_end') %}
    {{ column }} >= (
            select {{ segmentation_month_end(dbt.dateadd('month', -1, 'max(stored.period_month_end)')) }}
            from {{ this }} as stored
        )
{%- endmacro %}
