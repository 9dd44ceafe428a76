-- The migration pathways of the migration_pathways seed with the SQL their trigger compiles to.
-- Triggers are data with a fixed grammar (see segmentation_compile_trigger): the SQL is built only
-- from whitelisted features, operators and numbers, and a bad trigger stops the build.
{%- set pathways = segmentation_migration_pathways() %}

with

pathways as (
    select * from {{ ref('migration_pathways') }}
),

compiled_triggers as (
    {%- for pathway in pathways %}
    select
        '{{ pathway.pathway_id }}' as pathway_id,
        '{{ pathway.trigger_sql | replace("'", "''") }}' as trigger_sql
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as pathway_id,
        cast(null as {{ dbt.type_string() }}) as trigger_sql
    where false
    {%- endfor %}
),

pathways_compiled as (
    select
        -- keys
        pathways.pathway_id,
        pathways.segmentation,
        pathways.from_segment,
        pathways.target_segment,
        -- trigger
        pathways.trigger_expression,
        compiled_triggers.trigger_sql,
        -- action
        pathways.intervention,
        pathways.channel,
        pathways.priority
    from pathways
    inner join compiled_triggers
        on pathways.pathway_id = compiled_triggers.pathway_id
)

select * from pathways_compiled
