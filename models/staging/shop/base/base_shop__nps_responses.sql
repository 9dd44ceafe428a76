-- Every raw NPS response, typed, with the reason it is quarantined (null when valid).
-- Columns, types, required flags and key: the source contract (segmentation_source_contract).
{{ segmentation_checked_source(
    source('shop', 'nps_responses'),
    'nps_responses',
    checks=[
        ['responded_at < ' ~ segmentation_valid_window_start(), 'responded_at_before_data_window'],
        ['responded_at >= ' ~ segmentation_valid_window_end(), 'responded_at_after_data_window'],
        ['score not in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)', 'score_outside_0_to_10'],
    ],
) }}
