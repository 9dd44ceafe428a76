{% macro segmentation_migration_pathways() %}
    {#- The rows of the migration_pathways seed, each with its trigger compiled to SQL by
        segmentation_compile_trigger (a bad trigger stops the run). Read from the loaded seed at
        execution time; an empty list while parsing or before the seed is loaded (the model still
        refs the seed, so it cannot run without it). -#}
    {%- set seed = ref('migration_pathways') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.identifier) -%}
    {%- if relation is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query('select pathway_id, trigger_expression from ' ~ relation ~ ' order by pathway_id') -%}
    {%- set pathways = [] -%}
    {%- for row in result.rows -%}
        {%- do pathways.append({
            'pathway_id': row[0],
            'trigger_sql': segmentation_compile_trigger(row[0], row[1]),
        }) -%}
    {%- endfor -%}
    {{ return(pathways) }}
{% endmacro %}
