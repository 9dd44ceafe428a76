{% macro segmentation_land_sources() %}
    {#- on-run-start: for each source of the contract, create a view <source_schema>.<source> over
        <source_dir>/<source>.parquet (preferred) or <source>.csv. CSV is read as text so that
        malformed values reach staging, where they are quarantined rather than failing the read.
        With segmentation__source_dir null, the sources are existing tables and nothing is landed. -#}
    {%- if not execute -%}
        {{ return('select 1 as sources_landed') }}
    {%- endif -%}
    {%- set source_dir = segmentation_setting('source_dir') -%}
    {%- if source_dir is none -%}
        {{ return('select 1 as sources_landed') }}
    {%- endif -%}
    {%- set schema = segmentation_setting('source_schema') -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- for source_name, contract in segmentation_source_contract().items() -%}
        {%- set required_columns = segmentation_source_required_columns(source_name) -%}
        {%- set reader = segmentation_source_reader(source_dir, source_name) -%}
        {%- if reader is none and contract.required -%}
            {{ exceptions.raise_compiler_error(
                "segmentation__source_dir=" ~ tojson(source_dir) ~ ": no " ~ source_name ~ ".parquet or "
                ~ source_name ~ ".csv there (or the file is empty), and " ~ source_name ~ " is required (columns "
                ~ (required_columns | join(', ')) ~ ")."
            ) }}
        {%- endif -%}
        {%- if reader is none -%}
            {%- set present = [] -%}
        {%- else -%}
            {%- set present = segmentation_source_file_columns(reader) -%}
            {%- for column in required_columns if column not in present -%}
                {{ exceptions.raise_compiler_error(
                    "Source file " ~ source_dir ~ "/" ~ source_name ~ " has no column " ~ column
                    ~ "; required columns: " ~ (required_columns | join(', '))
                    ~ "; found: " ~ (present | join(', ')) ~ "."
                ) }}
            {%- endfor -%}
        {%- endif -%}
        {%- set select_list = [] -%}
        {%- for column in contract.columns | map(attribute='name') -%}
            {%- if column in present -%}
                {%- do select_list.append(adapter.quote(column) ~ ' as ' ~ column) -%}
            {%- else -%}
                {%- do select_list.append('cast(null as varchar) as ' ~ column) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set relation = schema ~ '.' ~ source_name -%}
        {%- if reader is none -%}
            {%- set sql = 'create or replace view ' ~ relation ~ ' as select ' ~ (select_list | join(', ')) ~ ' where false' -%}
        {%- else -%}
            {%- set sql = 'create or replace view ' ~ relation ~ ' as select ' ~ (select_list | join(', ')) ~ ' from ' ~ reader -%}
        {%- endif -%}
        {%- do run_query(sql) -%}
        {%- do log('Landed source ' ~ source_name ~ ' from ' ~ (reader or 'nothing (empty view)'), info=true) -%}
    {%- endfor -%}
    {{ return('select 1 as sources_landed') }}
{% endmacro %}

{% macro segmentation_source_reader(source_dir, source_name) %}
    {#- The table function that reads one source file, or none when neither file exists (or the
        CSV is empty: no rows, no header). Stops naming the path when it is a directory. CSV: comma,
        double quote, a header row, no comment lines and no skipped rows, all as text: nothing is
        guessed, so the sniffer can never drop a line silently (it took '#1,...' for a comment and
        a line with an extra value for the header, dropping the lines before it). -#}
    {%- for extension, function_sql in [
        ('parquet', "read_parquet('{}')"),
        ('csv', "read_csv('{}', header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', comment = '', skip = 0)"),
    ] -%}
        {%- set path = source_dir ~ '/' ~ source_name ~ '.' ~ extension -%}
        {%- set found = run_query("select count(*) from glob('" ~ path ~ "')") -%}
        {%- if found.columns[0].values()[0] > 0 -%}
            {%- if extension == 'csv' -%}
                {%- set size = run_query("select size from read_blob('" ~ path ~ "')").columns[0].values()[0] -%}
                {%- if size == 0 -%}
                    {%- do log('Source file ' ~ path ~ ' is empty (no header, no rows): read as no rows', info=true) -%}
                    {{ return(none) }}
                {%- endif -%}
            {%- endif -%}
            {{ return(function_sql.format(path)) }}
        {%- endif -%}
        {%- set inside = run_query("select count(*) from glob('" ~ path ~ "/*')") -%}
        {%- if inside.columns[0].values()[0] > 0 -%}
            {{ exceptions.raise_compiler_error(
                "Source path " ~ path ~ " is a directory, not a file: put the " ~ source_name
                ~ " rows in one file " ~ source_name ~ "." ~ extension ~ "."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}

{% macro segmentation_source_file_columns(reader) %}
    {#- The columns of a source file, lowercased, read from its header (reader: the table function
        of segmentation_source_reader). -#}
    {%- set described = run_query('describe select * from ' ~ reader) -%}
    {{ return(described.columns[0].values() | map('lower') | list) }}
{% endmacro %}
