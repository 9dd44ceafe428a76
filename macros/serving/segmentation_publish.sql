{% macro segmentation_publish(results=none) %}
    {#- Publishes the build file onto the serving file (on-run-end hook, and `make publish` as
        `dbt run-operation segmentation_publish`). With results (the hook), only when every node
        of the run succeeded: a failed or partly failed run leaves the serving file as it was. -#}
    {{ return(adapter.dispatch('segmentation_publish', 'segmentation')(results)) }}
{% endmacro %}

{% macro default__segmentation_publish(results) %}
    {#- A warehouse adapter serves the schemas dbt wrote; there is no file to publish. -#}
    {{ return('select 1 as published') }}
{% endmacro %}

{% macro duckdb__segmentation_publish(results) %}
    {%- if not execute -%}
        {{ return('select 1 as published') }}
    {%- endif -%}
    {%- if results is not none -%}
        {%- set failed = segmentation_unsuccessful_results(results) -%}
        {%- if failed -%}
            {%- do log(
                'Not published: ' ~ failed | length ~ ' node(s) did not succeed ('
                ~ failed[:5] | join(', ') ~ (', ...' if failed | length > 5 else '')
                ~ '). The serving file is unchanged; the build file keeps this run.',
                info=true
            ) -%}
            {{ return('select 1 as published') }}
        {%- endif -%}
        {%- if flags.EMPTY -%}
            {%- do log('Not published: an --empty run builds no rows.', info=true) -%}
            {{ return('select 1 as published') }}
        {%- endif -%}
    {%- endif -%}
    {%- set function = run_query(
        "select count(*) from duckdb_functions() where function_name = 'segmentation_publish'"
    ) -%}
    {%- if function.columns[0].values()[0] == 0 -%}
        {%- do log(
            'Not published: this profile does not load the segmentation.duckdb_plugin plugin, '
            ~ 'so the file dbt built is the warehouse.',
            info=true
        ) -%}
        {{ return('select 1 as published') }}
    {%- endif -%}
    {#- make publish before any build: dbt has just created an empty build file, which must not
        replace a serving warehouse. (After a successful run, what it built is published, whatever
        its selection.) Looked up by name: a ref() here would make the hook depend on the model. -#}
    {%- set marts = run_query(
        "select count(*) from information_schema.tables "
        "where table_catalog = current_database() and table_name = 'dim_customers'"
    ) -%}
    {%- if results is none and marts.columns[0].values()[0] == 0 -%}
        {%- do log('Not published: the build file has no marts yet (no dim_customers); run dbt build first.', info=true) -%}
        {{ return('select 1 as published') }}
    {%- endif -%}
    {#- Everything committed goes into the database file, so that a byte copy is the warehouse. -#}
    {%- do run_query('checkpoint') -%}
    {%- set published = run_query('select segmentation_publish()') -%}
    {%- do log('Published the warehouse to ' ~ published.columns[0].values()[0], info=true) -%}
    {{ return('select 1 as published') }}
{% endmacro %}
