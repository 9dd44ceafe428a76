{% macro segmentation_settings_spec() %}
    {#- The rule of every segmentation__ var: what kind of value and which values are allowed. -#}
    {{ return({
        'source_dir': {'kind': 'path', 'nullable': true},
        'source_schema': {'kind': 'identifier'},
        'as_of_date': {'kind': 'date', 'nullable': true},
        'lookback_days': {'kind': 'integer', 'min': 1, 'max': 36500, 'nullable': true},
        'min_valid_date': {'kind': 'date'},
        'max_valid_date': {'kind': 'date', 'nullable': true},
        'timestamp_formats': {'kind': 'timestamp_formats'},
        'order_status_map': {'kind': 'status_map', 'allowed': ['completed', 'cancelled', 'returned']},
        'cluster_features': {'kind': 'feature_list', 'allowed': segmentation_cluster_feature_names()},
        'k_min': {'kind': 'integer', 'min': 2, 'max': 15},
        'k_max': {'kind': 'integer', 'min': 2, 'max': 15},
        'min_segment_share': {'kind': 'number', 'min': 0.0, 'max': 0.5},
        'persona_min_customers': {'kind': 'integer', 'min': 1, 'max': 1000000},
        'max_training_rows': {'kind': 'integer', 'min': 100, 'max': 10000000},
        'silhouette_sample_size': {'kind': 'integer', 'min': 100, 'max': 100000},
        'cluster_n_init': {'kind': 'integer', 'min': 1, 'max': 100},
        'stability_resamples': {'kind': 'integer', 'min': 0, 'max': 50},
        'seed': {'kind': 'integer', 'min': 0, 'max': 2147483647},
        'refit': {'kind': 'choice', 'allowed': ['auto', 'always', 'never']},
        'refit_interval_months': {'kind': 'integer', 'min': 1, 'max': 120},
        'drift_psi_threshold': {'kind': 'number', 'min': 0.0, 'max': 100.0},
        'drift_reassigned_share': {'kind': 'number', 'min': 0.0, 'max': 1.0, 'max_inclusive': true},
        'cluster_match_max_distance': {'kind': 'number', 'min': 0.0, 'max': 1000.0},
        'drift_value_holdout_error': {'kind': 'number', 'min': 0.0, 'max': 100.0},
        'composite_max_segments': {'kind': 'integer', 'min': 2, 'max': 50},
        'clv_horizon_days': {'kind': 'integer', 'min': 1, 'max': 3650},
        'clv_holdout_months': {'kind': 'integer', 'min': 1, 'max': 24},
        'clv_penalizer': {'kind': 'number', 'min': 0.0, 'max': 100.0, 'min_inclusive': true},
        'clv_discount_rate': {'kind': 'number', 'min': 0.0, 'max': 1.0, 'min_inclusive': true},
        'clv_margin': {'kind': 'number', 'min': 0.0, 'max': 1.0, 'max_inclusive': true},
        'engaged_open_rate': {'kind': 'number', 'min': 0.0, 'max': 1.0},
        'engaged_sessions_90d': {'kind': 'integer', 'min': 0, 'max': 10000},
        'control_group_share': {'kind': 'number', 'min': 0.0, 'max': 0.5},
        'action_history_months': {'kind': 'integer', 'min': 1, 'max': 1200, 'nullable': true},
        'action_cooldown_months': {'kind': 'integer', 'min': 1, 'max': 120},
        'nps_recency_days': {'kind': 'integer', 'min': 1, 'max': 3650},
        'churn_hiatus_days': {'kind': 'integer', 'min': 31, 'max': 3650},
        'export_segments': {'kind': 'segment_list', 'allowed': segmentation_segment_columns() | map(attribute='segmentation') | list},
        'export_include_email': {'kind': 'boolean'},
        'export_dir': {'kind': 'path', 'nullable': true},
    }) }}
{% endmacro %}

{% macro segmentation_cluster_feature_names() %}
    {#- Columns of int_cluster_features_monthly that clustering may use; their transforms are in
        the cluster_feature_catalog seed. -#}
    {{ return([
        'recency_days', 'frequency', 'monetary', 'avg_order_value', 'tenure_days',
        'days_between_orders', 'discount_share', 'return_rate', 'email_open_rate',
        'email_click_rate', 'web_sessions_last_90_days', 'app_sessions_last_90_days',
        'app_session_share', 'orders_last_90_days', 'net_revenue_last_90_days', 'support_tickets',
        'categories_bought', 'app_order_share',
    ]) }}
{% endmacro %}
