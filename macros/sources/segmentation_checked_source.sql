{% macro segmentation_checked_source(source_relation, source_name, checks=[], recodes={}) %}
    {#- Every row of a raw source, typed, with the first reason it must be quarantined (null when
        valid). The columns, their kinds, required flags and defaults and the key come from the
        source contract (segmentation_source_contract): a required column without a value ->
        missing_<column>; a number or timestamp that does not parse -> unparseable_<column>;
        a number that is NaN, infinite or of a billion or more -> out_of_range_<column>;
        repeats of the key -> duplicate_<key>, keeping the first valid row by content so file order
        never matters (only the rows of repeated keys are ranked); raw_record is filled for
        quarantined rows only, with the contract's pii columns masked (segmentation_mask_pii);
        checks: [sql condition, reason] pairs, tested in order after the type checks;
        recodes: {code column: {value: replacement}}, validated mappings applied to the lowercased
        value before the default and the checks (the raw value stays in raw_record). -#}
    {%- set contract = segmentation_source_contract()[source_name] -%}
    {%- set key = contract.key -%}
    {%- set columns = [] -%}
    {%- for column in contract.columns -%}
        {%- set kind = {'id': 'text', 'integer': 'number'}.get(column.kind, column.kind) -%}
        {%- set spec = {
            'name': column.name, 'kind': kind, 'required': column.required | default(false),
            'pii': column.pii | default(false),
        } -%}
        {%- if column.default is defined and column.default is not none -%}
            {%- if kind in ('number', 'timestamp') -%}
                {%- do spec.update({'default': column.default | string}) -%}
            {%- else -%}
                {%- do spec.update({'default': "'" ~ column.default ~ "'"}) -%}
            {%- endif -%}
        {%- endif -%}
        {%- do columns.append(spec) -%}
    {%- endfor -%}
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
        {%- if column.kind == 'code' and recodes.get(column.name) %}
        {%- set whens = [] %}
        {%- for value, replacement in recodes[column.name] | dictsort %}
        {%- do whens.append("when '" ~ value ~ "' then '" ~ replacement ~ "'") %}
        {%- endfor %}
        {%- set expression = 'case ' ~ expression ~ ' ' ~ (whens | join(' ')) ~ ' else ' ~ expression ~ ' end' %}
        {%- endif %}
        {%- if column.default is defined %}
        {%- set expression = 'coalesce(' ~ expression ~ ', ' ~ column.default ~ ')' %}
        {%- endif %}
        {{ expression }} as {{ column.name }},
        {{ segmentation_to_text(column.name) }} as {{ column.name }}__text,
        {%- endfor %}
        {%- for column in columns %}
        source.{{ column.name }} as {{ column.name }}__raw{{ ',' if not loop.last }}
        {%- endfor %}
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
            {#- NaN, infinities ('1e400' parses as inf) and numbers no order, price or count reaches
                would be staged and then overflow the money type (12 integer digits) in a sum; in
                DuckDB NaN compares greater than every number, so the one test catches all three -#}
            {%- for column in columns if column.kind == 'number' %}
            when abs({{ column.name }}) >= 1e9 then 'out_of_range_{{ column.name }}'
            {%- endfor %}
            {%- for condition, reason in checks %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as row_problem
    from typed
),

duplicate_keys as (
    -- keys held by more than one row: a narrow aggregate, so that only their rows are ranked
    select {{ key | join(', ') }}
    from checked
    group by {{ key | join(', ') }}
    having count(*) > 1
),

ranked as (
    select
        checked.*,
        1 as key_occurrence
    from checked
    where not exists (
        select 1
        from duplicate_keys
        where
            {%- for column in key %}
            {{ 'and ' if not loop.first }}duplicate_keys.{{ column }} = checked.{{ column }}
            {%- endfor %}
    )

    union all

    -- a repeated key keeps its first valid row, ordered by content so that file order never matters
    select
        checked.*,
        row_number() over (
            partition by {% for column in key %}checked.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
            order by
                case when checked.row_problem is null then 0 else 1 end,
                {{ segmentation_raw_record(columns | map(attribute='name') | list, '__raw') }}
        ) as key_occurrence
    from checked
    where exists (
        select 1
        from duplicate_keys
        where
            {%- for column in key %}
            {{ 'and ' if not loop.first }}duplicate_keys.{{ column }} = checked.{{ column }}
            {%- endfor %}
    )
),

reasoned as (
    select
        *,
        coalesce(
            row_problem,
            case when key_occurrence > 1 then 'duplicate_{{ key | join("_") }}' end
        ) as quarantine_reason
    from ranked
),

final as (
    select
        {%- for column in columns %}
        {{ column.name }},
        {%- endfor %}
        -- the raw text only where it is needed: to trace a quarantined row to its source
        case
            when quarantine_reason is not null
                then {{ segmentation_raw_record(
                    columns | map(attribute='name') | list,
                    '__raw',
                    masked=columns | selectattr('pii') | map(attribute='name') | list,
                ) }}
        end as raw_record,
        quarantine_reason
    from reasoned
)

select * from final
{%- endmacro %}
