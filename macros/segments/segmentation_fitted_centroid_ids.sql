{% macro segmentation_fitted_centroid_ids() %}
    {#- The centroid ids of the fitted model (centroid rows of segmentation_cluster_model), in
        order, read when a model runs (the Python model is built by then); [0] as a placeholder
        while parsing or before the model exists (as when linting an empty database). -#}
    {%- set centroid_ids = [] -%}
    {%- set model = ref('segmentation_cluster_model') -%}
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
