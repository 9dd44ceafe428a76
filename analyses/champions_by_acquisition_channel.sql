-- Which acquisition channels bring the customers who become Champions? Customers, Champions and
-- the Champions' share per channel, with the channel's average predicted value.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

by_channel as (
    select
        coalesce(acquisition_channel, '(unknown)') as acquisition_channel,
        count(*) as customers,
        sum(case when rfm_segment = 'Champions' then 1 else 0 end) as champions,
        avg(predicted_value) as avg_predicted_value
    from customers
    group by coalesce(acquisition_channel, '(unknown)')
),

shares as (
    select
        acquisition_channel,
        customers,
        champions,
        champions * 1.0 / customers as champion_share,
        avg_predicted_value
    from by_channel
)

select * from shares
order by champion_share desc, acquisition_channel asc
