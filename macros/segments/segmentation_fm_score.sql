{% macro segmentation_fm_score(f_score, m_score) %}
    {#- The combined frequency-and-monetary score of the R x FM segment grid: the mean of the F
        and M scores rounded half up, (F + M) / 2 -> 1..5 (F 1 and M 2 give 2). -#}
    cast(floor(({{ f_score }} + {{ m_score }} + 1) / 2.0) as {{ dbt.type_int() }})
{%- endmacro %}
