-- Every raw order row, typed, with the reason it is quarantined (null when valid).
-- Columns, types, required flags and key: the source contract (segmentation_source_contract).
-- Status values of the export are mapped to ours by the var segmentation__order_status_map.
{{ segmentation_checked_source(
    source('shop', 'orders'),
    'orders',
    checks=[
        ['ordered_at < ' ~ segmentation_valid_window_start(), 'ordered_at_before_data_window'],
        ['ordered_at >= ' ~ segmentation_valid_window_end(), 'ordered_at_after_data_window'],
        ['amount < 0', 'negative_amount'],
        ['discount_amount < 0', 'negative_discount_amount'],
        ["status not in ('completed', 'cancelled', 'returned')", 'unknown_status'],
    ],
    recodes={'status': segmentation_setting('order_status_map')},
) }}
