-- The clustering definition in force: the rows of the newest definition_version in the
-- registry (segmentation_cluster_model), without the builds' check rows. Every model that
-- scores, names or describes clusters reads this, never the registry itself.
with

registry as (
    select * from {{ ref('segmentation_cluster_model') }}
),

analysis_window as (
    select * from {{ ref('int_analysis_window') }}
),

in_force as (
    -- the definition this build's check names (a definition superseded by a rerun of its check
    -- month is kept in the registry, and may carry a higher number)
    select max(registry.definition_version) as definition_version
    from registry
    inner join analysis_window
        on registry.check_month_end = analysis_window.as_of_month_end
    where registry.artifact = 'check'
),

definition as (
    select registry.*
    from registry
    inner join in_force
        on registry.definition_version = in_force.definition_version
    where registry.artifact <> 'check'
)

select * from definition
