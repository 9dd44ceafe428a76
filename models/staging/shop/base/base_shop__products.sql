-- Every raw product row, typed, with the reason it is quarantined (null when valid).
{{ segmentation_checked_source(
    source('shop', 'products'),
    columns=[
        {'name': 'product_id', 'kind': 'text', 'required': true},
        {'name': 'product_name', 'kind': 'text'},
        {'name': 'category', 'kind': 'code'},
        {'name': 'list_price', 'kind': 'number'},
    ],
    key=['product_id'],
    checks=[
        ['list_price < 0', 'negative_list_price'],
    ],
) }}
