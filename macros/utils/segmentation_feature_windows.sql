{% macro segmentation_feature_windows() %}
    {#- The trailing windows of the customer features: name (the column suffix), length in days and
        the activity measures summed over it. The lookback window exists only when
        segmentation__lookback_days is set (frequency and monetary over it). -#}
    {%- set windows = [
        {'name': 'last_30_days', 'days': 30, 'measures': ['completed_orders', 'net_revenue']},
        {'name': 'last_90_days', 'days': 90,
         'measures': ['completed_orders', 'net_revenue', 'web_sessions', 'app_sessions']},
        {'name': 'last_365_days', 'days': 365, 'measures': ['completed_orders', 'net_revenue', 'support_tickets']},
    ] -%}
    {%- set lookback_days = segmentation_setting('lookback_days') -%}
    {%- if lookback_days is not none -%}
        {%- do windows.append({'name': 'lookback', 'days': lookback_days | int,
                               'measures': ['completed_orders', 'net_revenue']}) -%}
    {%- endif -%}
    {{ return(windows) }}
{% endmacro %}

{% macro segmentation_window_changes(windows) %}
    {#- Every (window, measure) pair of segmentation_feature_windows as {measure, column}, column
        being <measure>_<window name>. -#}
    {%- set changes = [] -%}
    {%- for window in windows -%}
        {%- for measure in window.measures -%}
            {%- do changes.append({'measure': measure, 'column': measure ~ '_' ~ window.name}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(changes) }}
{% endmacro %}

{% macro segmentation_window_leaving_parts(windows, fact_of) %}
    {#- Per window and per relation of daily facts (fact_of maps each measure to it), the columns
        <measure>_<window name> that the relation's rows leave: one aggregate per pair. -#}
    {%- set parts = [] -%}
    {%- for window in windows -%}
        {%- set by_facts = {} -%}
        {%- for measure in window.measures -%}
            {%- do by_facts.setdefault(fact_of[measure], []).append(measure ~ '_' ~ window.name) -%}
        {%- endfor -%}
        {%- for facts, columns in by_facts.items() -%}
            {%- do parts.append({'window': window, 'facts': facts, 'columns': columns}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(parts) }}
{% endmacro %}
