{% macro segmentation_audience_sql(audience, include_email=false) %}
    {#- The current audience of one export audience (from segmentation_export_pathway_audiences or
        segmentation_export_segment_audiences), in the columns campaign tools import: customer_id,
        segmentation, segment, pathway_id, target_segment, intervention, channel, priority,
        is_control, as_of_date, and email only when include_email. A pathway's audience is its rows
        of fct_customer_actions; a segment's is the customers holding it in dim_customers, with the
        playbook's offer, channel and priority, and a control group drawn like the pathways' (md5 of
        customer and audience below segmentation__control_group_share). -#}
    {%- set email = ', customers.email' if include_email else '' -%}
    {%- set email_join = ('left join ' ~ ref('stg_shop__customers') ~ ' as customers on customers.customer_id = audience.customer_id') if include_email else '' -%}
    {%- if audience.kind == 'pathway' -%}
        {%- set members -%}
            select
                customer_id,
                segmentation,
                from_segment as segment,
                pathway_id,
                target_segment,
                intervention,
                channel,
                priority,
                is_control,
                as_of_date
            from {{ ref('fct_customer_actions') }}
            where pathway_id = '{{ audience.pathway_id | replace("'", "''") }}'
        {%- endset -%}
    {%- else -%}
        {%- set column = (segmentation_segment_columns() | selectattr('segmentation', 'equalto', audience.segmentation) | first)['segment'] -%}
        {%- set hash = 'lower(' ~ dbt.hash(dbt.concat(['customers.customer_id', "'|" ~ audience.slug ~ "'"])) ~ ')' -%}
        {%- set members -%}
            select
                customers.customer_id,
                '{{ audience.segmentation }}' as segmentation,
                customers.{{ column }} as segment,
                cast(null as {{ dbt.type_string() }}) as pathway_id,
                cast(null as {{ dbt.type_string() }}) as target_segment,
                playbook.offer as intervention,
                playbook.channel,
                playbook.priority,
                {{ segmentation_hex_fraction(hash) }} < {{ segmentation_setting('control_group_share') }} as is_control,
                customers.as_of_date
            from {{ ref('dim_customers') }} as customers
            left join {{ ref('dim_segment_playbook') }} as playbook
                on playbook.segmentation = '{{ audience.segmentation }}'
                and playbook.segment = customers.{{ column }}
            where customers.{{ column }} = '{{ audience.segment | replace("'", "''") }}'
        {%- endset -%}
    {%- endif -%}
    {{ return('select audience.*' ~ email ~ ' from (' ~ members ~ ') as audience ' ~ email_join) }}
{% endmacro %}
