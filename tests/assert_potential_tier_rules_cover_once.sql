-- Every point of a 0.01 grid over probability alive x predicted-value percentile (both 0..1)
-- must match exactly one potential tier rule; failing rows name the point and how many rules
-- matched it (0: a gap, 2 or more: an overlap).
with

rules as (
    select * from {{ ref('potential_tier_rules') }}
),

steps as (
    select cast(generated_number as {{ dbt.type_numeric() }}) / 100 as grid_value
    from ({{ dbt.generate_series(101) }}) as series
),

grid as (
    select
        alive.grid_value - 0.01 as probability_alive,
        percentile.grid_value - 0.01 as value_percentile
    from steps as alive
    cross join steps as percentile
),

matches as (
    select
        grid.probability_alive,
        grid.value_percentile,
        count(rules.potential_tier) as matching_rules,
        {{ dbt.listagg('rules.potential_tier', "', '") }} as matched_tiers
    from grid
    left join rules
        on
            grid.probability_alive >= rules.min_probability_alive
            and grid.probability_alive < rules.max_probability_alive
            and grid.value_percentile >= rules.min_value_percentile
            and grid.value_percentile < rules.max_value_percentile
    group by grid.probability_alive, grid.value_percentile
)

select * from matches
where matching_rules != 1
