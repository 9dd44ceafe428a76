-- Every raw engagement event, typed, with the reason it is quarantined (null when valid).
-- Columns, types, required flags and key: the source contract (segmentation_source_contract).
{{ segmentation_checked_source(
    source('shop', 'engagement_events'),
    'engagement_events',
    checks=[
        ['occurred_at < ' ~ segmentation_valid_window_start(), 'occurred_at_before_data_window'],
        ['occurred_at >= ' ~ segmentation_valid_window_end(), 'occurred_at_after_data_window'],
        [
            "event_type not in ('email_delivered', 'email_opened', 'email_clicked', 'web_session', 'app_session')",
            'unknown_event_type',
        ],
    ],
) }}
