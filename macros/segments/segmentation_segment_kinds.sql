{% macro segmentation_segment_kinds(rfm_rules, composite_segments) %}
    {#- The segments whose moves are not read from their ranks alone: per segmentation, segment and
        (composite only) definition_version, whether it is lapsed (RFM lifecycle stage lapsed;
        composite segments of lapsed customers only) and whether it is a composite catch-all.
        fct_segment_migrations decides directions with it, fct_segment_kpis_monthly whether a
        downgrade was possible at all. rfm_rules and composite_segments: the CTEs importing
        rfm_segment_rules and int_composite_segments. Rendered for a call indented by four spaces inside a CTE. -#}
select
        'rfm' as segmentation,
        segment_name as segment,
        cast(null as {{ dbt.type_bigint() }}) as definition_version,
        lifecycle_stage = 'lapsed' as is_lapsed,
        false as is_catch_all
    from {{ rfm_rules }}
    union all
    select
        'composite' as segmentation,
        composite_segment as segment,
        definition_version,
        is_lapsed,
        is_catch_all
    from {{ composite_segments }}
{%- endmacro %}

{% macro segmentation_segment_kind_matches(kinds, segmentation, segment, composite_version) %}
    {#- The join condition of a segment to its row of segmentation_segment_kinds (the CTE named by
        kinds): same segmentation and segment, and for a composite segment the merge map version
        in force that month (composite_version); RFM rows have no version. Rendered for an `on`
        followed by a new line and twelve spaces. -#}
    {{ segmentation }} = {{ kinds }}.segmentation
            and {{ segment }} = {{ kinds }}.segment
            and coalesce({{ kinds }}.definition_version, -1)
            = case when {{ kinds }}.definition_version is null then -1 else {{ composite_version }} end
{%- endmacro %}
