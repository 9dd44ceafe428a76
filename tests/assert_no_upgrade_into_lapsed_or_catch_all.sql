-- A move into a composite catch-all (merged across value tiers) or into a lapsed segment from one
-- that is not lapsed is never an upgrade, whatever the ranks say (issue 13: "Lapsed (other)"
-- ranked 2nd of 10 made 936 lapsing customers "upgrades"). Lapsed here is read from the data: a
-- composite segment whose customer-months are all in the lapsed lifecycle stage.
with

migrations as (
    select * from {{ ref('fct_segment_migrations') }}
    where segmentation = 'composite' and direction = 'upgrade'
),

composite as (
    select * from {{ ref('int_customer_composite_monthly') }}
),

held as (
    select
        composite_segment,
        count(distinct value_tier) as value_tiers,
        min(case when lifecycle_stage = 'lapsed' then 1 else 0 end) as is_all_lapsed
    from composite
    group by 1
)

select
    migrations.period_month_end,
    migrations.from_segment,
    migrations.to_segment,
    migrations.customers,
    to_held.value_tiers,
    to_held.is_all_lapsed
from migrations
inner join held as to_held
    on migrations.to_segment = to_held.composite_segment
inner join held as from_held
    on migrations.from_segment = from_held.composite_segment
where
    to_held.value_tiers > 1
    or (to_held.is_all_lapsed = 1 and from_held.is_all_lapsed = 0)
