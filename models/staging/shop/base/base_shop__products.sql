-- Every raw product row, typed, with the reason it is quarantined (null when valid).
-- Columns, types, required flags and key: the source contract (segmentation_source_contract).
{{ segmentation_checked_source(
    source('shop', 'products'),
    'products',
    checks=[
        ['list_price < 0', 'negative_list_price'],
    ],
) }}
