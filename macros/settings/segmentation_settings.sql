{% macro segmentation_settings() %}
    {#- All segmentation__ vars, validated: a dict keyed by the name without the prefix. -#}
    {%- set settings = {} -%}
    {%- for name, rule in segmentation_settings_spec().items() -%}
        {%- do settings.update({name: segmentation_validate_setting(name, var('segmentation__' ~ name), rule)}) -%}
    {%- endfor -%}
    {%- if settings.k_min > settings.k_max -%}
        {{ exceptions.raise_compiler_error(
            "Invalid var segmentation__k_min=" ~ settings.k_min ~ ": it must be <= segmentation__k_max ("
            ~ settings.k_max ~ ")."
        ) }}
    {%- endif -%}
    {{ return(settings) }}
{% endmacro %}

{% macro segmentation_setting(name) %}
    {#- One validated setting, for use in models: segmentation_setting('as_of_date'). -#}
    {%- set spec = segmentation_settings_spec() -%}
    {%- if name not in spec -%}
        {{ exceptions.raise_compiler_error("Unknown setting '" ~ name ~ "'; known: " ~ (spec.keys() | sort | join(', '))) }}
    {%- endif -%}
    {{ return(segmentation_validate_setting(name, var('segmentation__' ~ name), spec[name])) }}
{% endmacro %}
