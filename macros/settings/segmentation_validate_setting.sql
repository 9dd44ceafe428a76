{% macro segmentation_validate_setting(name, value, rule) %}
    {#- Returns the value in its canonical form, or stops the run naming the var and what is allowed. -#}
    {%- set checked = segmentation_check_setting(name, value, rule) -%}
    {%- if checked.problem is not none -%}
        {{ exceptions.raise_compiler_error(checked.problem) }}
    {%- endif -%}
    {{ return(checked.value) }}
{% endmacro %}

{% macro segmentation_check_setting(name, value, rule) %}
    {#- {value: canonical value, problem: none} when the value obeys its rule, else {value: none,
        problem: a message naming the var and what is allowed}. Never raises, so that many values
        can be checked in one run (segmentation_check_settings). -#}
    {%- set full_name = 'segmentation__' ~ name -%}
    {%- set kind = rule['kind'] -%}
    {%- if value is none or (value is string and value | lower in ('', 'null', 'none')) -%}
        {%- if rule.get('nullable', false) -%}
            {{ return({'value': none, 'problem': none}) }}
        {%- endif -%}
        {{ return({'value': none, 'problem': "Invalid var " ~ full_name ~ ": a value is required (" ~ segmentation_describe_rule(rule) ~ ")."}) }}
    {%- endif -%}
    {%- set is_bool = value is sameas true or value is sameas false -%}
    {%- set fail = "Invalid var " ~ full_name ~ "=" ~ tojson(value | string) ~ ": expected " ~ segmentation_describe_rule(rule) ~ "." -%}
    {%- set rejected = {'value': none, 'problem': fail} -%}

    {%- if kind == 'integer' -%}
        {%- if is_bool or value is not number or (value | int) != value -%}
            {{ return(rejected) }}
        {%- endif -%}
        {%- if value < rule['min'] or value > rule['max'] -%}
            {{ return(rejected) }}
        {%- endif -%}
        {{ return({'value': value | int, 'problem': none}) }}

    {%- elif kind == 'number' -%}
        {%- if is_bool or value is not number or value != value -%}
            {{ return(rejected) }}
        {%- endif -%}
        {%- set below = value < rule['min'] if rule.get('min_inclusive', false) else value <= rule['min'] -%}
        {%- set above = value > rule['max'] if rule.get('max_inclusive', false) else value >= rule['max'] -%}
        {%- if below or above -%}
            {{ return(rejected) }}
        {%- endif -%}
        {{ return({'value': value | float, 'problem': none}) }}

    {%- elif kind == 'date' -%}
        {%- set text = value.isoformat() if (value is not string and value.isoformat is defined) else value -%}
        {%- if text is not string or not modules.re.match('\\A[0-9]{4}-[0-9]{2}-[0-9]{2}\\Z', text) -%}
            {{ return(rejected) }}
        {%- endif -%}
        {%- set year, month, day = text.split('-') | map('int') | list -%}
        {%- set days_in_month = [31, 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
        {%- if month < 1 or month > 12 or day < 1 or day > days_in_month[month - 1] -%}
            {{ return({'value': none, 'problem': fail ~ " " ~ text ~ " is not a calendar date."}) }}
        {%- endif -%}
        {{ return({'value': text, 'problem': none}) }}

    {%- elif kind == 'path' -%}
        {#- \A...\Z, not ^...$: $ also matches before a final newline -#}
        {%- if value is not string or not modules.re.match('\\A[A-Za-z0-9_./:~ \\\\-]+\\Z', value) -%}
            {{ return({'value': none, 'problem': fail ~ " Quotes and other special characters are not allowed."}) }}
        {%- endif -%}
        {%- if '--' in value or '/*' in value -%}
            {{ return({'value': none, 'problem': fail ~ " SQL comment markers (-- and /*) are not allowed."}) }}
        {%- endif -%}
        {%- if '..' in value.replace('\\', '/').split('/') -%}
            {{ return({'value': none, 'problem': fail ~ " A '..' component (path traversal) is not allowed: give the directory itself."}) }}
        {%- endif -%}
        {{ return({'value': value.rstrip('/'), 'problem': none}) }}

    {%- elif kind == 'identifier' -%}
        {%- if value is not string or not modules.re.match('\\A[A-Za-z_][A-Za-z0-9_]*\\Z', value) -%}
            {{ return(rejected) }}
        {%- endif -%}
        {{ return({'value': value, 'problem': none}) }}

    {%- elif kind == 'feature_list' -%}
        {%- if value is string or value is mapping or value is not sequence or value | length < 2 -%}
            {{ return(rejected) }}
        {%- endif -%}
        {%- for item in value -%}
            {%- if item not in rule['allowed'] -%}
                {{ return({'value': none, 'problem': fail ~ " Unknown feature " ~ tojson(item | string) ~ "."}) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if value | unique | list | length != value | length -%}
            {{ return({'value': none, 'problem': fail ~ " A feature is listed twice."}) }}
        {%- endif -%}
        {{ return({'value': value | list, 'problem': none}) }}

    {%- elif kind == 'choice' -%}
        {%- if value is not string or value not in rule['allowed'] -%}
            {{ return(rejected) }}
        {%- endif -%}
        {{ return({'value': value, 'problem': none}) }}

    {%- elif kind == 'boolean' -%}
        {%- if not is_bool -%}
            {{ return(rejected) }}
        {%- endif -%}
        {{ return({'value': value, 'problem': none}) }}
    {%- elif kind == 'segment_list' -%}
        {#- 'segmentation:segment' items; the segment is checked against the segments that exist
            when it is used (segmentation_export_audiences), the segmentation here. -#}
        {%- if value is string or value is not sequence or value is mapping -%}
            {{ return(rejected) }}
        {%- endif -%}
        {%- for item in value -%}
            {%- if item is not string or ':' not in item or item.split(':', 1)[0] not in rule['allowed'] or item.split(':', 1)[1] | trim == '' -%}
                {{ return({'value': none, 'problem': fail ~ " Bad item " ~ tojson(item | string) ~ "."}) }}
            {%- endif -%}
            {#- no segment name holds a statement separator, a comment marker or a line break -#}
            {%- for marker in [';', '--', '/*', '*/', '\n', '\r', '\\'] -%}
                {%- if marker in item -%}
                    {{ return({'value': none, 'problem': fail ~ " Bad item " ~ tojson(item | string) ~ ": segment names hold no " ~ tojson(marker) ~ "."}) }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if value | unique | list | length != value | length -%}
            {{ return({'value': none, 'problem': fail ~ " A segment is listed twice."}) }}
        {%- endif -%}
        {{ return({'value': value | list, 'problem': none}) }}
    {%- elif kind == 'timestamp_formats' -%}
        {#- strptime formats: only the directives below and the separators space , . / : - T, so a
            format can never hold a quote; each must read a year -#}
        {%- if value is string or value is mapping or value is not sequence -%}
            {{ return(rejected) }}
        {%- endif -%}
        {%- for item in value -%}
            {%- if item is not string or item | length > 64
                or not modules.re.match('\\A(?:%-?[aAbBdjmyYHIpMSfgnzZ]|[ ,./:T-])+\\Z', item)
                or not modules.re.search('%-?[yY]', item) -%}
                {{ return({'value': none, 'problem': fail ~ " Bad format " ~ tojson(item | string) ~ "."}) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if value | unique | list | length != value | length -%}
            {{ return({'value': none, 'problem': fail ~ " A format is listed twice."}) }}
        {%- endif -%}
        {{ return({'value': value | list, 'problem': none}) }}

    {%- elif kind == 'status_map' -%}
        {#- {their status: completed | cancelled | returned}; keys compared lowercased and trimmed,
            as the status column is -#}
        {%- if value is not mapping -%}
            {{ return(rejected) }}
        {%- endif -%}
        {%- set mapped = {} -%}
        {%- for key, target in value.items() -%}
            {%- set code = (key | string | trim | lower) -%}
            {%- if key is sameas true or key is sameas false
                or not modules.re.match('\\A[a-z0-9][a-z0-9 _./-]{0,63}\\Z', code) -%}
                {{ return({'value': none, 'problem': fail ~ " Bad status " ~ tojson(key | string) ~ ": letters, digits, space and _ . / - only."}) }}
            {%- endif -%}
            {%- if target not in rule['allowed'] -%}
                {{ return({'value': none, 'problem': fail ~ " Status " ~ tojson(key | string) ~ " maps to " ~ tojson(target | string) ~ "; allowed: " ~ (rule['allowed'] | join(', ')) ~ "."}) }}
            {%- endif -%}
            {%- if code in mapped -%}
                {{ return({'value': none, 'problem': fail ~ " Status " ~ tojson(code) ~ " is listed twice."}) }}
            {%- endif -%}
            {%- do mapped.update({code: target}) -%}
        {%- endfor -%}
        {{ return({'value': mapped, 'problem': none}) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("segmentation_check_setting: unknown kind " ~ kind) }}
    {%- endif -%}
{% endmacro %}

{% macro segmentation_describe_rule(rule) %}
    {%- set kind = rule['kind'] -%}
    {%- if kind == 'integer' -%}
        {%- set text = "a whole number from " ~ rule['min'] ~ " to " ~ rule['max'] -%}
    {%- elif kind == 'number' -%}
        {%- if rule.get('min_inclusive', false) -%}
            {%- set text = "a number from " ~ rule['min'] ~ " (inclusive) to below " ~ rule['max'] -%}
        {%- elif rule.get('max_inclusive', false) -%}
            {%- set text = "a number above " ~ rule['min'] ~ " and at most " ~ rule['max'] -%}
        {%- else -%}
            {%- set text = "a number strictly between " ~ rule['min'] ~ " and " ~ rule['max'] -%}
        {%- endif -%}
    {%- elif kind == 'date' -%}
        {%- set text = "a date as YYYY-MM-DD" -%}
    {%- elif kind == 'path' -%}
        {%- set text = "a directory path of letters, digits, spaces and . _ - / : ~ \\" -%}
    {%- elif kind == 'identifier' -%}
        {%- set text = "an SQL identifier (letters, digits, underscores)" -%}
    {%- elif kind == 'feature_list' -%}
        {%- set text = "a list of at least two distinct features from: " ~ (rule['allowed'] | join(', ')) -%}
    {%- elif kind == 'choice' -%}
        {%- set text = "one of " ~ (rule['allowed'] | join(', ')) -%}
    {%- elif kind == 'boolean' -%}
        {%- set text = "true or false" -%}
    {%- elif kind == 'segment_list' -%}
        {%- set text = "a list of distinct 'segmentation:segment' texts, segmentation one of " ~ (rule['allowed'] | join(', ')) ~ " (e.g. 'rfm:Champions'), without ; -- /* */ \\ or line breaks" -%}
    {%- elif kind == 'timestamp_formats' -%}
        {%- set text = "a list of distinct strptime formats tried after ISO 8601, e.g. ['%m/%d/%Y %H:%M', '%Y%m%d'] (directives %Y %y %m %-m %d %-d %b %B %a %A %j %H %-H %I %-I %p %M %-M %S %-S %f %g %n %z %Z; separators space , . / : - T; each with a year)" -%}
    {%- elif kind == 'status_map' -%}
        {%- set text = "a mapping from your order status values (letters, digits, space, _ . / -) to one of " ~ (rule['allowed'] | join(', ')) ~ ", e.g. {delivered: completed, canceled: cancelled}" -%}
    {%- else -%}
        {%- set text = kind -%}
    {%- endif -%}
    {%- if rule.get('nullable', false) -%}
        {%- set text = text ~ ", or null" -%}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}

{% macro segmentation_validate_settings() %}
    {#- on-run-start: validate every setting and reject unknown segmentation__ vars (typos). -#}
    {%- do segmentation_settings() -%}
    {%- set cli_vars = invocation_args_dict.get('vars') or {} -%}
    {%- if cli_vars is string -%}
        {%- set cli_vars = fromyaml(cli_vars) or {} -%}
    {%- endif -%}
    {%- set known = segmentation_settings_spec().keys() | map('string') | list -%}
    {%- for key in cli_vars -%}
        {%- if key.startswith('segmentation__') and key[14:] not in known -%}
            {{ exceptions.raise_compiler_error(
                "Unknown var " ~ key ~ "; known segmentation vars: segmentation__"
                ~ (known | sort | join(', segmentation__')) ~ "."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    select 1 as settings_are_valid
{% endmacro %}
