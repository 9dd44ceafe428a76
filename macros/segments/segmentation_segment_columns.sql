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

{% macro segmentation_segment_case(relation, field, prefix='') %}
    {#- A case on segmentations.segmentation choosing, per segmentation, the column
        <relation>.<prefix><its segment or rank column> (field: 'segment' or 'rank'). -#}
    case segmentations.segmentation
                {%- for item in segmentation_segment_columns() %}
                when '{{ item.segmentation }}' then {{ relation }}.{{ prefix }}{{ item[field] }}
                {%- endfor %}
            end
{%- endmacro %}

{% macro segmentation_segmentation_rows() %}
    {#- One row per segmentation (column segmentation), to cross join wide rows with. -#}
    (
            {%- for item in segmentation_segment_columns() %}
            select '{{ item.segmentation }}' as segmentation
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
        )
{%- endmacro %}

{% macro segmentation_unpivot_segments(relation, columns) %}
    {#- One row per row of relation and segmentation (long form) with the segmentation's segment and
        segment_rank and the listed columns; a segmentation that assigns no segment gives no row.
        A cross join with the list of segmentations instead of one union branch per segmentation,
        so that relation (a CTE with windows) is computed once on every database. Rendered for a
        call indented by four spaces inside a CTE. -#}
select *
    from (
        select
            segmentations.segmentation,
            {{ segmentation_segment_case(relation, 'segment') }} as segment,
            {{ segmentation_segment_case(relation, 'rank') }} as segment_rank,
            {%- for column in columns %}
            {{ relation }}.{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
        cross join {{ segmentation_segmentation_rows() }} as segmentations
    ) as unpivoted
    where segment is not null
{%- endmacro %}

{% macro segmentation_value_tier_rank(column) %}
    {#- The rank of a value tier: high 1, mid 2, low 3, none 4. -#}
    case {{ column }} when 'high' then 1 when 'mid' then 2 when 'low' then 3 else 4 end
{% endmacro %}
