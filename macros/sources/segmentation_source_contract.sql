{% macro segmentation_source_contract() %}
    {#- The source contract, the one home of the sources, their columns, types, required flags,
        defaults and PII flags. The landing hook, the base models, the quarantine marts, the demo
        and shape generators (segmentation.contract in Python reads the YAML below) and the docs
        (README table, _shop__sources.yml, checked by tests/python/test_source_contract.py) read it.
        A macro rather than a sources meta: block because the quarantine marts must know the
        sources at parse time (to ref their base models), when graph is still empty.
        Per source: required (a build without it stops), key (columns that identify a row),
        description, columns. Per column: name, kind (id: text or integer identifier; text; code:
        lowercased text; number; integer; timestamp), required (a file must have the column, and a
        row without a value is quarantined as missing_<column>), default (used when empty), pii
        (personal data: never copied raw beyond staging), description.
        The block between the contract-yaml markers is plain YAML: no Jinja inside. -#}
    {%- set contract_yaml -%}
# contract-yaml-start
customers:
  required: false
  key: [customer_id]
  description: One row per customer (optional source).
  columns:
    - {name: customer_id, kind: id, required: true, pii: false, description: "Customer identifier, unique."}
    - {name: signup_at, kind: timestamp, pii: false, description: "When the customer signed up (default: the first order)."}
    - {name: country, kind: text, pii: false, description: "Country code."}
    - {name: region, kind: text, pii: false, description: "Sales region."}
    - {name: acquisition_channel, kind: code, pii: false, description: "Channel that acquired the customer."}
    - {name: birth_year, kind: integer, pii: true, description: "Year of birth (1900-2100)."}
    - {name: gender, kind: code, pii: true, description: "Gender as reported."}
    - {name: email, kind: text, pii: true, description: "Email address (kept in staging, never copied to the marts)."}
orders:
  required: true
  key: [order_id]
  description: One row per order (required source).
  columns:
    - {name: order_id, kind: id, required: true, pii: false, description: "Order identifier, unique."}
    - {name: customer_id, kind: id, required: true, pii: false, description: "Customer who placed the order."}
    - {name: ordered_at, kind: timestamp, required: true, pii: false, description: "When the order was placed, UTC or with an explicit offset."}
    - {name: status, kind: code, default: completed, pii: false, description: "completed, cancelled or returned (default completed; map other values with segmentation__order_status_map)."}
    - {name: sales_channel, kind: code, pii: false, description: "web, app, store or another channel name."}
    - {name: amount, kind: number, required: true, pii: false, description: "Amount paid for the order, after discount (>= 0)."}
    - {name: discount_amount, kind: number, default: 0, pii: false, description: "Discount given on the order (default 0)."}
order_items:
  required: false
  key: [order_id, line_number]
  description: One row per order line (optional source).
  columns:
    - {name: order_id, kind: id, required: true, pii: false, description: "Order the line belongs to."}
    - {name: line_number, kind: id, required: true, pii: false, description: "Line number within the order."}
    - {name: product_id, kind: id, required: true, pii: false, description: "Product sold."}
    - {name: quantity, kind: integer, default: 1, pii: false, description: "Units sold (default 1)."}
    - {name: unit_price, kind: number, pii: false, description: "Price per unit."}
products:
  required: false
  key: [product_id]
  description: One row per product (optional source).
  columns:
    - {name: product_id, kind: id, required: true, pii: false, description: "Product identifier, unique."}
    - {name: product_name, kind: text, pii: false, description: "Product name."}
    - {name: category, kind: code, pii: false, description: "Product category (the needs axis)."}
    - {name: list_price, kind: number, pii: false, description: "List price."}
engagement_events:
  required: false
  key: [event_id]
  description: One row per engagement event (optional source).
  columns:
    - {name: event_id, kind: id, required: true, pii: false, description: "Event identifier, unique."}
    - {name: customer_id, kind: id, required: true, pii: false, description: "Customer the event belongs to."}
    - {name: occurred_at, kind: timestamp, required: true, pii: false, description: "When it happened."}
    - {name: event_type, kind: code, required: true, pii: false, description: "email_delivered, email_opened, email_clicked, web_session or app_session."}
support_tickets:
  required: false
  key: [ticket_id]
  description: One row per support ticket (optional source).
  columns:
    - {name: ticket_id, kind: id, required: true, pii: false, description: "Ticket identifier, unique."}
    - {name: customer_id, kind: id, required: true, pii: false, description: "Customer who opened the ticket."}
    - {name: opened_at, kind: timestamp, required: true, pii: false, description: "When the ticket was opened."}
    - {name: resolved_at, kind: timestamp, pii: false, description: "When it was resolved, empty while open."}
    - {name: satisfaction, kind: integer, pii: false, description: "Satisfaction rating 1-5."}
nps_responses:
  required: false
  key: [response_id]
  description: One row per NPS survey response (optional source).
  columns:
    - {name: response_id, kind: id, required: true, pii: false, description: "Response identifier, unique."}
    - {name: customer_id, kind: id, required: true, pii: false, description: "Customer who answered."}
    - {name: responded_at, kind: timestamp, required: true, pii: false, description: "When they answered."}
    - {name: score, kind: integer, required: true, pii: false, description: "Likelihood to recommend, 0-10."}
interventions_sent:
  required: false
  key: [customer_id, pathway_id, sent_at]
  description: One row per intervention sent to a customer (optional source; without it, experiments compare the customers a pathway would have contacted with the control group).
  columns:
    - {name: customer_id, kind: id, required: true, pii: false, description: "Customer the intervention was sent to."}
    - {name: pathway_id, kind: code, required: true, pii: false, description: "Migration pathway whose intervention was sent (a pathway_id of seeds/migration_pathways.csv)."}
    - {name: sent_at, kind: timestamp, required: true, pii: false, description: "When it was sent."}
    - {name: channel, kind: code, pii: false, description: "Channel it was sent through (email, phone, app, ...)."}
# contract-yaml-end
    {%- endset -%}
    {{ return(fromyaml(contract_yaml)) }}
{% endmacro %}

{% macro segmentation_source_names() %}
    {#- The sources of the contract, in contract order. -#}
    {{ return(segmentation_source_contract().keys() | list) }}
{% endmacro %}

{% macro segmentation_source_columns(source_name) %}
    {#- The columns (name, kind, required, default, pii, description) of one source. -#}
    {{ return(segmentation_source_contract()[source_name].columns) }}
{% endmacro %}

{% macro segmentation_source_required_columns(source_name) %}
    {#- The names of the columns a file of the source must have. -#}
    {{ return(segmentation_source_columns(source_name) | selectattr('required') | map(attribute='name') | list) }}
{% endmacro %}
