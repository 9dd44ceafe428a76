-- Every raw order line, typed, with the reason it is quarantined (null when valid).
-- A line whose order is not a valid order is quarantined as order_not_found.
-- Columns, types, required flags and key: the source contract (segmentation_source_contract).
{{ segmentation_checked_source(
    source('shop', 'order_items'),
    'order_items',
    checks=[
        ['quantity <= 0 or quantity <> floor(quantity)', 'invalid_quantity'],
        ['unit_price < 0', 'negative_unit_price'],
        ['order_id not in (select order_id from ' ~ ref('stg_shop__orders') ~ ')', 'order_not_found'],
    ],
) }}
