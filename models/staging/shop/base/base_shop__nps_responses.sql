-- Every raw NPS response, typed, with the reason it is quarantined (null when valid).
{{ segmentation_checked_source(
    source('shop', 'nps_responses'),
    columns=[
        {'name': 'response_id', 'kind': 'text', 'required': true},
        {'name': 'customer_id', 'kind': 'text', 'required': true},
        {'name': 'responded_at', 'kind': 'timestamp', 'required': true},
        {'name': 'score', 'kind': 'number', 'required': true},
    ],
    key=['response_id'],
    checks=[
        ['responded_at < ' ~ segmentation_valid_window_start(), 'responded_at_before_data_window'],
        ['responded_at >= ' ~ segmentation_valid_window_end(), 'responded_at_after_data_window'],
        ['score not in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)', 'score_outside_0_to_10'],
    ],
) }}
