{% macro segmentation_fitted_centroid_ids() %}
    {#- The centroid ids of the fitted model (centroid rows of int_cluster_definition, the definition in force), in
        order, read when a model runs (the Python model is built by then); [0] as a placeholder
        while parsing or before the model exists (as when linting an empty database). -#}
    {%- set centroid_ids = [] -%}
    {%- set model = ref('int_cluster_definition') -%}
    {%- if execute and adapter.get_relation(
        database=model.database, schema=model.schema, identifier=model.identifier
    ) is not none -%}
        {%- set fitted = run_query(
            'select distinct centroid_id from ' ~ model
            ~ " where artifact = 'centroid' order by centroid_id"
        ) -%}
        {%- for row in fitted.rows -%}
            {%- do centroid_ids.append(row[0] | int) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if centroid_ids | length == 0 -%}
        {%- do centroid_ids.append(0) -%}
    {%- endif -%}
    {{ return(centroid_ids) }}
{% endmacro %}
