-- How many customers each migration-pathway trigger selects at the as-of date: the treated send
-- list and the control holdout, one row per pathway of dim_migration_pathways (zero when the
-- trigger selects nobody).
with

pathways as (
    select * from {{ ref('dim_migration_pathways') }}
),

actions as (
    select * from {{ ref('fct_customer_actions') }}
),

pathway_counts as (
    select
        pathway_id,
        count(*) as selected_customers,
        sum(case when is_control then 0 else 1 end) as treated_customers,
        sum(case when is_control then 1 else 0 end) as control_customers
    from actions
    group by pathway_id
),

audiences as (
    select
        -- keys
        pathways.pathway_id,
        -- the pathway
        pathways.segmentation,
        pathways.from_segment,
        pathways.target_segment,
        pathways.trigger_expression,
        pathways.intervention,
        pathways.channel,
        pathways.priority,
        -- numerics
        cast(coalesce(pathway_counts.selected_customers, 0) as {{ dbt.type_bigint() }})
            as selected_customers,
        cast(coalesce(pathway_counts.treated_customers, 0) as {{ dbt.type_bigint() }})
            as treated_customers,
        cast(coalesce(pathway_counts.control_customers, 0) as {{ dbt.type_bigint() }})
            as control_customers
    from pathways
    left join pathway_counts
        on pathways.pathway_id = pathway_counts.pathway_id
)

select * from audiences
