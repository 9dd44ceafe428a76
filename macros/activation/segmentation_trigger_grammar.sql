{% macro segmentation_trigger_grammar() %}
    {#- What a migration-pathway trigger may use: the features (columns known for every customer at
        every month end, mapped to the CTE of int_pathway_triggers_monthly that holds them; latest_nps_score
        is the latest answer within segmentation__nps_recency_days), the comparison operators and the
        segment clause. segmentation_compile_trigger accepts nothing else. -#}
    {%- set features = {} -%}
    {%- for name in [
        'recency_days', 'frequency', 'monetary', 'frequency_to_date', 'monetary_to_date',
        'tenure_days', 'avg_order_value', 'days_between_orders', 'discount_share', 'return_rate',
        'orders_last_30_days', 'orders_last_90_days', 'orders_last_365_days',
        'net_revenue_last_30_days', 'net_revenue_last_90_days', 'net_revenue_last_365_days',
        'categories_bought', 'web_order_share', 'app_order_share', 'store_order_share',
        'email_open_rate', 'email_click_rate', 'web_sessions_last_90_days',
        'app_sessions_last_90_days', 'app_session_share', 'support_tickets',
        'support_tickets_last_365_days', 'avg_ticket_satisfaction',
    ] -%}
        {%- do features.update({name: 'features'}) -%}
    {%- endfor -%}
    {#- the latest NPS answer within segmentation__nps_recency_days of the month end -#}
    {%- do features.update({'latest_nps_score': 'recent_nps'}) -%}
    {%- for name in ['r_score', 'f_score', 'm_score'] -%}
        {%- do features.update({name: 'rfm'}) -%}
    {%- endfor -%}
    {{ return({
        'features': features,
        'operators': ['<', '<=', '>', '>=', '=', '!='],
        'segment_feature': 'previous_segment',
        'segment_operators': ['=', '!='],
    }) }}
{% endmacro %}
