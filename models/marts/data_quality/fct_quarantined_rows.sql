-- Every input row that could not be used, with the source, its raw values and the reason.
{%- set sources = segmentation_source_names() %}

with

{% for source_name in sources %}
{{ source_name }} as (
    select * from {{ ref('base_shop__' ~ source_name) }}
),

{% endfor -%}
quarantined as (
    {%- for source_name in sources %}
    select
        '{{ source_name }}' as source_name,
        quarantine_reason,
        raw_record
    from {{ source_name }}
    where quarantine_reason is not null
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
)

select * from quarantined
