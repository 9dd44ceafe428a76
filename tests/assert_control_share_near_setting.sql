-- The control group is one customer-level holdout: a customer's flag is the same for every
-- pathway and month (so nobody is treated in one pathway and control in another, in the same
-- month or ever), and it holds the share segmentation__control_group_share of the customers an
-- action was meant for, within 0.03 (checked only with at least 1000 of them, where a 0.03 gap is
-- far outside chance).
{%- set share = segmentation_setting('control_group_share') %}
with

actions as (
    select * from {{ ref('int_customer_actions_monthly') }}
),

flags as (
    select
        customer_id,
        count(distinct is_control) as distinct_flags,
        max(case when is_control then 1 else 0 end) as is_control
    from actions
    group by 1
),

unstable as (
    select
        'treated in one pathway or month and control in another' as problem,
        customer_id,
        cast(null as {{ dbt.type_float() }}) as control_share,
        cast(null as {{ dbt.type_int() }}) as customers
    from flags
    where distinct_flags > 1
),

off_share as (
    select
        'control share off the setting' as problem,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        avg(is_control * 1.0) as control_share,
        count(*) as customers
    from flags
    having count(*) >= 1000 and abs(avg(is_control * 1.0) - {{ share }}) > 0.03
)

select * from unstable
union all
select * from off_share
