-- Per source: rows read, rows staged and rows quarantined. read = staged + quarantined always.
{%- set sources = segmentation_source_names() %}

with

counts as (
    {%- for source_name in sources %}
    select
        '{{ source_name }}' as source_name,
        (select count(*) from {{ source('shop', source_name) }}) as rows_read,
        (select count(*) from {{ ref('stg_shop__' ~ source_name) }}) as rows_staged,
        (
            select count(*) from {{ ref('base_shop__' ~ source_name) }}
            where quarantine_reason is not null
        ) as rows_quarantined
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
)

select * from counts
