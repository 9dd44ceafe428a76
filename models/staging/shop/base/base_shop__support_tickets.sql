-- Every raw support ticket, typed, with the reason it is quarantined (null when valid).
-- Columns, types, required flags and key: the source contract (segmentation_source_contract).
{{ segmentation_checked_source(
    source('shop', 'support_tickets'),
    'support_tickets',
    checks=[
        ['opened_at < ' ~ segmentation_valid_window_start(), 'opened_at_before_data_window'],
        ['opened_at >= ' ~ segmentation_valid_window_end(), 'opened_at_after_data_window'],
        ['resolved_at < opened_at', 'resolved_before_opened'],
        ['satisfaction not in (1, 2, 3, 4, 5)', 'satisfaction_outside_1_to_5'],
    ],
) }}
