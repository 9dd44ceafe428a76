{#- The where-condition of a point-in-time incremental model: the months after the last stored
    one, and the last stored one itself when it was an open period (its period_end_date, the
    last build's as-of date, fell before its month end). The model's table must have
    period_month_end and period_end_date. -#}
{% macro segmentation_new_months(column='period_month_end') %}
    {{ column }} > (select max(stored.period_month_end) from {{ this }} as stored)
    or {{ column }} = (
        select max(stored.period_month_end) from {{ this }} as stored
        where stored.period_end_date < stored.period_month_end
    )
{%- endmacro %}
