-- Every raw customer row, typed, with the reason it is quarantined (null when valid).
{{ segmentation_checked_source(
    source('shop', 'customers'),
    columns=[
        {'name': 'customer_id', 'kind': 'text', 'required': true},
        {'name': 'signup_at', 'kind': 'timestamp'},
        {'name': 'country', 'kind': 'text'},
        {'name': 'region', 'kind': 'text'},
        {'name': 'acquisition_channel', 'kind': 'code'},
        {'name': 'birth_year', 'kind': 'number'},
        {'name': 'gender', 'kind': 'code'},
        {'name': 'email', 'kind': 'text'},
    ],
    key=['customer_id'],
    checks=[
        ['signup_at < ' ~ segmentation_valid_window_start(), 'signup_at_before_data_window'],
        ['signup_at >= ' ~ segmentation_valid_window_end(), 'signup_at_after_data_window'],
        ['birth_year <> floor(birth_year) or birth_year < 1900 or birth_year > 2100', 'impossible_birth_year'],
    ],
) }}
