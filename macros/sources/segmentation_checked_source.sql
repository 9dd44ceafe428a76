{% macro segmentation_checked_source(source_relation, columns, key, checks=[]) %}
    {#- Every row of a raw source, typed, with the first reason it must be quarantined (null when
        valid). columns: list of {name, kind: text|code|number|timestamp, required, default};
        key: the columns that identify a row (null key -> missing_<column>; repeats ->
        duplicate_<key>, keeping the first valid row by content so file order never matters);
        checks: [sql condition, reason] pairs, tested in order after the type checks. -#}
    {%- set typed_exprs = {
        'text': segmentation_to_text,
        'code': segmentation_to_text,
        'number': segmentation_to_number,
        'timestamp': segmentation_to_timestamp,
    } -%}
with

source as (
    select * from {{ source_relation }}
),

typed as (
    select
        {%- for column in columns %}
        {%- set expression = typed_exprs[column.kind](column.name) %}
        {%- if column.kind == 'code' %}{% set expression = 'lower(' ~ expression ~ ')' %}{% endif %}
        {%- if column.default is defined %}
        {%- set expression = 'coalesce(' ~ expression ~ ', ' ~ column.default ~ ')' %}
        {%- endif %}
        {{ expression }} as {{ column.name }},
        {{ segmentation_to_text(column.name) }} as {{ column.name }}__text,
        {%- endfor %}
        {{ segmentation_raw_record(columns | map(attribute='name') | list) }} as raw_record
    from source
),

checked as (
    select
        *,
        case
            {%- for column in columns if column.required %}
            when {{ column.name }}__text is null then 'missing_{{ column.name }}'
            {%- endfor %}
            {%- for column in columns if column.kind in ('number', 'timestamp') %}
            when {{ column.name }}__text is not null and {{ column.name }} is null then 'unparseable_{{ column.name }}'
            {%- endfor %}
            {%- for condition, reason in checks %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as row_problem
    from typed
),

ranked as (
    select
        *,
        row_number() over (
            partition by {{ key | join(', ') }}
            order by case when row_problem is null then 0 else 1 end, raw_record
        ) as key_occurrence
    from checked
),

final as (
    select
        {%- for column in columns %}
        {{ column.name }},
        {%- endfor %}
        raw_record,
        coalesce(
            row_problem,
            case when key_occurrence > 1 then 'duplicate_{{ key | join("_") }}' end
        ) as quarantine_reason
    from ranked
)

select * from final
{%- endmacro %}
