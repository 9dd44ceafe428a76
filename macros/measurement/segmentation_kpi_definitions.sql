{% macro segmentation_kpi_definitions() %}
    {#- The KPIs of fct_segment_kpis_monthly that take a target (seeds/kpi_targets.csv), each with
        its direction: 'higher' when a higher value is better, 'lower' when a lower one is.
        is_core: every segment must have a target for it (assert_every_segment_has_kpi_targets). -#}
    {{ return([
        {'kpi': 'retention_rate', 'direction': 'higher', 'is_core': true},
        {'kpi': 'churn_rate', 'direction': 'lower', 'is_core': true},
        {'kpi': 'upgrade_rate', 'direction': 'higher', 'is_core': true},
        {'kpi': 'downgrade_rate', 'direction': 'lower', 'is_core': true},
        {'kpi': 'revenue_per_customer', 'direction': 'higher', 'is_core': true},
        {'kpi': 'orders_per_customer', 'direction': 'higher', 'is_core': false},
        {'kpi': 'avg_order_value', 'direction': 'higher', 'is_core': false},
        {'kpi': 'email_open_rate', 'direction': 'higher', 'is_core': false},
        {'kpi': 'nps_score', 'direction': 'higher', 'is_core': false},
    ]) }}
{% endmacro %}
