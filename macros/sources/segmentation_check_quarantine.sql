{% macro segmentation_check_quarantine(relation) %}
    {#- post-hook of every base model: when a required source keeps no valid row, stop the build
        here with one message (rows per reason, an example row, the var or column to look at);
        when any source loses more than half of its rows to quarantine, warn with the same detail.
        Returns a no-op statement. -#}
    {%- if not execute -%}
        {{ return('select 1 as quarantine_checked') }}
    {%- endif -%}
    {%- set source_name = relation.identifier.split('base_shop__')[-1] -%}
    {%- set contract = segmentation_source_contract().get(source_name) -%}
    {%- if contract is none -%}
        {{ return('select 1 as quarantine_checked') }}
    {%- endif -%}
    {%- set counted = run_query(
        'select quarantine_reason, count(*) as row_count from ' ~ relation
        ~ ' group by quarantine_reason order by row_count desc, quarantine_reason'
    ) -%}
    {%- set ns = namespace(read=0, valid=0) -%}
    {%- set reasons = [] -%}
    {%- for row in counted.rows -%}
        {%- set ns.read = ns.read + row[1] -%}
        {%- if row[0] is none -%}
            {%- set ns.valid = row[1] -%}
        {%- else -%}
            {%- do reasons.append([row[0], row[1]]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set quarantined = ns.read - ns.valid -%}
    {%- set nothing_valid = contract.required and ns.valid == 0 -%}
    {%- if source_name == 'orders' and ns.valid > 0 -%}
        {%- do segmentation_check_completed_orders(relation, ns.valid) -%}
    {%- endif -%}
    {%- set over_half = ns.read > 0 and quarantined * 2 > ns.read -%}
    {%- if not (nothing_valid or over_half) -%}
        {%- if quarantined > 0 -%}
            {#- a successful build says what it left out, not only a failing one -#}
            {%- set counts = [] -%}
            {%- for reason in reasons -%}
                {%- do counts.append(reason[0] ~ ' ' ~ reason[1]) -%}
            {%- endfor -%}
            {%- do log(
                "Source " ~ source_name ~ ": " ~ quarantined ~ " of " ~ ns.read ~ " rows quarantined ("
                ~ (counts | join(', ')) ~ "). Every row and its reason: " ~ relation
                ~ " (quarantine_reason), and main_marts.fct_quarantined_rows once the build completes.",
                info=True
            ) -%}
        {%- endif -%}
        {{ return('select 1 as quarantine_checked') }}
    {%- endif -%}
    {%- if ns.read == 0 -%}
        {%- set message = "Source " ~ source_name ~ " has no rows, and " ~ source_name
            ~ " is required: point segmentation__source_dir (now " ~ tojson(segmentation_setting('source_dir'))
            ~ ") or segmentation__source_schema (now " ~ segmentation_setting('source_schema')
            ~ ") at a non-empty " ~ source_name ~ " source." -%}
        {{ exceptions.raise_compiler_error(message) }}
    {%- endif -%}
    {%- set detail = segmentation_quarantine_detail(relation, source_name, reasons) -%}
    {%- set summary = "Source " ~ source_name ~ ": " ~ quarantined ~ " of " ~ ns.read
        ~ " rows quarantined (" ~ ns.valid ~ " valid). " ~ detail
        ~ " Every row and its reason: " ~ relation ~ " (quarantine_reason), and main_marts.fct_quarantined_rows"
        ~ " once the build completes." -%}
    {%- if nothing_valid -%}
        {{ exceptions.raise_compiler_error(
            "No valid row in the required source " ~ source_name ~ ", so nothing can be segmented. " ~ summary
        ) }}
    {%- endif -%}
    {%- do exceptions.warn("More than half of the source " ~ source_name ~ " was quarantined. " ~ summary) -%}
    {{ return('select 1 as quarantine_checked') }}
{% endmacro %}

{% macro segmentation_check_completed_orders(relation, valid_rows) %}
    {#- Segments are built from completed orders: valid orders none of which is completed (every
        one cancelled or returned) leave nothing to segment, so the build stops here with the
        counts per status and the column to look at, instead of failing later in a model fit. -#}
    {%- set statuses = run_query(
        'select status, count(*) as row_count from ' ~ relation
        ~ ' where quarantine_reason is null group by status order by row_count desc, status'
    ) -%}
    {%- set counts = [] -%}
    {%- set ns = namespace(completed=0) -%}
    {%- for row in statuses.rows -%}
        {%- do counts.append(row[0] ~ ' ' ~ row[1]) -%}
        {%- if row[0] == 'completed' -%}
            {%- set ns.completed = row[1] -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ns.completed == 0 -%}
        {{ exceptions.raise_compiler_error(
            "No completed order in the source orders: its " ~ valid_rows ~ " valid rows are "
            ~ (counts | join(', ')) ~ ", and segments are built from completed orders, so nothing can be"
            ~ " segmented. Look at: column status of orders (completed, cancelled or returned; a missing"
            ~ " status counts as completed), and var segmentation__order_status_map (now "
            ~ tojson(segmentation_setting('order_status_map')) ~ "), which maps your status values to those."
        ) }}
    {%- endif -%}
{% endmacro %}

{% macro segmentation_quarantine_detail(relation, source_name, reasons) %}
    {#- "Reasons: r1 n1, r2 n2. Example (r1): <raw record, PII masked>. Look at: <var or column>."
        for the rows of one base model, the commonest reason first. -#}
    {%- set top_reason = reasons[0][0] -%}
    {%- set example = run_query(
        'select raw_record from ' ~ relation ~ " where quarantine_reason = '" ~ top_reason
        ~ "' order by raw_record limit 1"
    ).columns[0].values()[0] -%}
    {%- set pii = segmentation_source_columns(source_name) | selectattr('pii') | map(attribute='name') | list -%}
    {%- set parts = [] -%}
    {%- for part in (example or '').split('; ') -%}
        {%- set column = part.split('=')[0] -%}
        {%- do parts.append(column ~ '=<pii>' if column in pii else part) -%}
    {%- endfor -%}
    {%- set counts = [] -%}
    {%- set hints = [] -%}
    {%- for reason, row_count in reasons -%}
        {%- do counts.append(reason ~ ' ' ~ row_count) -%}
        {%- set hint = segmentation_quarantine_hint(source_name, reason, relation) -%}
        {%- if hint not in hints -%}
            {%- do hints.append(hint) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(
        "Reasons: " ~ (counts | join(', ')) ~ ". Example (" ~ top_reason ~ "): " ~ (parts | join('; '))
        ~ ". Look at: " ~ (hints | join('; ')) ~ "."
    ) }}
{% endmacro %}

{% macro segmentation_quarantine_hint(source_name, reason, relation=none) %}
    {#- The var or column to look at for one quarantine reason (with relation, the base model, an
        unknown status names the commonest values found). -#}
    {%- if reason == 'unknown_status' and relation is not none -%}
        {%- set found = run_query(
            'select status, count(*) as row_count from ' ~ relation
            ~ " where quarantine_reason = 'unknown_status' group by status order by row_count desc, status limit 10"
        ) -%}
        {%- set values = [] -%}
        {%- for row in found.rows -%}
            {%- do values.append(tojson(row[0]) ~ ' ' ~ row[1]) -%}
        {%- endfor -%}
        {{ return("column status of " ~ source_name ~ ": values other than completed, cancelled or returned (found: "
            ~ (values | join(', ')) ~ "); map yours with var segmentation__order_status_map, e.g. "
            ~ "{delivered: completed, canceled: cancelled} (now " ~ tojson(segmentation_setting('order_status_map')) ~ ")") }}
    {%- elif reason.endswith('_before_data_window') -%}
        {{ return("var segmentation__min_valid_date (now " ~ segmentation_setting('min_valid_date')
            ~ "): rows dated before it are quarantined") }}
    {%- elif reason.endswith('_after_data_window') -%}
        {{ return("var segmentation__max_valid_date (now " ~ (segmentation_setting('max_valid_date') or 'null: the day of the build')
            ~ "): rows dated after it are quarantined; check the time zone or the date format") }}
    {%- elif reason == 'order_not_found' -%}
        {{ return("column order_id of " ~ source_name ~ ": its order is not a valid row of orders") }}
    {%- endif -%}
    {%- set names = segmentation_source_columns(source_name) | map(attribute='name') | list -%}
    {%- set ns = namespace(column=none) -%}
    {%- for name in names if name in reason and (ns.column is none or name | length > ns.column | length) -%}
        {%- set ns.column = name -%}
    {%- endfor -%}
    {%- if reason.startswith('unparseable_') -%}
        {{ return("column " ~ ns.column ~ " of " ~ source_name ~ ": values that do not parse as "
            ~ ('timestamps (ISO 8601: YYYY-MM-DD HH:MM:SS, UTC or with an offset; list other formats in var'
                ~ ' segmentation__timestamp_formats, e.g. [\'%m/%d/%Y %H:%M\', \'%Y%m%d\'], now '
                ~ tojson(segmentation_setting('timestamp_formats')) ~ ')' if reason.endswith('_at') else 'numbers')) }}
    {%- elif reason.startswith('missing_') -%}
        {{ return("column " ~ ns.column ~ " of " ~ source_name ~ ": it must have a value in every row") }}
    {%- elif reason.startswith('duplicate_') -%}
        {{ return("the key " ~ (segmentation_source_contract()[source_name].key | join(', ')) ~ " of " ~ source_name
            ~ ": it repeats (the first valid copy is kept)") }}
    {%- elif ns.column is not none -%}
        {{ return("column " ~ ns.column ~ " of " ~ source_name ~ " (" ~ reason ~ ")") }}
    {%- endif -%}
    {{ return("the rows of " ~ source_name ~ " quarantined as " ~ reason) }}
{% endmacro %}
