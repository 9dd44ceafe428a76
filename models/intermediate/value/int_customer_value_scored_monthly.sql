{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['customer_id', 'period_month_end'],
        on_schema_change='fail',
    )
}}

-- Customer value at every customer and period end, before small potential tiers are merged:
-- probability alive and expected purchase days over segmentation__clv_horizon_days (the chosen
-- purchase model, scored in value_model_scores), the expected value of a purchase day (the
-- chosen spend model, closed form here), predicted revenue (undiscounted) and predicted value
-- (segmentation__clv_margin x revenue discounted monthly at segmentation__clv_discount_rate),
-- its percentile among buyers in the period, and the potential tier from potential_tier_rules.
-- A one-time buyer silent for longer than 80% of the repeat buyers' mean gaps in the period is
-- never put in a tier that does not accept lapsed one-time buyers.
-- Point in time (incremental): each month end is valued once, with the value definition in force
-- when it is first built (value_model_fit, kept as value_definition_version); a normal build
-- revalues the last stored month only when it was an open period (the last build's as-of date
-- fell before its month end) and appends the months after it, so a refit changes no past month;
-- --full-refresh revalues every month with the definition in force.
{%- set margin = segmentation_setting('clv_margin') %}

with

summary as (
    select * from {{ ref('int_customer_value_summary_monthly') }}
    {%- if is_incremental() %}
    where {{ segmentation_new_months() }}
    {%- endif %}
),

scores as (
    select * from {{ ref('value_model_scores') }}
    where score_set = 'history'
),

tier_rules as (
    select * from {{ ref('potential_tier_rules') }}
),

spend_params as (
    {{ segmentation_value_spend_params(ref('value_model_fit'), 'current') }}
),

repeat_gaps as (
    -- the silence after which a one-time buyer counts as lapsed: 80% of repeat buyers' mean
    -- gaps between purchase days are shorter
    select
        period_month_end,
        {{ segmentation_percentile('first_to_last_days * 1.0 / repeat_purchase_days', 0.8) }} as lapse_after_days
    from summary
    where repeat_purchase_days > 0
    group by period_month_end
),

valued as (
    select
        summary.customer_id,
        summary.period_month_end,
        summary.period_end_date,
        scores.definition_version as value_definition_version,
        scores.probability_alive,
        scores.expected_orders,
        scores.discounted_expected_orders,
        summary.repeat_purchase_days = 0
        and summary.age_days - summary.first_to_last_days > coalesce(repeat_gaps.lapse_after_days, summary.age_days)
            as is_lapsed_one_time_buyer,
        -- refunded-to-zero spend counts as 0
        case when summary.repeat_purchase_day_value > 0 then summary.repeat_purchase_day_value else 0 end
            as repeat_value,
        summary.repeat_purchase_days
    from summary
    inner join scores
        on
            summary.repeat_purchase_days = scores.frequency
            and summary.first_to_last_days = scores.recency_days
            and summary.age_days = scores.age_days
    left join repeat_gaps
        on summary.period_month_end = repeat_gaps.period_month_end
),

spent as (
    select
        valued.*,
        {{ segmentation_expected_order_value('spend_params', 'valued.repeat_purchase_days', 'valued.repeat_value') }}
            as expected_order_value
    from valued
    cross join spend_params
),

predicted as (
    select
        *,
        expected_orders * expected_order_value as predicted_revenue,
        {{ margin }} * discounted_expected_orders * expected_order_value as predicted_value
    from spent
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

tier_fallbacks as (
    -- for each tier, where a lapsed one-time buyer goes instead: the tier itself when it accepts
    -- them, else the best-ranked tier below it that does
    select
        tier_rules.potential_rank,
        min(accepting.potential_rank) as lapsed_rank
    from tier_rules
    inner join tier_rules as accepting
        on
            tier_rules.potential_rank <= accepting.potential_rank
            and accepting.accepts_lapsed_one_time_buyers
    group by tier_rules.potential_rank
),

tiered as (
    select
        ranked.*,
        case
            when ranked.is_lapsed_one_time_buyer then coalesce(tier_fallbacks.lapsed_rank, tier_rules.potential_rank)
            else tier_rules.potential_rank
        end as potential_rank
    from ranked
    left join tier_rules
        on
            ranked.probability_alive >= tier_rules.min_probability_alive
            and ranked.probability_alive < tier_rules.max_probability_alive
            and ranked.predicted_value_percentile >= tier_rules.min_value_percentile
            and ranked.predicted_value_percentile < tier_rules.max_value_percentile
    left join tier_fallbacks
        on tier_rules.potential_rank = tier_fallbacks.potential_rank
),

customer_values as (
    select
        tiered.customer_id,
        tiered.period_month_end,
        tiered.period_end_date,
        tiered.value_definition_version,
        tiered.probability_alive,
        tiered.expected_orders,
        tiered.expected_order_value,
        tiered.predicted_revenue,
        tiered.predicted_value,
        tiered.predicted_value_percentile,
        tiered.is_lapsed_one_time_buyer,
        tier_rules.potential_tier,
        tier_rules.potential_rank
    from tiered
    left join tier_rules
        on tiered.potential_rank = tier_rules.potential_rank
)

select * from customer_values
