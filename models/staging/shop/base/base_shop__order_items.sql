-- Every raw order line, typed, with the reason it is quarantined (null when valid).
-- A line whose order is not a valid order is quarantined as order_not_found.
{{ segmentation_checked_source(
    source('shop', 'order_items'),
    columns=[
        {'name': 'order_id', 'kind': 'text', 'required': true},
        {'name': 'line_number', 'kind': 'text', 'required': true},
        {'name': 'product_id', 'kind': 'text', 'required': true},
        {'name': 'quantity', 'kind': 'number', 'default': 1},
        {'name': 'unit_price', 'kind': 'number'},
    ],
    key=['order_id', 'line_number'],
    checks=[
        ['quantity <= 0 or quantity <> floor(quantity)', 'invalid_quantity'],
        ['unit_price < 0', 'negative_unit_price'],
        ['order_id not in (select order_id from ' ~ ref('stg_shop__orders') ~ ')', 'order_not_found'],
    ],
) }}
