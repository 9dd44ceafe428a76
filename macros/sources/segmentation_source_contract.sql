{% macro segmentation_source_contract() %}
    {#- The data contract: each source, its columns, and which columns a file must have.
        Missing optional columns land as nulls; a missing optional source lands as an empty view. -#}
    {{ return({
        'customers': {
            'required': false,
            'columns': ['customer_id', 'signup_at', 'country', 'region', 'acquisition_channel',
                        'birth_year', 'gender', 'email'],
            'required_columns': ['customer_id'],
        },
        'orders': {
            'required': true,
            'columns': ['order_id', 'customer_id', 'ordered_at', 'status', 'sales_channel',
                        'amount', 'discount_amount'],
            'required_columns': ['order_id', 'customer_id', 'ordered_at', 'amount'],
        },
        'order_items': {
            'required': false,
            'columns': ['order_id', 'line_number', 'product_id', 'quantity', 'unit_price'],
            'required_columns': ['order_id', 'line_number', 'product_id'],
        },
        'products': {
            'required': false,
            'columns': ['product_id', 'product_name', 'category', 'list_price'],
            'required_columns': ['product_id'],
        },
        'engagement_events': {
            'required': false,
            'columns': ['event_id', 'customer_id', 'occurred_at', 'event_type'],
            'required_columns': ['event_id', 'customer_id', 'occurred_at', 'event_type'],
        },
        'support_tickets': {
            'required': false,
            'columns': ['ticket_id', 'customer_id', 'opened_at', 'resolved_at', 'satisfaction'],
            'required_columns': ['ticket_id', 'customer_id', 'opened_at'],
        },
        'nps_responses': {
            'required': false,
            'columns': ['response_id', 'customer_id', 'responded_at', 'score'],
            'required_columns': ['response_id', 'customer_id', 'responded_at', 'score'],
        },
    }) }}
{% endmacro %}
