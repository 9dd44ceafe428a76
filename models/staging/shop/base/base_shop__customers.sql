-- Every raw customer row, typed, with the reason it is quarantined (null when valid).
-- Columns, types, required flags and key: the source contract (segmentation_source_contract).
{{ segmentation_checked_source(
    source('shop', 'customers'),
    'customers',
    checks=[
        ['signup_at < ' ~ segmentation_valid_window_start(), 'signup_at_before_data_window'],
        ['signup_at >= ' ~ segmentation_valid_window_end(), 'signup_at_after_data_window'],
        ['birth_year <> floor(birth_year) or birth_year < 1900 or birth_year > 2100', 'impossible_birth_year'],
    ],
) }}
