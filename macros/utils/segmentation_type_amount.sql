{% macro segmentation_type_amount() %}
    {#- The type of money totals per customer: an exact 18-digit decimal with 6 places, which
        DuckDB keeps in 64 bits (wider decimals and HUGEINT sums are several times slower to add up
        in windows and aggregates, and many BI clients cannot read HUGEINT). -#}
    {{ return(adapter.dispatch('segmentation_type_amount', 'segmentation')()) }}
{% endmacro %}

{% macro default__segmentation_type_amount() -%}
    numeric(18, 6)
{%- endmacro %}

{% macro bigquery__segmentation_type_amount() -%}
    numeric
{%- endmacro %}
