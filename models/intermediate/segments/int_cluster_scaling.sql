-- How each clustering feature is scaled: z = (transform(coalesce(x, fill_value)) - center) / scale.
with

artifacts as (
    select * from {{ ref('int_cluster_definition') }}
),

scaling as (
    select
        feature_name,
        max(case when parameter_name = 'transform' then text_value end) as transform_name,
        max(case when parameter_name = 'fill_value' then numeric_value end) as fill_value,
        max(case when parameter_name = 'center' then numeric_value end) as center,
        max(case when parameter_name = 'scale' then numeric_value end) as scale,
        cast(max(case when parameter_name = 'feature_order' then numeric_value end) as integer) as feature_order
    from artifacts
    where artifact = 'scaling'
    group by 1
)

select * from scaling
