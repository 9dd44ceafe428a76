-- Calibration of probability alive: the calibration fit's customers in ten equal groups by
-- their probability alive at the calibration month end, with the mean predicted probability and
-- the share of them who bought in the holdout that followed.
with

outcomes as (
    select * from {{ ref('int_value_model_holdout_customers') }}
),

deciles as (
    select
        *,
        ntile(10) over (order by probability_alive, customer_id) as probability_alive_decile
    from outcomes
),

calibration as (
    select
        cast(probability_alive_decile as {{ dbt.type_bigint() }}) as probability_alive_decile,
        cast(count(*) as {{ dbt.type_bigint() }}) as customers,
        cast(min(probability_alive) as {{ segmentation_type_double() }}) as min_probability_alive,
        cast(max(probability_alive) as {{ segmentation_type_double() }}) as max_probability_alive,
        cast(avg(cast(probability_alive as {{ dbt.type_numeric() }})) as {{ segmentation_type_double() }})
            as mean_probability_alive,
        cast(
            avg(case when actual_purchase_days > 0 then 1.0 else 0.0 end) as {{ segmentation_type_double() }}
        ) as share_bought_in_holdout
    from deciles
    group by probability_alive_decile
)

select * from calibration
