-- The control group is the share segmentation__control_group_share of the customers an action is
-- meant for, within 0.03, over every distinct customer and pathway whose trigger fired in the
-- history (checked only with at least 1000 of them, where a 0.03 gap is far outside chance); and
-- the flag is stable: a customer and pathway never get two different flags.
{%- set share = segmentation_setting('control_group_share') %}
with

actions as (
    select * from {{ ref('int_customer_actions_monthly') }}
),

flags as (
    select
        customer_id,
        pathway_id,
        count(distinct is_control) as distinct_flags,
        max(case when is_control then 1 else 0 end) as is_control
    from actions
    group by 1, 2
),

unstable as (
    select
        'unstable flag' as problem,
        customer_id,
        pathway_id,
        cast(null as {{ dbt.type_float() }}) as control_share,
        cast(null as {{ dbt.type_int() }}) as assignments
    from flags
    where distinct_flags > 1
),

off_share as (
    select
        'control share off the setting' as problem,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as pathway_id,
        avg(is_control * 1.0) as control_share,
        count(*) as assignments
    from flags
    having count(*) >= 1000 and abs(avg(is_control * 1.0) - {{ share }}) > 0.03
)

select * from unstable
union all
select * from off_share
