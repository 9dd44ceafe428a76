{% macro segmentation_hex_fraction(hex_column, digits=6) %}
    {#- A number in [0, 1) from the first `digits` characters of a lowercase hexadecimal text
        (an md5 from dbt.hash): the digits read as a base-16 integer, divided by 16^digits.
        Written with substr and dbt.position only, so every adapter gives the same number (casts
        from hexadecimal text to integers differ between warehouses). At most 7 digits, so every
        intermediate value fits a 32-bit integer. -#}
    {%- if digits is not number or digits < 1 or digits > 7 -%}
        {{ exceptions.raise_compiler_error("segmentation_hex_fraction: digits must be a whole number from 1 to 7, got " ~ digits ~ ".") }}
    {%- endif -%}
    (
        (
            {%- for position in range(1, digits + 1) %}
            {{ '+ ' if not loop.first }}({{ dbt.position('substr(' ~ hex_column ~ ', ' ~ position ~ ', 1)', "'0123456789abcdef'") }} - 1)
            * {{ 16 ** (digits - position) }}
            {%- endfor %}
        ) / {{ 16 ** digits }}.0
    )
{% endmacro %}
