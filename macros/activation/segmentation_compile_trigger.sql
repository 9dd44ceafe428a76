{% macro segmentation_compile_trigger(pathway_id, trigger_expression) %}
    {#- The SQL of one migration-pathway trigger, built only from whitelisted pieces.
        Grammar: clause ( ' and ' clause )*, where a clause is `feature operator value`:
        feature one of segmentation_trigger_grammar().features, operator one of < <= > >= = !=,
        value a number (-12, 0.25); or `previous_segment = 'Segment name'` (= or != only, quotes
        inside the name doubled). Anything else stops the run with an error naming the pathway,
        the offending token and what is allowed. Returns e.g. ((recency_days > 30) and (frequency = 1)). -#}
    {%- set re = modules.re -%}
    {%- set grammar = segmentation_trigger_grammar() -%}
    {%- set allowed = " Allowed features: " ~ (grammar.features.keys() | sort | join(', ')) ~ ", "
        ~ grammar.segment_feature ~ ". Allowed operators: " ~ (grammar.operators | join(' ')) ~ " ("
        ~ grammar.segment_feature ~ ": " ~ (grammar.segment_operators | join(' ')) ~ ")."
        ~ " Grammar: feature operator number [and feature operator number ...]." -%}
    {%- if pathway_id is not string or not re.match('^[a-z][a-z0-9_]{0,62}$', pathway_id) -%}
        {{ exceptions.raise_compiler_error(
            "Invalid migration pathway id " ~ tojson(pathway_id | string)
            ~ ": use lowercase letters, digits and underscores, starting with a letter."
        ) }}
    {%- endif -%}
    {%- set fail = "Invalid trigger of migration pathway '" ~ pathway_id ~ "' (" ~ tojson(trigger_expression | string) ~ "): " -%}
    {%- if trigger_expression is not string or trigger_expression | trim == '' -%}
        {{ exceptions.raise_compiler_error(fail ~ "the trigger is empty." ~ allowed) }}
    {%- endif -%}
    {%- set compiled = [] -%}
    {%- for clause in re.split('\\s+and\\s+', trigger_expression | trim) -%}
        {%- set parts = re.match('^([A-Za-z_][A-Za-z0-9_]*)\\s*(.*)$', clause) -%}
        {%- if not parts -%}
            {{ exceptions.raise_compiler_error(fail ~ "clause " ~ tojson(clause) ~ " does not start with a feature name." ~ allowed) }}
        {%- endif -%}
        {%- set feature = parts.group(1) -%}
        {%- if feature not in grammar.features and feature != grammar.segment_feature -%}
            {{ exceptions.raise_compiler_error(fail ~ "unknown feature " ~ tojson(feature) ~ "." ~ allowed) }}
        {%- endif -%}
        {%- set rest = re.match('^([^A-Za-z0-9_\\s\'".-]*)\\s*(.*)$', parts.group(2)) -%}
        {%- set operator = rest.group(1) -%}
        {%- set value = rest.group(2) | trim -%}
        {%- set operators = grammar.segment_operators if feature == grammar.segment_feature else grammar.operators -%}
        {%- if operator == '' -%}
            {{ exceptions.raise_compiler_error(fail ~ "missing operator after " ~ tojson(feature) ~ "." ~ allowed) }}
        {%- elif operator not in operators -%}
            {{ exceptions.raise_compiler_error(fail ~ "unknown operator " ~ tojson(operator) ~ " after " ~ tojson(feature) ~ "." ~ allowed) }}
        {%- endif -%}
        {%- if feature == grammar.segment_feature -%}
            {%- if not re.match("^'(?:[A-Za-z0-9 _.,·()&/+-]|'')+'$", value) -%}
                {{ exceptions.raise_compiler_error(
                    fail ~ "value " ~ tojson(value) ~ " of " ~ feature ~ " must be a segment name in single quotes"
                    ~ " (letters, digits, spaces and . , · ( ) & / + - _; a quote inside the name doubled)." ~ allowed
                ) }}
            {%- endif -%}
        {%- elif not re.match('^-?[0-9]+(\\.[0-9]+)?$', value) -%}
            {{ exceptions.raise_compiler_error(fail ~ "value " ~ tojson(value) ~ " of " ~ feature ~ " is not a number." ~ allowed) }}
        {%- endif -%}
        {%- do compiled.append('(' ~ feature ~ ' ' ~ ('<>' if operator == '!=' else operator) ~ ' ' ~ value ~ ')') -%}
    {%- endfor -%}
    {{ return('(' ~ (compiled | join(' and ')) ~ ')') }}
{% endmacro %}
