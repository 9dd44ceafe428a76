{{ config(materialized='table') }}

-- Customer value at every customer and period end: probability alive and expected orders over
-- segmentation__clv_horizon_days (BG/NBD, scored in value_model_scores), expected order value
-- (Gamma-Gamma, closed form here), predicted value = expected orders x expected order value,
-- its percentile among buyers in the period, and the potential tier from the
-- potential_tier_rules seed. Customers without a completed order are Prospects with null values.
with

features as (
    select * from {{ ref('int_customer_features_monthly') }}
),

summary as (
    select * from {{ ref('int_customer_value_summary_monthly') }}
),

scores as (
    select * from {{ ref('value_model_scores') }}
    where score_set = 'history'
),

fit as (
    select * from {{ ref('value_model_fit') }}
    where fit_period = 'current'
),

tier_rules as (
    select * from {{ ref('potential_tier_rules') }}
),

spend_params as (
    select
        max(case when parameter_name = 'p' then parameter_value end) as gg_p,
        max(case when parameter_name = 'q' then parameter_value end) as gg_q,
        max(case when parameter_name = 'v' then parameter_value end) as gg_v
    from fit
    where model = 'gamma_gamma'
),

valued as (
    select
        summary.customer_id,
        summary.period_month_end,
        scores.probability_alive,
        scores.expected_orders,
        -- Gamma-Gamma: a weighted mean of the population mean p v / (q - 1) and the customer's
        -- mean order value (refunded-to-zero spend counts as 0)
        spend_params.gg_p * (
            spend_params.gg_v
            + summary.repeat_orders * (case when summary.mean_order_value > 0 then summary.mean_order_value else 0 end)
        ) / (spend_params.gg_p * summary.repeat_orders + spend_params.gg_q - 1) as expected_order_value
    from summary
    cross join spend_params
    inner join scores
        on
            summary.repeat_orders = scores.frequency
            and summary.repeat_span_days = scores.recency_days
            and summary.customer_age_days = scores.age_days
),

predicted as (
    select
        *,
        expected_orders * expected_order_value as predicted_value
    from valued
),

ranked as (
    select
        *,
        case
            when count(*) over (partition by period_month_end) = 1 then 1.0
            else percent_rank() over (partition by period_month_end order by predicted_value)
        end as predicted_value_percentile
    from predicted
),

customer_values as (
    select
        features.customer_id,
        features.period_month_end,
        ranked.probability_alive,
        ranked.expected_orders,
        ranked.expected_order_value,
        ranked.predicted_value,
        ranked.predicted_value_percentile,
        coalesce(tier_rules.potential_tier, 'Prospects') as potential_tier,
        coalesce(tier_rules.potential_rank, 6) as potential_rank
    from features
    left join ranked
        on
            features.customer_id = ranked.customer_id
            and features.period_month_end = ranked.period_month_end
    left join tier_rules
        on
            ranked.probability_alive >= tier_rules.min_probability_alive
            and ranked.probability_alive < tier_rules.max_probability_alive
            and ranked.predicted_value_percentile >= tier_rules.min_value_percentile
            and ranked.predicted_value_percentile < tier_rules.max_value_percentile
)

select * from customer_values
