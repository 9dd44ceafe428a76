-- Every raw engagement event, typed, with the reason it is quarantined (null when valid).
{{ segmentation_checked_source(
    source('shop', 'engagement_events'),
    columns=[
        {'name': 'event_id', 'kind': 'text', 'required': true},
        {'name': 'customer_id', 'kind': 'text', 'required': true},
        {'name': 'occurred_at', 'kind': 'timestamp', 'required': true},
        {'name': 'event_type', 'kind': 'code', 'required': true},
    ],
    key=['event_id'],
    checks=[
        ['occurred_at < ' ~ segmentation_valid_window_start(), 'occurred_at_before_data_window'],
        ['occurred_at >= ' ~ segmentation_valid_window_end(), 'occurred_at_after_data_window'],
        [
            "event_type not in ('email_delivered', 'email_opened', 'email_clicked', 'web_session', 'app_session')",
            'unknown_event_type',
        ],
    ],
) }}
