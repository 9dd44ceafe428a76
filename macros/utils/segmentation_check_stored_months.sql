{% macro segmentation_check_stored_months(analysis_window) %}
    {#- In an incremental build of a monthly history, raises when the stored table holds months
        after the as-of month of analysis_window (ref('int_analysis_window')): an incremental build
        cannot take months back, so moving the as-of date back needs --full-refresh. -#}
    {%- if is_incremental() and execute %}
        {%- set stored = run_query(
            'select max(period_month_end) from ' ~ this
            ~ ' having max(period_month_end) > (select as_of_month_end from ' ~ analysis_window ~ ')'
        ) %}
        {%- if stored.rows | length > 0 %}
            {{ exceptions.raise_compiler_error(
                model.name ~ " holds months after the as-of month (up to "
                ~ stored.columns[0].values()[0] ~ "); rebuild it with --full-refresh to move the as-of date back or to build other data (segmentation__source_dir)."
            ) }}
        {%- endif %}
    {%- endif %}
{% endmacro %}
