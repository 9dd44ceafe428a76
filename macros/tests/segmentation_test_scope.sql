{% macro segmentation_scoped_test_models() %}
    {#- The models whose data tests a normal `dbt build` scopes to the months it may have written:
        incremental, with a documented period_month_end column (the monthly histories and marts).
        Returns {unique_id: node}. -#}
    {%- set scoped = {} -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.config.materialized == 'incremental'
            and 'period_month_end' in node.columns -%}
            {%- do scoped.update({node.unique_id: node}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(scoped) }}
{% endmacro %}

{% macro segmentation_test_scope_relation() %}
    {#- Where a build keeps, while it runs, the first month each scoped model may rewrite. -#}
    {{ return(api.Relation.create(database=target.database, schema=target.schema,
                                  identifier='segmentation_test_scope')) }}
{% endmacro %}

{% macro segmentation_record_test_scope() %}
    {#- on-run-start: before any model runs, records for each incremental monthly model already
        built the first month an incremental build may rewrite (the month before its last stored
        month end: every model of the project recomputes from its last stored month or the one
        before it). The data tests of that model then check those months only (get_where_subquery):
        the months before were tested by the build that wrote them and are not written again. Only
        `dbt build` without --full-refresh scopes; a model not built before, `dbt test`, and
        --full-refresh test every row. segmentation_drop_test_scope removes the table at the end. -#}
    {%- if not execute -%}
        {{ return('select 1 as recorded') }}
    {%- endif -%}
    {%- set scope = segmentation_test_scope_relation() -%}
    {%- set selects = [] -%}
    {%- if flags.WHICH == 'build' and not flags.FULL_REFRESH -%}
        {%- for unique_id, node in segmentation_scoped_test_models().items() | sort -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.alias
            ) -%}
            {%- if relation is not none and relation.is_table -%}
                {%- do selects.append(
                    "select cast('" ~ unique_id ~ "' as " ~ dbt.type_string() ~ ") as model_id, "
                    ~ segmentation_month_end(dbt.dateadd('month', -1, 'max(period_month_end)'))
                    ~ " as first_month_end from " ~ relation
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not selects -%}
        {%- do selects.append(
            "select cast(null as " ~ dbt.type_string() ~ ") as model_id, cast(null as date) as first_month_end"
            ~ " where 1 = 0"
        ) -%}
    {%- endif -%}
    {%- do run_query('drop table if exists ' ~ scope) -%}
    {%- do run_query('create table ' ~ scope ~ ' as ' ~ selects | join(' union all ')) -%}
    {{ return('select 1 as recorded') }}
{% endmacro %}

{% macro segmentation_drop_test_scope() %}
    {#- on-run-end: drops the table of segmentation_record_test_scope (before publishing). -#}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ segmentation_test_scope_relation()) -%}
    {%- endif -%}
    {{ return('select 1 as dropped') }}
{% endmacro %}

{% macro get_where_subquery(relation) -%}
    {#- dbt's hook for a data test's `where` config, extended: in a normal `dbt build` the tests
        of a scoped model (segmentation_scoped_test_models) read only the months from the first
        month the build may have rewritten (segmentation_record_test_scope); equal_row_count
        compares whole tables and is not scoped. -#}
    {%- set where = config.get('where', '') -%}
    {%- set conditions = [] -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set attached = model.attached_node -%}
    {%- set test_name = model.test_metadata.name if model.test_metadata else none -%}
    {%- if flags.WHICH == 'build' and not flags.FULL_REFRESH and attached
        and attached in segmentation_scoped_test_models() and test_name != 'equal_row_count' -%}
        {%- do conditions.append(
            'period_month_end >= coalesce((select scope.first_month_end from '
            ~ segmentation_test_scope_relation() ~ " as scope where scope.model_id = '" ~ attached
            ~ "'), cast('1900-01-31' as date))"
        ) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
