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
