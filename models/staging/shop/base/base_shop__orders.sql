-- Every raw order row, typed, with the reason it is quarantined (null when valid).
{{ segmentation_checked_source(
    source('shop', 'orders'),
    columns=[
        {'name': 'order_id', 'kind': 'text', 'required': true},
        {'name': 'customer_id', 'kind': 'text', 'required': true},
        {'name': 'ordered_at', 'kind': 'timestamp', 'required': true},
        {'name': 'amount', 'kind': 'number', 'required': true},
        {'name': 'discount_amount', 'kind': 'number', 'default': 0},
        {'name': 'status', 'kind': 'code', 'default': "'completed'"},
        {'name': 'sales_channel', 'kind': 'code'},
    ],
    key=['order_id'],
    checks=[
        ['ordered_at < ' ~ segmentation_valid_window_start(), 'ordered_at_before_data_window'],
        ['ordered_at >= ' ~ segmentation_valid_window_end(), 'ordered_at_after_data_window'],
        ['amount < 0', 'negative_amount'],
        ['discount_amount < 0', 'negative_discount_amount'],
        ["status not in ('completed', 'cancelled', 'returned')", 'unknown_status'],
    ],
) }}
