{% macro segmentation_region_or_country(customers) %}
    {#- The geography a segment is described by: the customer's region when any customer has one,
        else the customer's country (many exports carry a country and no sales region, and a
        dominant region that is always null hides where a segment's customers are). customers:
        the CTE importing int_customers_unioned. -#}
    case
            when (select count(known.region) from {{ customers }} as known) > 0 then {{ customers }}.region
            else {{ customers }}.country
        end
{%- endmacro %}
