{% macro segmentation_as_of_join(probes, probe_date, history, history_date, key, columns, prefix) %}
    {#- Select every row of probes with the columns of the latest history row of the same key whose
        history_date is on or before probe_date (nulls when there is none), each renamed
        <prefix><column>. DuckDB runs an ASOF join; other warehouses a range join narrowed by
        row_number. -#}
    {{ return(adapter.dispatch('segmentation_as_of_join', 'segmentation')(
        probes, probe_date, history, history_date, key, columns, prefix
    )) }}
{% endmacro %}

{% macro duckdb__segmentation_as_of_join(probes, probe_date, history, history_date, key, columns, prefix) %}
    select
        {{ probes }}.*,
        {%- for column in columns %}
        history.{{ column }} as {{ prefix }}{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ probes }}
    asof left join {{ history }} as history
        on
            {{ probes }}.{{ key }} = history.{{ key }}
            and {{ probe_date }} >= history.{{ history_date }}
{% endmacro %}

{% macro default__segmentation_as_of_join(probes, probe_date, history, history_date, key, columns, prefix) %}
    select * from (
        select
            {{ probes }}.*,
            {%- for column in columns %}
            history.{{ column }} as {{ prefix }}{{ column }},
            {%- endfor %}
            row_number() over (
                partition by {{ probes }}.{{ key }}, {{ probe_date }}
                order by history.{{ history_date }} desc
            ) as {{ prefix }}as_of_rank
        from {{ probes }}
        left join {{ history }} as history
            on
                {{ probes }}.{{ key }} = history.{{ key }}
                and {{ probe_date }} >= history.{{ history_date }}
    ) as ranked
    where {{ prefix }}as_of_rank = 1
{% endmacro %}
