{% macro segmentation_mask_pii(expression) %}
    {#- A personal value (text) as it may appear beyond staging: 'sha256:' and the SHA-256 of the
        secret salt followed by the value when a salt is set, '<redacted>' when not; null stays
        null. The salt never appears in SQL (see the adapter implementations). -#}
    {{ return(adapter.dispatch('segmentation_mask_pii', 'segmentation')(expression)) }}
{% endmacro %}

{% macro default__segmentation_mask_pii(expression) %}
    {#- No salt mechanism on this adapter: redact (a warehouse can use its own masking policy). -#}
    case when {{ expression }} is not null then '<redacted>' end
{% endmacro %}

{% macro duckdb__segmentation_mask_pii(expression) %}
    {#- The project's dbt-duckdb plugin sets the variable segmentation_pii_salt from the
        environment variable SEGMENTATION_PII_SALT on every connection, as a bound parameter. -#}
    case
        when {{ expression }} is null then null
        when coalesce(getvariable('segmentation_pii_salt'), '') = '' then '<redacted>'
        else 'sha256:' || sha256(getvariable('segmentation_pii_salt') || {{ expression }})
    end
{% endmacro %}
