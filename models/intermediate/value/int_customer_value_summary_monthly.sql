{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- The standard "buy till you die" summary per customer and period end, in days (Fader, Hardie &
-- Lee 2005; Fader & Hardie 2013): purchases are counted in distinct purchase days (several
-- completed orders on one day are one purchase); repeat_purchase_days = purchase days after the
-- first; first_to_last_days = days from the first to the last purchase day; age_days = days from
-- the first purchase day to the period end; repeat_purchase_day_value = mean net value of the
-- repeat purchase days (the first purchase excluded), null without a repeat. Customers without a
-- completed order have no row.
-- Incremental, like int_customer_features_monthly: a build recomputes the last stored month (it
-- may have been the current period) and appends the months after it; the running sums still add
-- the purchase days of every earlier month, so --full-refresh gives the same rows.
with

orders as (
    select * from {{ ref('int_orders_netted') }}
),

features as (
    select
        customer_id,
        period_month_end,
        period_end_date,
        is_current_period
    from {{ ref('int_customer_features_monthly') }}
    {%- if is_incremental() %}
    where period_month_end >= (select max(stored.period_month_end) from {{ this }} as stored)
    {%- endif %}
),

purchase_days as (
    select
        customer_id,
        ordered_date as purchase_date,
        period_month_end,
        sum(net_revenue) as purchase_value
    from orders
    where is_completed
    group by customer_id, ordered_date, period_month_end
),

numbered_days as (
    select
        *,
        row_number() over (partition by customer_id order by purchase_date) as purchase_day_number
    from purchase_days
),

monthly_days as (
    select
        customer_id,
        period_month_end,
        count(*) as purchase_days_in_month,
        min(purchase_date) as first_purchase_date_in_month,
        max(purchase_date) as last_purchase_date_in_month,
        sum(purchase_value) as purchase_value_in_month,
        sum(case when purchase_day_number > 1 then purchase_value else 0 end) as repeat_value_in_month
    from numbered_days
    group by customer_id, period_month_end
),

combined as (
    -- the periods to compute, and every month with a purchase day (also months before them:
    -- their purchases still count)
    select
        coalesce(features.customer_id, monthly_days.customer_id) as customer_id,
        coalesce(features.period_month_end, monthly_days.period_month_end) as period_month_end,
        features.customer_id is not null as is_period,
        features.period_end_date,
        features.is_current_period,
        monthly_days.purchase_days_in_month,
        monthly_days.first_purchase_date_in_month,
        monthly_days.last_purchase_date_in_month,
        monthly_days.purchase_value_in_month,
        monthly_days.repeat_value_in_month
    from features
    full outer join monthly_days
        on
            features.customer_id = monthly_days.customer_id
            and features.period_month_end = monthly_days.period_month_end
),

running as (
    select
        customer_id,
        period_month_end,
        is_period,
        period_end_date,
        is_current_period,
        sum(purchase_days_in_month) over customer_months as purchase_days_to_date,
        min(first_purchase_date_in_month) over customer_months as first_purchase_date,
        max(last_purchase_date_in_month) over customer_months as last_purchase_date,
        sum(purchase_value_in_month) over customer_months as purchase_value_to_date,
        sum(repeat_value_in_month) over customer_months as repeat_value_to_date
    from combined
    window customer_months as (
        partition by customer_id order by period_month_end
        rows between unbounded preceding and current row
    )
),

summary as (
    select
        -- keys
        customer_id,
        period_month_end,
        period_end_date,
        is_current_period,
        -- the BTYD summary (days)
        cast(purchase_days_to_date as {{ dbt.type_bigint() }}) as purchase_days_to_date,
        cast(purchase_days_to_date - 1 as {{ dbt.type_bigint() }}) as repeat_purchase_days,
        cast({{ segmentation_days_between('first_purchase_date', 'last_purchase_date') }} as {{ dbt.type_bigint() }})
            as first_to_last_days,
        cast({{ segmentation_days_between('first_purchase_date', 'period_end_date') }} as {{ dbt.type_bigint() }})
            as age_days,
        -- spend
        case
            when purchase_days_to_date > 1
                then cast(repeat_value_to_date as {{ segmentation_type_double() }}) / (purchase_days_to_date - 1)
        end as repeat_purchase_day_value,
        cast(purchase_value_to_date as {{ segmentation_type_double() }}) / purchase_days_to_date as purchase_day_value,
        purchase_value_to_date,
        -- dates
        first_purchase_date,
        last_purchase_date
    from running
    where is_period and purchase_days_to_date > 0
)

select * from summary
