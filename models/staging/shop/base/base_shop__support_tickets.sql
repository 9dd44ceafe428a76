-- Every raw support ticket, typed, with the reason it is quarantined (null when valid).
{{ segmentation_checked_source(
    source('shop', 'support_tickets'),
    columns=[
        {'name': 'ticket_id', 'kind': 'text', 'required': true},
        {'name': 'customer_id', 'kind': 'text', 'required': true},
        {'name': 'opened_at', 'kind': 'timestamp', 'required': true},
        {'name': 'resolved_at', 'kind': 'timestamp'},
        {'name': 'satisfaction', 'kind': 'number'},
    ],
    key=['ticket_id'],
    checks=[
        ['opened_at < ' ~ segmentation_valid_window_start(), 'opened_at_before_data_window'],
        ['opened_at >= ' ~ segmentation_valid_window_end(), 'opened_at_after_data_window'],
        ['resolved_at < opened_at', 'resolved_before_opened'],
        ['satisfaction not in (1, 2, 3, 4, 5)', 'satisfaction_outside_1_to_5'],
    ],
) }}
