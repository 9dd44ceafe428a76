{% macro segmentation_fitted_cluster_ids() %}
    {#- The cluster ids of the fitted model (int_cluster_centroids), in order, read when a model
        runs (the Python model is built by then); [0] as a placeholder while parsing or before the
        model exists (as when linting an empty database). -#}
    {%- set cluster_ids = [] -%}
    {%- set centroids = ref('int_cluster_centroids') -%}
    {%- if execute and adapter.get_relation(
        database=centroids.database, schema=centroids.schema, identifier=centroids.identifier
    ) is not none -%}
        {%- set fitted = run_query('select distinct cluster_id from ' ~ centroids ~ ' order by cluster_id') -%}
        {%- for row in fitted.rows -%}
            {%- do cluster_ids.append(row[0] | int) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if cluster_ids | length == 0 -%}
        {%- do cluster_ids.append(0) -%}
    {%- endif -%}
    {{ return(cluster_ids) }}
{% endmacro %}
