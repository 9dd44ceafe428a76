{% macro segmentation_export_audiences() %}
    {#- run-operation (`make export`): writes the current audience of every migration pathway and
        of each segment in segmentation__export_segments as CSV and Parquet files: <audience>__send
        (contact these) and <audience>__holdout (the control customers: do not contact, compare),
        plus audiences.csv listing every file with its row count. -#}
    {{ return(adapter.dispatch('segmentation_export_audiences', 'segmentation')()) }}
{% endmacro %}

{% macro default__segmentation_export_audiences() %}
    {{ exceptions.raise_compiler_error(
        "segmentation_export_audiences writes files with DuckDB's COPY; on " ~ target.type
        ~ " unload the query of segmentation_audience_sql with the warehouse's own export."
    ) }}
{% endmacro %}

{% macro duckdb__segmentation_export_audiences() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set include_email = segmentation_setting('export_include_email') -%}
    {%- set directory = segmentation_setting('export_dir') -%}
    {%- if directory is none -%}
        {%- set serving = env_var('SEGMENTATION_DUCKDB_PATH', 'warehouse/segmentation.duckdb') -%}
        {%- set directory = (serving.rpartition('/')[0] or '.') ~ '/exports' -%}
        {%- do segmentation_validate_setting('export_dir', directory, {'kind': 'path'}) -%}
    {%- endif -%}
    {%- set prepared = run_query(
        "select segmentation_prepare_export_dir('" ~ directory ~ "')"
    ) -%}
    {%- set directory = prepared.columns[0].values()[0] -%}

    {%- set audiences = segmentation_export_pathway_audiences() + segmentation_export_segment_audiences() -%}
    {%- set manifest = [] -%}
    {%- for audience in audiences -%}
        {%- set query = segmentation_audience_sql(audience, include_email) -%}
        {%- for part, is_control in [('send', 'false'), ('holdout', 'true')] -%}
            {%- set selected = 'select * from (' ~ query ~ ') as audience where is_control = ' ~ is_control
                ~ ' order by priority, customer_id' -%}
            {%- set stem = directory ~ '/' ~ audience.slug ~ '__' ~ part -%}
            {%- do run_query("copy (" ~ selected ~ ") to '" ~ stem ~ ".csv' (format csv, header true)") -%}
            {%- do run_query("copy (" ~ selected ~ ") to '" ~ stem ~ ".parquet' (format parquet)") -%}
            {%- set counted = run_query("select count(*) from read_parquet('" ~ stem ~ ".parquet')") -%}
            {%- do manifest.append({
                'audience': audience.slug, 'kind': audience.kind, 'list': part,
                'rows': counted.columns[0].values()[0], 'file': audience.slug ~ '__' ~ part,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}

    {%- set rows = [] -%}
    {%- for entry in manifest -%}
        {%- do rows.append("('" ~ entry.audience ~ "', '" ~ entry.kind ~ "', '" ~ entry.list ~ "', "
            ~ entry.rows ~ ", '" ~ entry.file ~ ".csv', '" ~ entry.file ~ ".parquet')") -%}
    {%- endfor -%}
    {%- if rows -%}
        {%- do run_query(
            "copy (select * from (values " ~ rows | join(', ') ~ ") as manifest("
            ~ "audience, audience_kind, list, customers, csv_file, parquet_file) order by all) to '"
            ~ directory ~ "/audiences.csv' (format csv, header true)"
        ) -%}
    {%- endif -%}
    {%- do log(
        'Exported ' ~ audiences | length ~ ' audiences (' ~ manifest | length * 2 ~ ' files'
        ~ (', with email' if include_email else ', without PII') ~ ') to ' ~ directory,
        info=true
    ) -%}
    {{ return('') }}
{% endmacro %}

{% macro segmentation_export_slug(text) %}
    {#- A file-name part: lowercase letters, digits and underscores only. -#}
    {{ return(modules.re.sub('[^a-z0-9]+', '_', text | lower).strip('_') or 'unnamed') }}
{% endmacro %}

{% macro segmentation_export_pathway_audiences() %}
    {#- One audience per migration pathway (whether or not its trigger fired for anyone now). -#}
    {%- set pathways = run_query(
        'select pathway_id from ' ~ ref('dim_migration_pathways') ~ ' order by pathway_id'
    ) -%}
    {%- set audiences = [] -%}
    {%- for pathway_id in pathways.columns[0].values() -%}
        {%- set slug = 'pathway__' ~ segmentation_export_slug(pathway_id) -%}
        {%- if slug in audiences | map(attribute='slug') | list -%}
            {{ exceptions.raise_compiler_error(
                "Pathway ids " ~ tojson(pathway_id) ~ " and another give the same export file name "
                ~ slug ~ "; make them differ in letters or digits."
            ) }}
        {%- endif -%}
        {%- do audiences.append({'kind': 'pathway', 'slug': slug, 'pathway_id': pathway_id}) -%}
    {%- endfor -%}
    {{ return(audiences) }}
{% endmacro %}

{% macro segmentation_export_segment_audiences() %}
    {#- One audience per segment named in segmentation__export_segments, checked against the
        segments that exist now: the name must match one exactly, and what reaches SQL is the
        warehouse's own value, quoted. -#}
    {%- set requested = segmentation_setting('export_segments') -%}
    {%- if not requested -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set existing = run_query(
        'select segmentation, segment from ' ~ ref('dim_segments') ~ ' order by segmentation, segment_rank'
    ) -%}
    {%- set audiences = [] -%}
    {%- for item in requested -%}
        {%- set segmentation, segment = item.split(':', 1) -%}
        {%- set names = [] -%}
        {%- for row in existing.rows if row[0] == segmentation -%}
            {%- do names.append(row[1]) -%}
        {%- endfor -%}
        {%- if segment not in names -%}
            {{ exceptions.raise_compiler_error(
                "Invalid var segmentation__export_segments: " ~ tojson(item) ~ " is not a segment now; "
                ~ segmentation ~ " segments: " ~ names | join(', ') ~ "."
            ) }}
        {%- endif -%}
        {%- do audiences.append({
            'kind': 'segment', 'segmentation': segmentation, 'segment': segment,
            'slug': 'segment__' ~ segmentation ~ '__' ~ segmentation_export_slug(segment),
        }) -%}
    {%- endfor -%}
    {{ return(audiences) }}
{% endmacro %}
