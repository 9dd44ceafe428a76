{% macro segmentation_warn_cluster_fit(relation) %}
    {#- post-hook of fct_cluster_diagnostics: warn when the data bounded k below the configured
        segmentation__k_min / segmentation__k_max, or when no clustering could be fitted. -#}
    {%- if execute -%}
        {%- set reasons = run_query(
            'select distinct chosen_k_reason from ' ~ relation ~ ' where is_chosen'
        ).columns[0].values() -%}
        {%- for reason in reasons if reason and (reason.startswith('k bounded by the data') or reason.startswith('not fitted')) -%}
            {%- do exceptions.warn('Cluster segmentation: ' ~ reason ~ '.') -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('select 1 as cluster_fit_checked') }}
{% endmacro %}
