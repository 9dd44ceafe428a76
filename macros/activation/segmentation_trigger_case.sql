{% macro segmentation_trigger_case(pathways, pathway_id_column) %}
    {#- Whether a row's pathway fires: a case on pathway_id_column choosing the compiled trigger of
        each pathway (from segmentation_migration_pathways; a trigger on a null feature is false),
        so every pathway is evaluated in one pass. false when there is no pathway (while parsing
        or before the seed is loaded). -#}
    {%- if pathways | length > 0 -%}
        case {{ pathway_id_column }}
        {%- for pathway in pathways %}
            when '{{ pathway.pathway_id }}' then coalesce({{ pathway.trigger_sql }}, false)
        {%- endfor %}
            else false
        end
    {%- else -%}
        false
    {%- endif -%}
{% endmacro %}
