{% macro segmentation_segment_columns() %}
    {#- Every segmentation with the columns that hold its segment and segment rank (1 = most
        valuable) in fct_customer_segments_monthly, in the order of int_segment_memberships_monthly. -#}
    {{ return([
        {'segmentation': 'rfm', 'segment': 'rfm_segment', 'rank': 'rfm_segment_rank'},
        {'segmentation': 'cluster', 'segment': 'cluster_segment', 'rank': 'cluster_id'},
        {'segmentation': 'value_tier', 'segment': 'value_tier', 'rank': 'value_tier_rank'},
        {'segmentation': 'composite', 'segment': 'composite_segment', 'rank': 'composite_segment_rank'},
        {'segmentation': 'potential', 'segment': 'potential_tier', 'rank': 'potential_rank'},
    ]) }}
{% endmacro %}

{% macro segmentation_unpivot_segments(relation, columns) %}
    {#- One row per row of relation and segmentation (long form) with the segmentation's segment and
        segment_rank and the listed columns; a segmentation that assigns no segment gives no row.
        A cross join with the list of segmentations instead of one union branch per segmentation,
        so that relation (a CTE with windows) is computed once on every database. Rendered for a
        call indented by four spaces inside a CTE. -#}
    {%- set segmentations = segmentation_segment_columns() -%}
select *
    from (
        select
            segmentations.segmentation,
            case segmentations.segmentation
                {%- for item in segmentations %}
                when '{{ item.segmentation }}' then {{ relation }}.{{ item.segment }}
                {%- endfor %}
            end as segment,
            case segmentations.segmentation
                {%- for item in segmentations %}
                when '{{ item.segmentation }}' then {{ relation }}.{{ item.rank }}
                {%- endfor %}
            end as segment_rank,
            {%- for column in columns %}
            {{ relation }}.{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
        cross join (
            {%- for item in segmentations %}
            select '{{ item.segmentation }}' as segmentation
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
        ) as segmentations
    ) as unpivoted
    where segment is not null
{%- endmacro %}

{% macro segmentation_value_tier_rank(column) %}
    {#- The rank of a value tier: high 1, mid 2, low 3, none 4. -#}
    case {{ column }} when 'high' then 1 when 'mid' then 2 when 'low' then 3 else 4 end
{% endmacro %}
