{% macro segmentation_rfm_score(worse_count, tied_count, scored_count, all_tied_score=1) %}
    {#- An RFM score 1-5 (5 best) from a customer's place among the scored customers of a period:
        the worst value scores 1 and the best value 5, however many customers share them, and the
        values in between score by the quintile of their tie group's mid-rank,
        1 + floor(5 * (worse + tied / 2) / scored). Equal values always share a score; without
        ties this is exactly the quintile of the customer's rank. When every scored customer has
        the same value (the best is the worst), they all score all_tied_score. -#}
    cast(
        case
            when {{ tied_count }} = {{ scored_count }} then {{ all_tied_score }}
            when {{ worse_count }} = 0 then 1
            when {{ worse_count }} + {{ tied_count }} = {{ scored_count }} then 5
            else least(5, 1 + floor(5.0 * ({{ worse_count }} + {{ tied_count }} / 2.0) / {{ scored_count }}))
        end as {{ dbt.type_int() }}
    )
{%- endmacro %}
