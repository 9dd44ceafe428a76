-- The clustering definition in force: the rows of the newest definition_version in the
-- registry (segmentation_cluster_model), without the builds' check rows. Every model that
-- scores, names or describes clusters reads this, never the registry itself.
with

registry as (
    select * from {{ ref('segmentation_cluster_model') }}
),

in_force as (
    select max(definition_version) as definition_version
    from registry
    where artifact = 'definition'
),

definition as (
    select registry.*
    from registry
    inner join in_force
        on registry.definition_version = in_force.definition_version
    where registry.artifact <> 'check'
)

select * from definition
